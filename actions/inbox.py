"""The polling inbox: updates are stored before Telegram is told they were received, and removed once
processed, so a crash or a database outage between fetching and processing loses none."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboxUpdate


async def store_updates(*, session: AsyncSession, updates: Sequence[dict[str, Any]], now: datetime) -> None:
    """Keep fetched updates (by update id; one fetched twice is kept once)."""
    if not updates:
        return
    ids = [int(update["update_id"]) for update in updates]
    known = set(await session.scalars(select(InboxUpdate.update_id).where(InboxUpdate.update_id.in_(ids))))
    for update in updates:
        update_id = int(update["update_id"])
        if update_id not in known:
            session.add(InboxUpdate(update_id=update_id, payload=update, received_at=now))
            known.add(update_id)
    await session.flush()


async def pending_updates(*, session: AsyncSession, limit: int = 100) -> list[dict[str, Any]]:
    """Stored updates not processed yet, oldest first."""
    rows = await session.scalars(select(InboxUpdate.payload).order_by(InboxUpdate.update_id).limit(limit))
    return list(rows)


async def remove_update(*, session: AsyncSession, update_id: int) -> None:
    """The update was processed (its effects committed): forget it."""
    await session.execute(delete(InboxUpdate).where(InboxUpdate.update_id == update_id))
