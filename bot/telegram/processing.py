"""Concurrent update processing that keeps each chat's updates in order."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

CHAT_BURST = 8  # updates a chat may have processed back to back
CHAT_RATE = 2.0  # and then per second: far above typing speed, far below a script's
BUDGETS_KEPT = 10_000  # above this many chats' budgets, the refilled ones are dropped


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Different chats are handled concurrently; one chat's updates run one after another, in order.

    A customer's flow state lives in Redis, so two messages of the same chat must not race (a fast
    double tap on a button would otherwise confirm twice); other customers need not wait.

    Fairness: PTB takes its concurrency slot before `do_process_update`, so a chat's queued updates
    would each hold one while they wait for their turn — one customer sending 50 messages at once could
    starve everyone. PTB's slots are therefore only a bound on waiting updates, and the real limit of
    updates being processed is taken after the chat's lock. A chat also has a processing budget (a burst
    of `CHAT_BURST` updates, then `CHAT_RATE` a second): a flood of one chat's messages is spread out
    instead of taking the event loop from everyone else; a person typing never reaches it.
    """

    def __init__(
        self,
        max_concurrent_updates: int,
        *,
        max_waiting_updates: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(max_waiting_updates)
        self._running = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: Counter[int] = Counter()
        self._budgets: dict[int, tuple[float, float]] = {}  # chat -> (updates left, when counted)
        self._clock = clock
        self._sleep = sleep

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update under its chat's lock (first come, first served), then in one of the running slots."""
        key = _chat_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] += 1
        try:
            async with lock:
                wait = self._budget_wait(key)
                if wait:
                    await self._sleep(wait)  # outside the running slots: other chats go on
                async with self._running:
                    await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._locks[key]

    def _budget_wait(self, chat: int) -> float:
        """Seconds until the chat's next update may run (0 within its budget); the update is counted."""
        now = self._clock()
        if len(self._budgets) > BUDGETS_KEPT:
            self._forget_full_budgets(now)
        left, counted_at = self._budgets.get(chat, (CHAT_BURST, now))
        left = min(CHAT_BURST, left + (now - counted_at) * CHAT_RATE)
        wait = 0.0 if left >= 1 else (1 - left) / CHAT_RATE
        self._budgets[chat] = (0.0, now + wait) if wait else (left - 1, now)
        return wait

    def _forget_full_budgets(self, now: float) -> None:
        """Budgets that have refilled completely are the same as no budget: drop them (memory stays bounded)."""
        for chat, (left, counted_at) in list(self._budgets.items()):
            if left + (now - counted_at) * CHAT_RATE >= CHAT_BURST:
                del self._budgets[chat]

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free."""


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
