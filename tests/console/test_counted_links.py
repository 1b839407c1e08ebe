"""A campaign's link button counted: sent through the fake Bot API as a /go/ link of the console, the press
recorded once, the customer's browser sent on to the marketer's URL; forged links count nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import ValidationError
from redis.asyncio import Redis

from actions import campaigns
from bot.telegram.outbound import direct_link
from carebot.commands.worker import link_maker
from console.app import create_app
from runtime.settings import ConsoleSettings, Settings
from storage.engine import SessionFactory
from tests.support.fake_bot_api import FakeBotApi
from tests.support.outreach import add_customers, empty_shop, outreach_sender, start_campaign

PUBLIC = "https://desk.shop.example"
SECRET = "a-long-random-link-secret"


@pytest.fixture
async def public_console(database_url: str, redis_url: str, redis: Redis) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        environment="test",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CONSOLE_PUBLIC_URL=PUBLIC,
        LINK_SECRET=SECRET,
    )
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC) as client,
    ):
        yield client


async def test_a_link_press_is_counted_once_and_leads_on(
    session_factory: SessionFactory, redis: Redis, fake_bot_api: FakeBotApi, public_console: httpx.AsyncClient
) -> None:
    await empty_shop(session_factory)
    [chat] = await add_customers(session_factory, 1, first_chat=100_000)
    campaign = await start_campaign(
        session_factory, button_label_zh="去看看", button_label_en="Look", button_url="https://shop.example/1212"
    )
    link_for = link_maker(ConsoleSettings(CONSOLE_PUBLIC_URL=PUBLIC, LINK_SECRET=SECRET))
    async with outreach_sender(fake_bot_api, session_factory, redis, link_for=link_for) as sender:
        await sender.send_due()
    [message] = fake_bot_api.sent_messages(chat)
    link = message["reply_markup"]["inline_keyboard"][0][0]["url"]
    assert link.startswith(f"{PUBLIC}/go/")

    first = await public_console.get(link)
    again = await public_console.get(link)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == "https://shop.example/1212"
    forged = await public_console.get(link[: -len("0")] + ("1" if link.endswith("0") else "0"))
    other = await public_console.get(f"{PUBLIC}/go/{int(link.rsplit('/', 1)[1].split('.')[0]) + 1}.0000")
    assert forged.status_code == other.status_code == 404

    async with session_factory() as session:
        figures = await campaigns.campaign_statistics(session, campaign=campaign)
    assert figures["button_presses"] == 1


def test_without_a_public_address_links_go_direct_and_production_wants_a_secret() -> None:
    assert link_maker(ConsoleSettings()) is direct_link
    with pytest.raises(ValidationError, match=re.escape("https://desk.example.com")):
        ConsoleSettings(CONSOLE_PUBLIC_URL="desk.shop.example")
    with pytest.raises(Exception, match="LINK_SECRET"):
        Settings(
            environment="production", TELEGRAM_BOT_TOKEN="1:real", SHOP_API_KEY="k" * 20, CONSOLE_PUBLIC_URL=PUBLIC
        )
