"""Privacy: the export holds everything about the customer; erasure anonymises but keeps the books."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.orders import record_order
from actions.privacy import erase_customer, export_customer_data
from storage.models import AuditLog, Campaign, Delivery, MessageLog, Order, Ticket
from tests.support.loyalty import NOW, RULES, ledger_sum, make_customer, stored_balance


async def _shop_history(session: AsyncSession) -> int:
    customer = await make_customer(
        session, phone="+8613800138000", birthday=date(1990, 2, 14), telegram_user_id=5001, telegram_chat_id=5001,
        telegram_username="wangfang", external_id="C1", marketing_consent=True, tags="vip",
    )  # fmt: skip
    await record_order(
        session=session, rules=RULES, source="shop", order_id="SO-1", customer_id=customer.id,
        amount=Decimal("199.90"), currency="CNY", ordered_at=NOW - timedelta(days=3), status="paid", now=NOW,
    )  # fmt: skip
    campaign = Campaign(name="Mid-Autumn", text_zh="中秋快乐", text_en="Happy Mid-Autumn")
    session.add(campaign)
    await session.flush()
    session.add_all(
        [
            Ticket(customer_id=customer.id, category="delivery", description="住址: 北京市…", sla_due_at=NOW),
            MessageLog(customer_id=customer.id, direction="in", text="我的电话是13800138000"),
            Delivery(
                source=f"campaign:{campaign.id}",
                campaign_id=campaign.id,
                customer_id=customer.id,
                text="中秋快乐",
                not_before=NOW,
            ),
        ]
    )
    await session.flush()
    return customer.id


async def test_export_holds_every_record_and_is_json(session: AsyncSession) -> None:
    customer_id = await _shop_history(session)
    data = await export_customer_data(session=session, customer_id=customer_id)
    text = json.dumps(data, ensure_ascii=False)
    assert data["customer"]["phone"] == "+8613800138000" and data["customer"]["birthday"] == "1990-02-14"
    assert [order["amount"] for order in data["orders"]] == ["199.90"]
    assert [entry["delta"] for entry in data["points_ledger"]] == [199]
    assert len(data["tickets"]) == len(data["messages"]) == len(data["deliveries"]) == 1
    assert "13800138000" in text


async def test_erasure_anonymises_and_keeps_the_books(session: AsyncSession) -> None:
    customer_id = await _shop_history(session)
    assert await erase_customer(session=session, customer_id=customer_id, actor="customer", now=NOW)
    assert not await erase_customer(session=session, customer_id=customer_id, actor="customer", now=NOW)

    data = await export_customer_data(session=session, customer_id=customer_id)
    text = json.dumps(data, ensure_ascii=False)
    for personal in ("13800138000", "wangfang", "王芳", "1990-02-14", "北京", "5001"):
        assert personal not in text
    customer = data["customer"]
    assert customer["marketing_consent"] is False and customer["opted_out_at"] and customer["erased_at"]
    assert await stored_balance(session, customer_id) == 199 == await ledger_sum(session, customer_id)
    order = await session.scalar(select(Order).where(Order.customer_id == customer_id))
    assert order is not None and order.amount == Decimal("199.90")
    delivery = await session.scalar(select(Delivery).where(Delivery.customer_id == customer_id))
    assert delivery is not None and delivery.status == "skipped" and delivery.text == ""
    ticket = await session.scalar(select(Ticket).where(Ticket.customer_id == customer_id))
    assert ticket is not None and ticket.description == ""
    audit = (await session.scalars(select(AuditLog).where(AuditLog.action == "customer.erase"))).all()
    assert [entry.target_id for entry in audit] == [str(customer_id)]
