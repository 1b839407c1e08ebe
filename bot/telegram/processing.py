"""Concurrent update processing that keeps each chat's updates in order."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Different chats are handled concurrently; one chat's updates run one after another, in order.

    A customer's flow state lives in Redis, so two messages of the same chat must not race (a fast
    double tap on a button would otherwise confirm twice); other customers need not wait.

    Fairness: PTB takes its concurrency slot before `do_process_update`, so a chat's queued updates
    would each hold one while they wait for their turn — one customer sending 50 messages at once could
    starve everyone. PTB's slots are therefore only a bound on waiting updates, and the real limit of
    updates being processed is taken after the chat's lock.
    """

    def __init__(self, max_concurrent_updates: int, *, max_waiting_updates: int = 10_000) -> None:
        super().__init__(max_waiting_updates)
        self._running = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: Counter[int] = Counter()

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
            async with lock, self._running:
                await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._locks[key]

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
