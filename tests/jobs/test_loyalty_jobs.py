"""Loyalty jobs run in their own transactions: expiry in batches, tier downgrades, segment recomputation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from actions.orders import record_order
from actions.points import credit
from actions.rules import add_months
from jobs.housekeeping import prune_update_claims
from jobs.loyalty import evaluate_tier_downgrades, expire_points, recompute_segments
from storage.engine import SessionFactory
from storage.models import Customer, ProcessedUpdate
from tests.support.loyalty import NOW, RULES, ledger_sum, make_customer, stored_balance


async def test_expiry_job_expires_everything_due_in_batches(session_factory: SessionFactory) -> None:
    async with session_factory() as session, session.begin():
        customer = await make_customer(session)
        for number in range(7):
            await credit(
                session=session, customer_id=customer.id, points=10, reason="adjustment",
                idempotency_key=f"old-{number}", rules=RULES, now=add_months(NOW, -13),
            )  # fmt: skip
        await credit(
            session=session, customer_id=customer.id, points=5, reason="adjustment", idempotency_key="fresh",
            rules=RULES, now=NOW,
        )  # fmt: skip
    assert await expire_points(session_factory=session_factory, now=NOW, batch_size=3) == 7
    assert await expire_points(session_factory=session_factory, now=NOW, batch_size=3) == 0
    async with session_factory() as session:
        assert await stored_balance(session, customer.id) == 5 == await ledger_sum(session, customer.id)


async def test_downgrade_and_segment_jobs_commit(session_factory: SessionFactory) -> None:
    async with session_factory() as session, session.begin():
        customer = await make_customer(session, created_at=NOW - timedelta(days=800))
        at = NOW - timedelta(days=400)
        await record_order(
            session=session, rules=RULES, source="shop", order_id="SO-1", customer_id=customer.id,
            amount=Decimal(3000), currency="CNY", ordered_at=at, status="paid", now=at,
        )  # fmt: skip
    assert await evaluate_tier_downgrades(session_factory=session_factory, now=NOW) == {"basic": 1}
    report = await recompute_segments(session_factory=session_factory, now=NOW)
    assert report.segments == {"lapsed": 1}
    async with session_factory() as session:
        stored = await session.get(Customer, customer.id)
        assert stored is not None and (stored.tier_code, stored.segment) == ("basic", "lapsed")


async def test_update_claims_are_pruned_after_a_week(session_factory: SessionFactory) -> None:
    now = datetime(2026, 12, 2, 4, 40, tzinfo=UTC)
    async with session_factory() as session, session.begin():
        session.add_all(
            [
                ProcessedUpdate(update_id=1, processed_at=now - timedelta(days=8), outcome={"replies": []}),
                ProcessedUpdate(update_id=2, processed_at=now - timedelta(days=1)),
            ]
        )
    assert await prune_update_claims(session_factory=session_factory, now=now) == 1
    async with session_factory() as session:
        assert list(await session.scalars(select(ProcessedUpdate.update_id))) == [2]
