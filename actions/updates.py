"""Effects once: an update id is claimed in the same transaction as the update's effects.

A redelivery after the commit finds the claim and changes nothing; a crash before the commit leaves no
claim, so the redelivery is processed. Two deliveries at once: the second waits for the first's
transaction (the primary key) and then finds the claim.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate

# Telegram gives up redelivering an update after 24 hours; claims are kept a week to be safe.
KEEP_CLAIMS = timedelta(days=7)


async def claim_update(*, session: AsyncSession, update_id: int, now: datetime) -> bool:
    """True when this transaction is the first to process `update_id`; False for a repeat."""
    try:
        async with session.begin_nested():
            session.add(ProcessedUpdate(update_id=update_id, processed_at=now))
            await session.flush()
    except IntegrityError:
        return False
    return True


async def prune_claims(*, session: AsyncSession, now: datetime) -> int:
    """Forget claims older than Telegram's redelivery window (a nightly job); returns how many."""
    result = await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < now - KEEP_CLAIMS))
    return int(getattr(result, "rowcount", 0) or 0)
