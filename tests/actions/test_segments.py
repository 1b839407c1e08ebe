"""Segments and lifecycle from RFM: each customer lands where the rules put them, re-runs write nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from actions.orders import record_order
from actions.segments import UnknownSegment, customers_in_segment, recompute_segments
from storage.models import Customer
from tests.support.loyalty import NOW, RULES, make_customer


async def _buyer(
    session: AsyncSession, name: str, orders: list[tuple[int, str]], created_days_ago: int = 900
) -> Customer:
    customer = await make_customer(session, name=name, created_at=NOW - timedelta(days=created_days_ago))
    for number, (days_ago, amount) in enumerate(orders):
        await record_order(
            session=session, rules=RULES, source="shop", order_id=f"{name}-{number}", customer_id=customer.id,
            amount=Decimal(amount), currency="CNY", ordered_at=NOW - timedelta(days=days_ago), status="paid", now=NOW,
        )  # fmt: skip
    return customer


async def test_customers_land_in_their_segment_and_stage(session: AsyncSession) -> None:
    whale = await _buyer(session, "whale", [(10, "9000"), (40, "9000"), (70, "9000"), (100, "500"), (130, "500")])
    regular = await _buyer(session, "regular", [(5, "100"), (50, "100"), (300, "100")])
    occasional = await _buyer(session, "occasional", [(120, "100"), (150, "50")])
    fading = await _buyer(session, "fading", [(200, "100"), (230, "100")])
    gone = await _buyer(session, "gone", [(400, "100")])
    newcomer = await _buyer(session, "newcomer", [(3, "80")], created_days_ago=5)
    fresh = await make_customer(session, name="fresh", created_at=NOW - timedelta(days=2))
    dormant = await make_customer(session, name="dormant", created_at=NOW - timedelta(days=500))
    erased = await make_customer(session, name="", erased_at=NOW)

    report = await recompute_segments(session=session, now=NOW)

    everyone = [whale, regular, occasional, fading, gone, newcomer, fresh, dormant, erased]
    for customer in everyone:
        await session.refresh(customer)
    assert [(c.segment, c.lifecycle_stage) for c in everyone] == [
        ("vip", "stability"),
        ("active", "formation"),
        ("occasional", "formation"),
        ("at_risk", "decline"),
        ("lapsed", "decline"),
        ("new", "exploration"),
        ("new", "exploration"),
        ("lapsed", "exploration"),
        (None, None),
    ]
    assert whale.rfm_score is not None and whale.rfm_score.endswith("5") and len(whale.rfm_score) == 3
    assert fresh.rfm_score is None
    assert report.updated == 8
    assert report.segments == {"vip": 1, "active": 1, "occasional": 1, "at_risk": 1, "lapsed": 2, "new": 2}
    assert report.lifecycle == {"stability": 1, "formation": 2, "decline": 2, "exploration": 3}
    assert (await recompute_segments(session=session, now=NOW)).updated == 0
    assert await customers_in_segment(session=session, segment="new") == [newcomer.id, fresh.id]


async def test_unknown_segment_is_a_named_error(session: AsyncSession) -> None:
    with pytest.raises(UnknownSegment):
        await customers_in_segment(session=session, segment="whales")
