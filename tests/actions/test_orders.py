"""Orders intake: recorded once, points once (at the tier's rate), refunds reverse them, upgrades on orders."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.orders import InvalidOrder, OrderConflict, OrderOutcome, find_order, recent_orders, record_order
from actions.points import history
from actions.rewards import redeem
from storage.models import AuditLog, LedgerEntry
from tests.support.loyalty import NOW, RULES, ledger_sum, make_customer, make_reward, stored_balance


async def _record(
    session: AsyncSession,
    customer_id: int,
    order_id: str,
    amount: str,
    status: str = "paid",
    *,
    at: datetime = NOW - timedelta(days=1),
    now: datetime = NOW,
) -> OrderOutcome:
    return await record_order(
        session=session, rules=RULES, source="shop", order_id=order_id, customer_id=customer_id,
        amount=Decimal(amount), currency="cny", ordered_at=at, status=status, now=now,
    )  # fmt: skip


async def test_same_orders_recorded_twice_credit_once(session: AsyncSession) -> None:
    customer = await make_customer(session)
    first = [await _record(session, customer.id, f"SO-{n}", "100.50") for n in range(3)]
    second = [await _record(session, customer.id, f"SO-{n}", "100.50") for n in range(3)]
    assert [(o.created, o.points_delta) for o in first] == [(True, 100)] * 3
    assert [(o.created, o.changed, o.points_delta) for o in second] == [(False, False, 0)] * 3
    assert await stored_balance(session, customer.id) == 300 == await ledger_sum(session, customer.id)
    assert first[0].order.currency == "CNY"


async def test_points_use_the_rate_and_the_tier_multiplier_rounded_down(session: AsyncSession) -> None:
    customer = await make_customer(session, tier_code="silver")
    outcome = await _record(session, customer.id, "SO-1", "99.99")
    assert outcome.points_delta == 119  # 99.99 × 1 × 1.2 = 119.988


async def test_refund_reverses_the_orders_points(session: AsyncSession) -> None:
    customer = await make_customer(session)
    await _record(session, customer.id, "SO-1", "300")
    await _record(session, customer.id, "SO-2", "50")
    refund = await _record(session, customer.id, "SO-1", "300", "refunded")
    assert (refund.changed, refund.points_delta, refund.order.status) == (True, -300, "refunded")
    assert await stored_balance(session, customer.id) == 50 == await ledger_sum(session, customer.id)
    assert (await _record(session, customer.id, "SO-1", "300", "refunded")).points_delta == 0
    cancelled = await _record(session, customer.id, "SO-1", "300", "cancelled")
    assert (cancelled.changed, cancelled.points_delta) == (True, 0)
    assert await stored_balance(session, customer.id) == 50


async def test_refund_after_spending_reverses_what_is_left_and_says_so(session: AsyncSession) -> None:
    customer = await make_customer(session)
    reward = await make_reward(session, cost=200)
    await _record(session, customer.id, "SO-1", "300")
    await redeem(session=session, customer_id=customer.id, reward_id=reward.id, idempotency_key="r", now=NOW)
    refund = await _record(session, customer.id, "SO-1", "300", "refunded")
    assert refund.points_delta == -100
    assert await stored_balance(session, customer.id) == 0 == await ledger_sum(session, customer.id)
    reversal = (await history(session=session, customer_id=customer.id, limit=1))[0]
    assert reversal.reason == "order_reversal" and "reversed 100 of 300" in reversal.note


async def test_an_order_first_seen_as_refunded_earns_nothing(session: AsyncSession) -> None:
    customer = await make_customer(session)
    outcome = await _record(session, customer.id, "SO-1", "300", "cancelled")
    assert (outcome.created, outcome.points_delta) == (True, 0)
    assert await stored_balance(session, customer.id) == 0


async def test_facts_of_a_recorded_order_cannot_change(session: AsyncSession) -> None:
    customer = await make_customer(session)
    other = await make_customer(session, name="Li Lei")
    await _record(session, customer.id, "SO-1", "300")
    with pytest.raises(OrderConflict):
        await _record(session, customer.id, "SO-1", "301")
    with pytest.raises(OrderConflict):
        await _record(session, other.id, "SO-1", "300")
    await _record(session, customer.id, "SO-1", "300", "refunded")
    with pytest.raises(OrderConflict):
        await _record(session, customer.id, "SO-1", "300", "paid")
    with pytest.raises(InvalidOrder):
        await _record(session, customer.id, "SO-2", "300", "shipped")
    with pytest.raises(InvalidOrder):
        await _record(session, customer.id, "SO-3", "-1")


async def test_an_order_reaching_the_next_tier_upgrades_at_once(session: AsyncSession) -> None:
    customer = await make_customer(session)
    first = await _record(session, customer.id, "SO-1", "1500")
    second = await _record(session, customer.id, "SO-2", "600")
    third = await _record(session, customer.id, "SO-3", "100")
    assert first.upgraded_to is None and third.upgraded_to is None
    assert second.upgraded_to is not None and second.upgraded_to.code == "silver"
    assert customer.tier_code == "silver"
    assert third.points_delta == 120  # the silver multiplier applies from the next order on
    audit = await session.scalar(select(AuditLog).where(AuditLog.action == "tier.upgraded"))
    assert audit is not None and audit.details == {"from": "basic", "to": "silver"}


async def test_orders_older_than_twelve_months_do_not_count_for_tiers(session: AsyncSession) -> None:
    customer = await make_customer(session)
    outcome = await _record(session, customer.id, "SO-1", "5000", at=NOW - timedelta(days=400))
    assert outcome.upgraded_to is None


async def test_referred_customers_first_paid_order_pays_both_once(session: AsyncSession) -> None:
    referrer = await make_customer(session, name="Old Friend")
    newcomer = await make_customer(session, name="New Friend", referred_by_id=referrer.id)
    await _record(session, newcomer.id, "SO-0", "10", "cancelled")
    first = await _record(session, newcomer.id, "SO-1", "10")
    await _record(session, newcomer.id, "SO-2", "10")
    assert first.referral_bonus == RULES.referral_bonus
    assert await stored_balance(session, newcomer.id) == 20 + RULES.referral_bonus
    assert await stored_balance(session, referrer.id) == RULES.referral_bonus
    keys = (await session.scalars(select(LedgerEntry.idempotency_key).where(LedgerEntry.reason == "referral"))).all()
    assert sorted(keys) == [f"referral:{newcomer.id}:new", f"referral:{newcomer.id}:referrer"]


async def test_find_and_recent_orders_only_show_the_customers_own(session: AsyncSession) -> None:
    customer = await make_customer(session)
    other = await make_customer(session, name="Li Lei")
    for day in range(4):
        await _record(session, customer.id, f"SO-{day}", "10", at=NOW - timedelta(days=10 - day))
    await _record(session, other.id, "SO-X", "10")
    recent = await recent_orders(session=session, customer_id=customer.id)
    assert [order.order_id for order in recent] == ["SO-3", "SO-2", "SO-1"]
    assert (await find_order(session=session, customer_id=customer.id, order_id=" SO-1 ")) is not None
    assert await find_order(session=session, customer_id=customer.id, order_id="SO-X") is None
