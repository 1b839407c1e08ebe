"""The turn log: every customer message and reply, for the profile, reports and NLU review."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import MESSAGE_DIRECTIONS, MessageLog

MAX_LOGGED_TEXT = 4000
# NUL and lone surrogates: no database stores them; a log line must never fail the turn it records.
UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


async def log_turn(
    *,
    session: AsyncSession,
    customer_id: int | None,
    direction: str,
    text: str,
    now: datetime,
    intent: str | None = None,
    confidence: float | None = None,
    handler: str | None = None,
    latency_ms: int | None = None,
    update_id: int | None = None,
) -> MessageLog:
    """Record one turn: direction "in" (the customer's text) or "out" (a reply), text cut to 4000."""
    if direction not in MESSAGE_DIRECTIONS:
        raise ValueError(f"direction is 'in' or 'out', not {direction!r}")
    row = MessageLog(
        customer_id=customer_id,
        direction=direction,
        text=UNSTORABLE.sub("", text)[:MAX_LOGGED_TEXT],
        intent=intent[:64] if intent else None,
        confidence=confidence,
        handler=handler[:64] if handler else None,
        latency_ms=latency_ms,
        update_id=update_id,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def recent_turns(*, session: AsyncSession, customer_id: int, limit: int = 10) -> list[MessageLog]:
    """The customer's latest turns, newest first."""
    query = (
        select(MessageLog)
        .where(MessageLog.customer_id == customer_id)
        .order_by(MessageLog.created_at.desc(), MessageLog.id.desc())
        .limit(limit)
    )
    return list((await session.scalars(query)).all())
