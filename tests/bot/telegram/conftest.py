"""Fixtures for the Telegram transport tests: the demo shop, settings pointed at the fake Bot API, the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest

from actions.demo import load_catalogue, seed_demo
from actions.staff import add_staff
from bot.telegram.app import BotApplication, build_application, running
from nlu.local_server import free_port
from runtime.services import loyalty_rules
from runtime.settings import Settings
from storage.engine import SessionFactory
from tests.bot.telegram.harness import Conversation, UpdateTracker
from tests.support.fake_bot_api import FakeBotApi

STAFF_GROUP_ID = -1001234567890
ZH_CUSTOMER = 910001  # 王芳 in the demo shop, with orders and points
EN_CUSTOMER = 910002  # Li Lei in the demo shop
STAFF_AGENT = 777  # the Telegram user registered as the agent "Lily" by the `agent` fixture


@pytest.fixture(autouse=True)
def _timedelta_durations(ptb_timedelta: None) -> None:
    """Every Telegram test runs with PTB's timedelta durations, as `build_application` sets them."""


@pytest.fixture
async def shop(session_factory: SessionFactory) -> SessionFactory:
    """The demo shop loaded (tables are emptied after the test); the factory to check the CRM with."""
    settings = Settings(environment="test")
    async with session_factory() as session, session.begin():
        await seed_demo(
            session=session, catalogue=load_catalogue(), rules=loyalty_rules(settings), now=datetime.now(UTC)
        )
    return session_factory


@pytest.fixture
async def agent(shop: SessionFactory) -> str:
    """An agent registered in the shop (Telegram user STAFF_AGENT); the name customers see."""
    async with shop() as session, session.begin():
        await add_staff(
            session=session,
            name="Lily",
            role="agent",
            telegram_user_id=STAFF_AGENT,
            actor="test",
            now=datetime.now(UTC),
        )
    return "Lily"


@pytest.fixture
def make_settings(database_url: str, redis_url: str) -> Callable[..., Settings]:
    """Settings for the bot under test: the test database and Redis, the fake Bot API, a staff group."""

    def make(api: FakeBotApi, *, nlu_url: str, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "NLU_URL": nlu_url,
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_BASE_URL": api.base_url,
            "STAFF_GROUP_ID": STAFF_GROUP_ID,
        }
        return Settings(environment="test", **(values | overrides))

    return make


@pytest.fixture
def stopped_nlu_url() -> str:
    """An NLU URL where nothing listens: the server is down."""
    return f"http://127.0.0.1:{free_port()}"


class RunningBot:
    """The real Application polling the fake Bot API, and helpers to talk to it."""

    def __init__(self, api: FakeBotApi, application: BotApplication, tracker: UpdateTracker) -> None:
        self.api = api
        self.application = application
        self.tracker = tracker

    def customer(self, user_id: int, language_code: str) -> Conversation:
        return Conversation(self.api, self.tracker, user_id, language_code)


@pytest.fixture
def start_bot(
    fake_bot_api: FakeBotApi, make_settings: Callable[..., Settings], redis: object
) -> Callable[[str], AsyncIterator[RunningBot]]:
    """`async with start_bot(nlu_url) as bot:` runs the bot in polling mode against the fake."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def start(nlu_url: str) -> AsyncIterator[RunningBot]:
        application = build_application(make_settings(fake_bot_api, nlu_url=nlu_url))
        tracker = UpdateTracker()
        tracker.install(application)
        async with running(application, polling=True, poll_timeout=5):
            yield RunningBot(fake_bot_api, application, tracker)

    return start  # type: ignore[return-value]


@pytest.fixture
async def bot(start_bot: Callable[[str], object], shop: SessionFactory, nlu_server: str) -> AsyncIterator[RunningBot]:
    """The bot with the real NLU server and the demo shop, polling the fake Bot API."""
    async with start_bot(nlu_server) as running_bot:  # type: ignore[attr-defined]
        yield running_bot
