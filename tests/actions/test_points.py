"""Points ledger: idempotent credits, staff adjustments, atomic redemptions (also concurrent), exact expiry."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.customers import UnknownCustomer
from actions.orders import record_order
from actions.points import (
    InsufficientPoints,
    InvalidAdjustment,
    PointsLimit,
    adjust,
    balance,
    credit,
    expire_due_points,
    expiring_soon,
    grant_birthday_bonus,
    history,
)
from actions.rewards import RewardOutOfStock, UnknownReward, redeem
from actions.rules import MAX_POINTS, add_months
from storage.engine import SessionFactory
from storage.models import AuditLog, LedgerEntry, Order, Redemption, Reward
from tests.support.loyalty import (
    NOW,
    RULES,
    ledger_sum,
    make_customer,
    make_reward,
    open_earnings_sum,
    stored_balance,
)


async def _earn(session: AsyncSession, customer_id: int, points: int, key: str, *, at: object = NOW) -> LedgerEntry:
    entry = await credit(
        session=session,
        customer_id=customer_id,
        points=points,
        reason="adjustment",
        idempotency_key=key,
        rules=RULES,
        now=at,  # type: ignore[arg-type]
    )
    assert entry is not None
    return entry


async def test_credit_is_applied_once_per_key(session: AsyncSession) -> None:
    customer = await make_customer(session)
    first = await _earn(session, customer.id, 120, "k-1")
    again = await credit(
        session=session, customer_id=customer.id, points=120, reason="adjustment", idempotency_key="k-1",
        rules=RULES, now=NOW,
    )  # fmt: skip
    assert again is None
    assert first.balance_after == 120 and first.remaining == 120
    assert first.expires_at == add_months(NOW, 12)
    assert await balance(session=session, customer_id=customer.id, now=NOW) == 120
    assert customer.points_balance == 120  # the loaded object follows the UPDATE


async def test_credit_to_unknown_customer_is_refused(session: AsyncSession) -> None:
    with pytest.raises(UnknownCustomer):
        await _earn(session, 999_999, 10, "k-x")


async def test_history_is_newest_first(session: AsyncSession) -> None:
    customer = await make_customer(session)
    for day in range(3):
        await _earn(session, customer.id, 10 * (day + 1), f"h-{day}", at=NOW + timedelta(days=day))
    entries = await history(session=session, customer_id=customer.id, limit=2)
    assert [entry.delta for entry in entries] == [30, 20]


async def test_staff_adjustment_is_audited_and_cannot_overdraw(session: AsyncSession) -> None:
    customer = await make_customer(session)
    entry = await adjust(
        session=session, customer_id=customer.id, points=50, reason_note="goodwill", actor="staff:7", now=NOW,
        rules=RULES,
    )  # fmt: skip
    assert entry.reason == "adjustment" and entry.actor == "staff:7" and entry.balance_after == 50
    await adjust(
        session=session, customer_id=customer.id, points=-20, reason_note="double credit", actor="staff:7",
        now=NOW, rules=RULES,
    )  # fmt: skip
    with pytest.raises(InsufficientPoints):
        await adjust(
            session=session, customer_id=customer.id, points=-31, reason_note="too much", actor="staff:7",
            now=NOW, rules=RULES,
        )  # fmt: skip
    with pytest.raises(InvalidAdjustment):
        await adjust(
            session=session, customer_id=customer.id, points=5, reason_note=" ", actor="staff:7", now=NOW,
            rules=RULES,
        )  # fmt: skip
    audits = (await session.scalars(select(AuditLog).where(AuditLog.target_id == str(customer.id)))).all()
    assert [audit.details["points"] for audit in audits] == [50, -20]
    assert await stored_balance(session, customer.id) == 30 == await ledger_sum(session, customer.id)


async def test_redemption_spends_first_expiring_points_first(session: AsyncSession) -> None:
    customer = await make_customer(session)
    reward = await make_reward(session, cost=150)
    older = await _earn(session, customer.id, 100, "old", at=NOW - timedelta(days=200))
    newer = await _earn(session, customer.id, 100, "new", at=NOW - timedelta(days=10))
    redemption = await redeem(
        session=session, customer_id=customer.id, reward_id=reward.id, idempotency_key="r1", now=NOW
    )
    assert redemption.points == 150 and redemption.status == "issued"
    assert (older.remaining, newer.remaining) == (0, 50)
    assert await stored_balance(session, customer.id) == 50


async def test_redemption_is_idempotent_by_key(session: AsyncSession) -> None:
    customer = await make_customer(session)
    reward = await make_reward(session, cost=100)
    await _earn(session, customer.id, 300, "e")
    first = await redeem(
        session=session, customer_id=customer.id, reward_id=reward.id, idempotency_key="tap-1", now=NOW
    )
    again = await redeem(
        session=session, customer_id=customer.id, reward_id=reward.id, idempotency_key="tap-1", now=NOW
    )
    assert again.id == first.id
    assert await stored_balance(session, customer.id) == 200


async def test_refused_redemptions_change_nothing(session: AsyncSession) -> None:
    customer = await make_customer(session)
    await _earn(session, customer.id, 250, "e")
    dear = await make_reward(session, code="DEAR", cost=300)
    gone = await make_reward(session, code="GONE", cost=10, stock=0)
    last = await make_reward(session, code="LAST", cost=10, stock=1)
    retired = await make_reward(session, code="OLD", cost=10)
    retired.active = False
    with pytest.raises(InsufficientPoints) as refused:
        await redeem(session=session, customer_id=customer.id, reward_id=dear.id, idempotency_key="a", now=NOW)
    assert (refused.value.needed, refused.value.balance) == (300, 250)
    with pytest.raises(RewardOutOfStock):
        await redeem(session=session, customer_id=customer.id, reward_id=gone.id, idempotency_key="b", now=NOW)
    with pytest.raises(UnknownReward):
        await redeem(session=session, customer_id=customer.id, reward_id=retired.id, idempotency_key="c", now=NOW)
    with pytest.raises(UnknownReward):
        await redeem(session=session, customer_id=customer.id, reward_id=424242, idempotency_key="d", now=NOW)
    await redeem(session=session, customer_id=customer.id, reward_id=last.id, idempotency_key="e", now=NOW)
    assert last.stock == 0
    assert await stored_balance(session, customer.id) == 240 == await ledger_sum(session, customer.id)
    assert await session.scalar(select(func.count()).select_from(Redemption)) == 1


async def test_points_expire_exactly_at_the_boundary(session: AsyncSession) -> None:
    customer = await make_customer(session)
    earned_at = add_months(NOW, -12)
    await _earn(session, customer.id, 100, "boundary", at=earned_at)
    await _earn(session, customer.id, 40, "later", at=earned_at + timedelta(days=1))
    assert await expire_due_points(session=session, now=NOW - timedelta(microseconds=1)) == 0
    assert await stored_balance(session, customer.id) == 140
    assert await expire_due_points(session=session, now=NOW) == 1
    assert await expire_due_points(session=session, now=NOW) == 0  # already expired: nothing twice
    assert await stored_balance(session, customer.id) == 40
    expiry = (await history(session=session, customer_id=customer.id, limit=1))[0]
    assert (expiry.reason, expiry.delta, expiry.balance_after) == ("expiry", -100, 40)


async def test_only_unspent_points_expire(session: AsyncSession) -> None:
    customer = await make_customer(session)
    reward = await make_reward(session, cost=30)
    await _earn(session, customer.id, 100, "e", at=add_months(NOW, -12))
    before_expiry = NOW - timedelta(days=1)
    await redeem(session=session, customer_id=customer.id, reward_id=reward.id, idempotency_key="r", now=before_expiry)
    await expire_due_points(session=session, now=NOW)
    assert await stored_balance(session, customer.id) == 0 == await ledger_sum(session, customer.id)
    expiry = (await history(session=session, customer_id=customer.id, limit=1))[0]
    assert (expiry.reason, expiry.delta) == ("expiry", -70)


async def test_expired_points_are_neither_shown_nor_spent_before_the_expiry_job(session: AsyncSession) -> None:
    customer = await make_customer(session)
    await _earn(session, customer.id, 100, "old", at=add_months(NOW, -12))  # expires at NOW
    await _earn(session, customer.id, 50, "new", at=NOW - timedelta(days=10))
    assert await stored_balance(session, customer.id) == 150  # the job has not run
    assert await balance(session=session, customer_id=customer.id, now=NOW) == 50
    assert await balance(session=session, customer_id=customer.id, now=NOW - timedelta(seconds=1)) == 150

    with pytest.raises(InsufficientPoints, match="60 needed, the balance is 50"):
        await redeem(
            session=session, customer_id=customer.id, reward_id=(await make_reward(session, cost=60)).id,
            idempotency_key="too-much", now=NOW,
        )  # fmt: skip
    reward = await make_reward(session, code="CPN5", cost=30)
    await redeem(session=session, customer_id=customer.id, reward_id=reward.id, idempotency_key="r", now=NOW)
    reasons = [(entry.reason, entry.delta) for entry in await history(session=session, customer_id=customer.id)]
    assert reasons[:2] == [("redemption", -30), ("expiry", -100)]
    assert await stored_balance(session, customer.id) == 20 == await ledger_sum(session, customer.id)
    assert await open_earnings_sum(session, customer.id) == 20
    assert await expire_due_points(session=session, now=NOW) == 0  # the job finds nothing left to do


async def test_a_staff_debit_cannot_take_expired_points(session: AsyncSession) -> None:
    customer = await make_customer(session)
    await _earn(session, customer.id, 100, "old", at=add_months(NOW, -12))
    with pytest.raises(InsufficientPoints):
        await adjust(
            session=session, customer_id=customer.id, points=-10, reason_note="typo", actor="staff:1", now=NOW,
            rules=RULES,
        )  # fmt: skip


async def test_points_stay_inside_their_columns(session: AsyncSession) -> None:
    customer = await make_customer(session)
    with pytest.raises(InvalidAdjustment, match="at most"):
        await adjust(
            session=session, customer_id=customer.id, points=MAX_POINTS + 1, reason_note="x", actor="staff:1",
            now=NOW, rules=RULES,
        )  # fmt: skip
    await _earn(session, customer.id, MAX_POINTS, "full")
    with pytest.raises(PointsLimit, match="limit"):
        await _earn(session, customer.id, 1, "one-more")
    assert await stored_balance(session, customer.id) == MAX_POINTS == await ledger_sum(session, customer.id)


async def test_expiring_soon_sums_points_per_day(session: AsyncSession) -> None:
    customer = await make_customer(session)
    base = add_months(NOW, -12)
    await _earn(session, customer.id, 10, "a", at=base + timedelta(days=3))
    await _earn(session, customer.id, 20, "b", at=base + timedelta(days=3, hours=2))
    await _earn(session, customer.id, 30, "c", at=base + timedelta(days=20))
    await _earn(session, customer.id, 40, "d", at=base + timedelta(days=40))
    soon = await expiring_soon(session=session, customer_id=customer.id, now=NOW, within_days=30)
    start = NOW.date()
    assert soon == [(start + timedelta(days=3), 30), (start + timedelta(days=20), 30)]
    assert all(isinstance(day, date) for day, _ in soon)


async def test_birthday_bonus_once_a_year(session: AsyncSession) -> None:
    customer = await make_customer(session)
    assert await grant_birthday_bonus(session=session, customer_id=customer.id, rules=RULES, now=NOW) is not None
    assert await grant_birthday_bonus(session=session, customer_id=customer.id, rules=RULES, now=NOW) is None
    assert await stored_balance(session, customer.id) == RULES.birthday_bonus


async def test_fifty_concurrent_redemptions_against_ten_covered(session_factory: SessionFactory) -> None:
    async with session_factory() as session, session.begin():
        customer = await make_customer(session, telegram_user_id=77_001)
        reward = await make_reward(session, cost=100)
        await _earn(session, customer.id, 1000, "stock-up")
        customer_id, reward_id = customer.id, reward.id

    async def attempt(number: int) -> bool:
        async with session_factory() as session:
            try:
                async with session.begin():
                    await redeem(
                        session=session, customer_id=customer_id, reward_id=reward_id,
                        idempotency_key=f"tap-{number}", now=NOW,
                    )  # fmt: skip
            except InsufficientPoints:
                return False
            return True

    results = await asyncio.gather(*(attempt(number) for number in range(50)))

    assert sum(results) == 10
    async with session_factory() as session:
        assert await stored_balance(session, customer_id) == 0
        assert await ledger_sum(session, customer_id) == 0
        assert await open_earnings_sum(session, customer_id) == 0
        assert await session.scalar(select(func.count()).select_from(Redemption)) == 10
        balances = (await session.scalars(select(LedgerEntry.balance_after).order_by(LedgerEntry.id))).all()
        assert sorted(balances[1:], reverse=True) == list(range(900, -1, -100))


# Random sequences of everything that moves points; after each sequence the books must balance.
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("order"), st.integers(0, 3000)),
        st.tuples(st.just("refund"), st.integers(0, 5)),
        st.tuples(st.just("redeem"), st.sampled_from([50, 200, 1000])),
        st.tuples(st.just("adjust"), st.integers(-500, 500).filter(bool)),
        st.tuples(st.just("birthday"), st.just(0)),
        st.tuples(st.just("wait"), st.integers(1, 200)),
    ),
    min_size=1,
    max_size=12,
)
_customers = itertools.count(1)


@settings(max_examples=30, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
async def test_ledger_sum_equals_stored_balance(session: AsyncSession, operations: list[tuple[str, int]]) -> None:
    customer = await make_customer(session, telegram_user_id=900_000 + next(_customers))
    rewards = {cost: await _reward_costing(session, cost) for cost in (50, 200, 1000)}
    now, orders = NOW - timedelta(days=800), []
    for step, (kind, value) in enumerate(operations):
        now += timedelta(days=1)
        if kind == "order":
            orders.append(f"P{customer.id}-{step}")
            await _order(session, customer.id, orders[-1], Decimal(value), "paid", now)
        elif kind == "refund" and orders:
            await _order(session, customer.id, orders[value % len(orders)], None, "refunded", now)
        elif kind == "redeem":
            with contextlib.suppress(InsufficientPoints):
                await redeem(session=session, customer_id=customer.id, reward_id=rewards[value],
                             idempotency_key=f"p{customer.id}-{step}", now=now)  # fmt: skip
        elif kind == "adjust":
            with contextlib.suppress(InsufficientPoints):
                await adjust(session=session, customer_id=customer.id, points=value, reason_note="prop",
                             actor="test", now=now, rules=RULES)  # fmt: skip
        elif kind == "birthday":
            await grant_birthday_bonus(session=session, customer_id=customer.id, rules=RULES, now=now)
        elif kind == "wait":
            now += timedelta(days=value)
            while await expire_due_points(session=session, now=now):
                pass
    stored = await stored_balance(session, customer.id)
    assert stored == await ledger_sum(session, customer.id) == await open_earnings_sum(session, customer.id)
    last = (await history(session=session, customer_id=customer.id, limit=1)) or None
    assert stored == (last[0].balance_after if last else 0)


async def _reward_costing(session: AsyncSession, cost: int) -> int:
    existing = await session.scalar(select(Reward.id).where(Reward.code == f"PROP{cost}"))
    return existing if existing is not None else (await make_reward(session, code=f"PROP{cost}", cost=cost)).id


async def _order(
    session: AsyncSession, customer_id: int, order_id: str, amount: Decimal | None, status: str, now: object
) -> None:
    if amount is None:
        existing = await session.scalar(select(Order).where(Order.order_id == order_id))
        assert existing is not None
        amount = Decimal(existing.amount)
    await record_order(
        session=session, rules=RULES, source="shop", order_id=order_id, customer_id=customer_id, amount=amount,
        currency="CNY", ordered_at=now, status=status, now=now,  # type: ignore[arg-type]
    )  # fmt: skip
