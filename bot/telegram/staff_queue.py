"""Staff notices leave the customer's update path: queued, posted by one background task, coalesced.

The staff group may receive 20 messages a minute. Posting a handoff's relays inline would make the
customer's update (and its chat's turn) wait for the group's limit; instead the update only queues its
notices. One task posts them in order; when several wait (the group's limit was reached), relays of the
same topic are merged into one message. Notices still queued when the process dies are lost; the
customer's messages stay in the conversation log that staff see.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from bot.conversation import StaffNotice
from runtime.logs import log_unexpected

logger = logging.getLogger(__name__)

Deliver = Callable[[Sequence[StaffNotice]], Awaitable[None]]
MAX_MERGED_TEXT = 3500  # one merged relay stays one Telegram message (4096), with room for the separators


def coalesce(notices: Sequence[StaffNotice]) -> list[StaffNotice]:
    """Merge consecutive text relays into the same topic; everything else keeps its place and order."""
    merged: list[StaffNotice] = []
    for notice in notices:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and _mergeable(previous)
            and _mergeable(notice)
            and previous.topic_id == notice.topic_id
            and previous.customer_id == notice.customer_id
            and len(previous.text) + len(notice.text) < MAX_MERGED_TEXT
        ):
            merged[-1] = replace(previous, text=f"{previous.text}\n{notice.text}")
        else:
            merged.append(notice)
    return merged


def _mergeable(notice: StaffNotice) -> bool:
    return notice.kind == "relay" and notice.copy_from is None and notice.topic_id is not None


class StaffNoticeQueue:
    """`put` never waits; `start` runs the posting task, `join` waits until the queue is empty."""

    def __init__(self, deliver: Deliver) -> None:
        self._deliver = deliver
        self._queue: asyncio.Queue[StaffNotice] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def put(self, notices: Sequence[StaffNotice]) -> None:
        for notice in notices:
            self._queue.put_nowait(notice)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="staff-notices")

    async def join(self) -> None:
        """Wait until every queued notice was handed to the staff relay (tests, and a clean shutdown)."""
        await self._queue.join()

    async def aclose(self, *, drain_seconds: float = 10.0) -> None:
        """Post what is queued (for a while), then stop the task."""
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), drain_seconds)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._deliver(coalesce(batch))
            except Exception as error:  # the posting task's error edge: one bad batch must not stop the relay
                log_unexpected(logger, error, what="posting staff notices")
            finally:
                for _ in batch:
                    self._queue.task_done()
