"""The turn log: every customer message and reply, for the profile, reports and NLU review."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import MessageLog

MAX_LOGGED_TEXT = 4000


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
    row = MessageLog(
        customer_id=customer_id,
        direction=direction,
        text=text[:MAX_LOGGED_TEXT],
        intent=intent,
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
    query = (
        select(MessageLog)
        .where(MessageLog.customer_id == customer_id)
        .order_by(MessageLog.created_at.desc(), MessageLog.id.desc())
        .limit(limit)
    )
    return list((await session.scalars(query)).all())
