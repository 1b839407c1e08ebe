"""Long polling that loses no update, for `carebot bot` without a webhook.

Telegram forgets updates below the offset of the next getUpdates call. python-telegram-bot's Updater
moves the offset as soon as it has fetched a batch, so an update whose processing failed (the database
was down) or was cut short (the process died) is gone. Here each fetched batch is first stored in the
inbox (`actions/inbox.py`); only then does the offset move. An update leaves the inbox once it was
processed; one that failed stays and is tried again, and a restarted process starts with what is left.
If the inbox cannot be written (the database is down) the offset stays, so Telegram keeps the batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.error import TelegramError

from actions.inbox import pending_updates, remove_update, store_updates
from storage.engine import SessionFactory

if TYPE_CHECKING:
    from bot.telegram.app import BotApplication

logger = logging.getLogger(__name__)

Process = Callable[[Update], Awaitable[bool]]


def utc_now() -> datetime:
    return datetime.now(UTC)


class DurablePoller:
    """getUpdates in a loop; every update is processed at least once, in its chat's order."""

    def __init__(
        self,
        application: BotApplication,
        *,
        process: Process,
        session_factory: SessionFactory,
        timeout: float = 30,
        retry_seconds: float = 5.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._application = application
        self._process = process
        self._session_factory = session_factory
        self._timeout = timeout
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._offset = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_progress: Counter[int] = Counter()  # update id -> deliveries being processed

    async def run(self) -> None:
        """Poll until cancelled; start with what an earlier process left in the inbox."""
        try:
            await self._application.bot.delete_webhook()  # Telegram refuses getUpdates while a webhook is set
        except TelegramError as error:
            logger.warning("deleteWebhook failed (%s)", type(error).__name__)
        await self._retry_pending()
        loop = asyncio.get_running_loop()
        retried_at = loop.time()
        while True:
            batch = await self._fetch()
            if batch and await self._store(batch):
                self._offset = batch[-1].update_id + 1
                for update in batch:  # a repeat of an update still in progress runs too: the claim stops it
                    self._start(update)
            elif batch:  # not stored: the offset stays and Telegram keeps the batch for the next call
                await asyncio.sleep(self._retry_seconds)
            if loop.time() - retried_at >= self._retry_seconds:
                retried_at = loop.time()
                await self._retry_pending()

    async def drain(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Let the updates being processed finish (before the Application stops)."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)

    async def _fetch(self) -> list[Update]:
        try:
            updates = await self._application.bot.get_updates(
                offset=self._offset,
                timeout=int(self._timeout),
                read_timeout=self._timeout + 10,
                allowed_updates=Update.ALL_TYPES,
            )
        except TelegramError as error:
            logger.warning("getUpdates failed (%s); trying again", type(error).__name__)
            await asyncio.sleep(self._retry_seconds)
            return []
        return list(updates)

    async def _store(self, batch: list[Update]) -> bool:
        try:
            async with self._session_factory() as session, session.begin():
                await store_updates(session=session, updates=[_payload(u) for u in batch], now=self._clock())
        except Exception as error:  # the database is down: nothing is confirmed to Telegram
            logger.warning("polled updates not stored (%s); Telegram keeps them", type(error).__name__)
            return False
        return True

    def _start(self, update: Update) -> None:
        self._in_progress[update.update_id] += 1
        task = asyncio.create_task(self._handle(update), name=f"update-{update.update_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, update: Update) -> None:
        try:
            if await self._process(update):
                async with self._session_factory() as session, session.begin():
                    await remove_update(session=session, update_id=update.update_id)
        except Exception as error:  # the inbox keeps it: tried again by `_retry_pending`
            logger.warning("update %s stays in the inbox (%s)", update.update_id, type(error).__name__)
        finally:
            self._in_progress[update.update_id] -= 1
            if not self._in_progress[update.update_id]:
                del self._in_progress[update.update_id]

    async def _retry_pending(self) -> None:
        try:
            async with self._session_factory() as session:
                payloads = await pending_updates(session=session)
        except Exception as error:
            logger.warning("inbox not readable (%s)", type(error).__name__)
            return
        for payload in payloads:
            update = Update.de_json(payload, self._application.bot)
            if update is not None and update.update_id not in self._in_progress:  # not twice at once
                self._start(update)


def _payload(update: Update) -> dict[str, Any]:
    return update.to_dict()


@contextlib.asynccontextmanager
async def polling(poller: DurablePoller) -> Any:
    """Run the poller in the background; on exit stop fetching and let what is in progress finish."""
    task = asyncio.create_task(poller.run(), name="polling")
    try:
        yield poller
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await poller.drain()
