"""Console fixtures: staff with passwords on the test database, the console app over HTTP (in process)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from actions.staff import add_staff
from actions.staff_passwords import set_password
from console.app import create_app
from runtime.settings import Settings
from storage.engine import SessionFactory

PASSWORD = "correct horse battery"
INTENTS = ("check_points", "greet", "order_status")
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
async def staff_accounts(session_factory: SessionFactory) -> dict[str, str]:
    """Lily (agent), Sam (supervisor), Mona (marketer) and Ada (admin), all with PASSWORD; name -> role."""
    accounts = {"Lily": "agent", "Sam": "supervisor", "Mona": "marketer", "Ada": "admin"}
    now = datetime.now(UTC)
    async with session_factory() as session, session.begin():
        for number, (name, role) in enumerate(accounts.items(), start=1):
            member, _ = await add_staff(
                session=session, name=name, role=role, telegram_user_id=800 + number, actor="test", now=now
            )
            await set_password(session=session, key=str(member.id), password=PASSWORD, actor="test", now=now)
    return accounts


@pytest.fixture
def console_settings(database_url: str, redis_url: str) -> Settings:
    return Settings(environment="test", DATABASE_URL=database_url, REDIS_URL=redis_url, SHOP_API_KEY="k")


@pytest.fixture
async def console(console_settings: Settings, redis: object) -> AsyncIterator[httpx.AsyncClient]:
    """The console app (no channel to customers) with its lifespan, and a client keeping cookies."""
    app = create_app(console_settings, intents=INTENTS)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console") as client,
    ):
        yield client


async def log_in(client: httpx.AsyncClient, name: str, password: str = PASSWORD) -> httpx.Response:
    """Fill in the login form as a browser would (its CSRF token included)."""
    form = await client.get("/login")
    token = csrf_of(form.text)
    return await client.post("/login", data={"name": name, "password": password, "csrf_token": token, "next": "/"})


def csrf_of(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found is not None, "no CSRF token in the page"
    return found.group(1)


# The Telegram side's fixtures (the demo shop, settings on the fake Bot API, the bot under test).
from tests.bot.telegram.conftest import (  # noqa: E402, F401
    _timedelta_durations,
    make_settings,
    shop,
    start_bot,
    stopped_nlu_url,
)
