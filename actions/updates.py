"""Effects once: an update id is claimed in the same transaction as the update's effects.

A redelivery after the commit finds the claim and changes nothing; a crash before the commit leaves no
claim, so the redelivery is processed. Two deliveries at once: the second waits for the first's
transaction (the primary key) and then finds the claim. The claim also keeps the update's replies until
they are sent, so a redelivery after a crash between the commit and the sending can send them then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate

# Telegram gives up redelivering an update after 24 hours; claims are kept a week to be safe.
KEEP_CLAIMS = timedelta(days=7)


@dataclass(frozen=True)
class EarlierDelivery:
    """What a repeat of an update finds: its replies still to send, or that it is still being answered."""

    unsent_outcome: dict[str, Any] | None  # replies stored with the effects and never marked as sent
    in_flight: bool  # processed so recently that the first delivery may still be sending its replies


async def claim_update(*, session: AsyncSession, update_id: int, now: datetime) -> bool:
    """True when this transaction is the first to process `update_id`; False for a repeat."""
    try:
        async with session.begin_nested():
            session.add(ProcessedUpdate(update_id=update_id, processed_at=now))
            await session.flush()
    except IntegrityError:
        return False
    return True


async def earlier_delivery(
    *, session: AsyncSession, update_id: int, now: datetime, resend_after: timedelta
) -> EarlierDelivery:
    """For a repeat: the stored replies when the first delivery had time to send them and did not."""
    claim = await session.get(ProcessedUpdate, update_id)
    if claim is None or claim.answered_at is not None or claim.outcome is None:
        return EarlierDelivery(unsent_outcome=None, in_flight=False)
    if claim.processed_at > now - resend_after:
        return EarlierDelivery(unsent_outcome=None, in_flight=True)
    return EarlierDelivery(unsent_outcome=claim.outcome, in_flight=False)


async def keep_outcome(
    *, session: AsyncSession, update_id: int, outcome: dict[str, Any], customer_id: int | None = None
) -> None:
    """Store the update's replies with its effects, until `mark_answered`; `customer_id` is whose they are
    (erasing the customer clears them, `clear_outcomes`)."""
    await session.execute(
        update(ProcessedUpdate)
        .where(ProcessedUpdate.update_id == update_id)
        .values(outcome=outcome, customer_id=customer_id)
    )


async def clear_outcomes(*, session: AsyncSession, customer_id: int) -> None:
    """Forget the customer's replies not yet sent (their erasure): a redelivery then sends nothing."""
    await session.execute(
        update(ProcessedUpdate).where(ProcessedUpdate.customer_id == customer_id).values(outcome=None)
    )


async def mark_answered(*, session: AsyncSession, update_id: int, now: datetime) -> None:
    """The replies reached Telegram: forget them (they may hold personal data)."""
    await session.execute(
        update(ProcessedUpdate).where(ProcessedUpdate.update_id == update_id).values(answered_at=now, outcome=None)
    )


async def prune_claims(*, session: AsyncSession, now: datetime) -> int:
    """Forget claims older than Telegram's redelivery window (a nightly job); returns how many."""
    result = await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < now - KEEP_CLAIMS))
    return int(getattr(result, "rowcount", 0) or 0)
