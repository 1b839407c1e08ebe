"""The database itself refuses bad CRM data, whoever writes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Campaign, Customer, Delivery, LedgerEntry, Order, Ticket, Tier

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


async def _customer(session: AsyncSession, telegram_user_id: int = 1001) -> Customer:
    if await session.get(Tier, "basic") is None:
        session.add(Tier(code="basic", name_zh="普通", name_en="Member", min_spend=Decimal(0), multiplier=Decimal(1)))
    customer = Customer(telegram_user_id=telegram_user_id, name="王芳")
    session.add(customer)
    await session.flush()
    return customer


async def _refused(session: AsyncSession, row: object) -> None:
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            session.add(row)
            await session.flush()


async def test_negative_balance_is_refused(session: AsyncSession) -> None:
    customer = await _customer(session)
    customer.points_balance = -1
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            await session.flush()


async def test_ledger_idempotency_key_is_unique(session: AsyncSession) -> None:
    customer = await _customer(session)
    entry = {"customer_id": customer.id, "idempotency_key": "order:shop:SO-1", "reason": "order"}
    session.add(LedgerEntry(**entry, delta=10, balance_after=10))
    await session.flush()
    await _refused(session, LedgerEntry(**entry, delta=10, balance_after=20))


async def test_order_id_is_unique_per_source(session: AsyncSession) -> None:
    customer = await _customer(session)
    order = {"order_id": "SO-1", "customer_id": customer.id, "amount": Decimal("9.90"), "ordered_at": NOW}
    session.add(Order(**order, source="shop", status="paid"))
    session.add(Order(**order, source="pos", status="paid"))
    await session.flush()
    await _refused(session, Order(**order, source="shop", status="paid"))


async def test_order_status_and_amount_are_checked(session: AsyncSession) -> None:
    customer = await _customer(session)
    base = {"customer_id": customer.id, "ordered_at": NOW, "source": "shop"}
    await _refused(session, Order(**base, order_id="A", amount=Decimal(1), status="shipped"))
    await _refused(session, Order(**base, order_id="B", amount=Decimal(-1), status="paid"))


async def test_one_delivery_per_campaign_and_customer(session: AsyncSession) -> None:
    customer = await _customer(session)
    campaign = Campaign(name="中秋", text_zh="中秋快乐", text_en="Happy Mid-Autumn")
    session.add(campaign)
    await session.flush()
    session.add(
        Delivery(
            source=f"campaign:{campaign.id}",
            campaign_id=campaign.id,
            customer_id=customer.id,
            text="中秋快乐",
            not_before=NOW,
        )
    )
    await session.flush()
    await _refused(
        session,
        Delivery(
            source=f"campaign:{campaign.id}",
            campaign_id=campaign.id,
            customer_id=customer.id,
            text="中秋快乐",
            not_before=NOW,
        ),
    )


async def test_ticket_rating_and_status_are_checked(session: AsyncSession) -> None:
    customer = await _customer(session)
    base = {"customer_id": customer.id, "category": "quality", "description": "杯子裂了", "sla_due_at": NOW}
    await _refused(session, Ticket(**base, rating=6))
    await _refused(session, Ticket(**base, status="lost"))


async def test_foreign_keys_are_enforced(session: AsyncSession) -> None:
    await _refused(session, Order(order_id="X", customer_id=999_999, amount=Decimal(1), ordered_at=NOW, status="paid"))


async def test_datetimes_come_back_aware_in_utc(session: AsyncSession) -> None:
    customer = await _customer(session)
    customer.last_seen_at = NOW.astimezone(UTC) + timedelta(hours=1)
    await session.flush()
    session.expunge_all()
    stored = (await session.execute(select(Customer.last_seen_at))).scalar_one()
    assert stored == NOW + timedelta(hours=1)
    assert stored.tzinfo is not None
