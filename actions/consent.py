"""Marketing consent: customers stop and restart promotions themselves; every change is audited.

Service messages (order updates, ticket replies) never depend on this consent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from actions.audit import record_audit
from storage.models import Customer


async def unsubscribe(*, session: AsyncSession, customer: Customer, now: datetime, channel: str = "bot") -> bool:
    """Stop marketing messages; False when the customer had already opted out (nothing changes)."""
    if not customer.marketing_consent and customer.opted_out_at is not None:
        return False
    customer.marketing_consent = False
    customer.opted_out_at = now
    _audit(session, customer, action="consent.withdrawn", channel=channel, now=now)
    await session.flush()
    return True


async def subscribe(*, session: AsyncSession, customer: Customer, now: datetime, channel: str = "bot") -> bool:
    """Agree to marketing messages; False when consent was already given."""
    if customer.marketing_consent:
        return False
    customer.marketing_consent = True
    customer.opted_out_at = None
    _audit(session, customer, action="consent.given", channel=channel, now=now)
    await session.flush()
    return True


def _audit(session: AsyncSession, customer: Customer, *, action: str, channel: str, now: datetime) -> None:
    record_audit(
        session,
        actor=f"customer:{customer.id}",
        action=action,
        customer_id=customer.id,
        details={"channel": channel},
        now=now,
    )
