"""Tiers by 12-month spend: status and distance to the next tier, downgrades only by the job."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from actions.orders import record_order
from actions.tiers import NoTiers, downgrade_tiers, membership_status
from storage.models import Customer, Tier
from tests.support.loyalty import NOW, RULES, make_customer


async def _paid(session: AsyncSession, customer: Customer, order_id: str, amount: str, days_ago: int) -> None:
    at = NOW - timedelta(days=days_ago)
    await record_order(
        session=session, rules=RULES, source="shop", order_id=order_id, customer_id=customer.id,
        amount=Decimal(amount), currency="CNY", ordered_at=at, status="paid", now=at,
    )  # fmt: skip


async def test_status_shows_spend_and_distance_to_next_tier(session: AsyncSession) -> None:
    customer = await make_customer(session)
    await _paid(session, customer, "SO-1", "1200.50", days_ago=30)
    await _paid(session, customer, "SO-2", "999", days_ago=500)  # outside the window
    status = await membership_status(session=session, customer_id=customer.id, now=NOW)
    assert status.tier.code == "basic" and status.spend_12m == Decimal("1200.50")
    assert status.next_tier is not None and status.next_tier.code == "silver"
    assert status.spend_to_next == Decimal("799.50")


async def test_top_tier_has_no_next(session: AsyncSession) -> None:
    customer = await make_customer(session, tier_code="platinum")
    status = await membership_status(session=session, customer_id=customer.id, now=NOW)
    assert status.next_tier is None and status.spend_to_next is None


async def test_downgrade_job_moves_customers_to_the_tier_their_spend_still_reaches(session: AsyncSession) -> None:
    keeps = await make_customer(session, name="keeps")
    falls = await make_customer(session, name="falls")
    drops = await make_customer(session, name="drops")
    await _paid(session, keeps, "K-1", "9000", days_ago=100)
    await _paid(session, falls, "F-1", "9000", days_ago=400)
    await _paid(session, falls, "F-2", "2500", days_ago=100)
    await _paid(session, drops, "D-1", "25000", days_ago=380)
    assert (keeps.tier_code, falls.tier_code, drops.tier_code) == ("gold", "gold", "platinum")

    moved = await downgrade_tiers(session=session, now=NOW)

    assert moved == {"silver": 1, "basic": 1}
    for customer in (keeps, falls, drops):
        await session.refresh(customer)
    assert (keeps.tier_code, falls.tier_code, drops.tier_code) == ("gold", "silver", "basic")
    assert await downgrade_tiers(session=session, now=NOW) == {}


async def test_no_tiers_is_a_named_error(session: AsyncSession) -> None:
    await session.execute(delete(Tier))
    with pytest.raises(NoTiers):
        await downgrade_tiers(session=session, now=NOW)
