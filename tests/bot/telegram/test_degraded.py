"""Degraded dependencies through the real Application: Redis down, the database down.

Redis down: customers still get answers (rate limits fall back to the process, de-duplication is the
database's claim), and a question whose answer the bot cannot follow without its state says so.
Database down: the webhook answers 500, so Telegram delivers the update again later.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace

import httpx
import pytest

from bot.telegram.app import build_application, process_and_report, running
from bot.telegram.webhook import SECRET_HEADER, create_webhook_app
from runtime.services import Services, open_services
from runtime.settings import Settings
from storage.engine import SessionFactory, create_engine, create_session_factory
from tests.bot.telegram.conftest import ZH_CUSTOMER
from tests.bot.telegram.harness import Conversation, UpdateTracker, texts
from tests.nlu.stub_server import closed_port
from tests.support.fake_bot_api import FakeBotApi


async def test_with_redis_down_customers_still_get_answers(
    fake_bot_api: FakeBotApi, make_settings: Callable[..., Settings], shop: SessionFactory, stopped_nlu_url: str
) -> None:
    settings = make_settings(
        fake_bot_api, nlu_url=stopped_nlu_url, REDIS_URL=f"redis://127.0.0.1:{await closed_port()}/0"
    )
    application = build_application(settings)
    tracker = UpdateTracker()
    tracker.install(application)
    async with running(application, polling=True, poll_timeout=5):
        chat = Conversation(fake_bot_api, tracker, ZH_CUSTOMER, "zh")
        points = await chat.say("我的积分")
        complaint = await chat.say("我要投诉")

    assert "积分" in texts(points)
    assert "记不住对话进度" in texts(complaint)  # the flow's next step cannot be followed: said, not hidden


def with_database_gone(settings: Settings) -> AbstractAsyncContextManager[Services]:
    """The services of a healthy start, then the database stops answering (nothing listens at its address)."""

    @asynccontextmanager
    async def opened() -> AsyncIterator[Services]:
        async with open_services(settings) as services:
            gone = create_engine(f"postgresql://nobody@127.0.0.1:{await closed_port()}/gone")
            try:
                yield replace(services, session_factory=create_session_factory(gone))
            finally:
                await gone.dispose()

    return opened()


async def test_with_the_database_down_the_webhook_answers_500_for_a_redelivery(
    fake_bot_api: FakeBotApi, make_settings: Callable[..., Settings], shop: SessionFactory, stopped_nlu_url: str
) -> None:
    secret = secrets.token_urlsafe(12)
    settings = make_settings(fake_bot_api, nlu_url=stopped_nlu_url)
    application = build_application(settings, services_factory=with_database_gone)
    web = create_webhook_app(
        application.bot,
        process=lambda update: process_and_report(application, update),
        secret_token=secret,
        health=lambda: _healthy(),
    )
    update = fake_bot_api.user_message(ZH_CUSTOMER, "我的积分", language_code="zh")
    async with (
        running(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://bot") as client,
    ):
        response = await client.post("/telegram", json=update, headers={SECRET_HEADER: secret})

    assert response.status_code == 500


async def _healthy() -> dict[str, bool]:
    return {"database": True, "redis": True}


@pytest.fixture(autouse=True)
def _quiet_failures(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("CRITICAL", logger="bot.telegram.app")  # the expected failures are logged as errors
