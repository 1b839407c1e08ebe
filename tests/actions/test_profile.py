"""The customer record: one assembly with contact, tier, points, orders, tickets and last turns."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from actions.customers import UnknownCustomer
from actions.orders import record_order
from actions.profile import customer_profile
from actions.rules import add_months
from storage.models import MessageLog, Ticket
from tests.support.loyalty import NOW, RULES, make_customer


async def test_profile_brings_everything_together(session: AsyncSession) -> None:
    customer = await make_customer(
        session, phone="+8613800138000", language="zh", birthday=date(1990, 2, 14), marketing_consent=True
    )
    for number, days_ago in enumerate((400, 350, 20, 5)):
        await record_order(
            session=session, rules=RULES, source="shop", order_id=f"SO-{number}", customer_id=customer.id,
            amount=Decimal("500"), currency="CNY", ordered_at=NOW - timedelta(days=days_ago), status="paid", now=NOW,
        )  # fmt: skip
    session.add_all(
        [
            Ticket(customer_id=customer.id, category="delivery", description="late", sla_due_at=NOW, priority=2),
            Ticket(customer_id=customer.id, category="refund", description="x", sla_due_at=NOW, status="closed"),
        ]
    )
    session.add_all(
        MessageLog(customer_id=customer.id, direction=direction, text=text, created_at=NOW + timedelta(seconds=n))
        for n, (direction, text) in enumerate([("in", "你好"), ("out", "您好！"), ("in", "我的积分"), ("out", "2000")])
    )
    await session.flush()

    profile = await customer_profile(session=session, customer_id=customer.id, now=NOW, turns=3)

    assert profile.phone == "+8613800138000" and profile.language == "zh" and profile.marketing_consent
    assert profile.points == 1500  # the order of 400 days ago earned points that have expired
    # the 400-day-old order's points are past their expiry (the job has not run); the 350-day one's are near
    assert profile.expiring_points == [(add_months(NOW - timedelta(days=350), 12).date(), 500)]
    assert profile.membership.tier.code == "basic" and profile.membership.spend_12m == Decimal(1500)
    assert profile.membership.spend_to_next == Decimal(500)
    assert [line.order_id for line in profile.last_orders] == ["SO-3", "SO-2", "SO-1"]
    assert [ticket.category for ticket in profile.open_tickets] == ["delivery"]
    assert [turn.text for turn in profile.last_turns] == ["您好！", "我的积分", "2000"]
    as_json = json.loads(json.dumps(profile.as_dict(), ensure_ascii=False))
    assert as_json["tier"] == "basic" and Decimal(as_json["spend_to_next"]) == 500
    assert as_json["expiring_points"][0]["points"] == 500


async def test_unknown_customer_is_a_named_error(session: AsyncSession) -> None:
    with pytest.raises(UnknownCustomer):
        await customer_profile(session=session, customer_id=123_456, now=NOW)
