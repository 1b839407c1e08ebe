"""Long polling loses no update: while the database is down the offset stays (Telegram keeps the update),
and what an earlier process left in the inbox is processed by the next one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from bot.telegram.app import build_application, running
from runtime.services import Services, open_services
from runtime.settings import Settings
from storage.engine import SessionFactory
from storage.models import InboxUpdate, MessageLog
from tests.bot.telegram.conftest import ZH_CUSTOMER
from tests.bot.telegram.harness import texts
from tests.support.fake_bot_api import FakeBotApi


class Database:
    """A session factory that can be switched off, as a database outage would."""

    def __init__(self, real: SessionFactory) -> None:
        self.real = real
        self.down = False

    def __call__(self) -> Any:
        if self.down:
            raise ConnectionRefusedError("the database is down")
        return self.real()


def with_switchable_database(database: list[Database]) -> Callable[[Settings], AbstractAsyncContextManager[Services]]:
    def factory(settings: Settings) -> AbstractAsyncContextManager[Services]:
        @asynccontextmanager
        async def opened() -> AsyncIterator[Services]:
            async with open_services(settings) as services:
                database.append(Database(services.session_factory))
                yield replace(services, session_factory=database[0])  # type: ignore[arg-type]

        return opened()

    return factory


async def logged_turns(shop: SessionFactory, update_id: int) -> int:
    async with shop() as session:
        return int(await session.scalar(select(func.count()).where(MessageLog.update_id == update_id)) or 0)


async def test_an_update_fetched_while_the_database_is_down_is_kept_by_telegram_until_it_is_back(
    fake_bot_api: FakeBotApi, make_settings: Callable[..., Settings], shop: SessionFactory, stopped_nlu_url: str
) -> None:
    database: list[Database] = []
    settings = make_settings(fake_bot_api, nlu_url=stopped_nlu_url)
    application = build_application(settings, services_factory=with_switchable_database(database))
    update = fake_bot_api.user_message(ZH_CUSTOMER, "我的积分", language_code="zh")
    async with running(application, polling=True, poll_timeout=1, poll_retry_seconds=0.05):
        database[0].down = True
        fetched_before = len(fake_bot_api.calls("getUpdates"))
        await fake_bot_api.inject(update)
        # Fetched again and again: the offset did not move past it, so Telegram still holds it.
        await fake_bot_api.wait_for("getUpdates", count=fetched_before + 3, timeout=30)
        assert fake_bot_api.sent_messages(ZH_CUSTOMER) == []
        database[0].down = False
        replies = await fake_bot_api.wait_for(
            "sendMessage", timeout=30, predicate=lambda call: call.params.get("chat_id") == ZH_CUSTOMER
        )

    assert "积分" in replies[0].params["text"]
    assert await logged_turns(shop, update["update_id"]) == 1  # processed once


async def test_what_the_inbox_holds_is_processed_by_the_next_process(
    fake_bot_api: FakeBotApi, make_settings: Callable[..., Settings], shop: SessionFactory, stopped_nlu_url: str
) -> None:
    left_over = fake_bot_api.user_message(ZH_CUSTOMER, "我的积分", language_code="zh")
    async with shop() as session, session.begin():  # fetched and stored by a process that then died
        session.add(InboxUpdate(update_id=left_over["update_id"], payload=left_over, received_at=datetime.now(UTC)))
    application = build_application(make_settings(fake_bot_api, nlu_url=stopped_nlu_url))
    async with running(application, polling=True, poll_timeout=1):
        replies = await fake_bot_api.wait_for(
            "sendMessage", timeout=30, predicate=lambda call: call.params.get("chat_id") == ZH_CUSTOMER
        )
        await fake_bot_api.wait_for("getUpdates", count=len(fake_bot_api.calls("getUpdates")) + 1, timeout=30)

    assert "积分" in texts([call.params for call in replies])
    async with shop() as session:
        assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 0
