"""Privacy: everything held about a customer as JSON, and erasure that keeps the books.

Erasure anonymises personal data (names, contact points, birthday, message texts, ticket texts),
stops marketing and cancels pending broadcast deliveries; ledger entries, balances and order amounts
stay so the accounts still add up.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actions.audit import record_audit
from actions.customers import get_customer
from storage.models import (
    Base,
    Customer,
    Delivery,
    Handoff,
    LedgerEntry,
    MessageLog,
    Order,
    Redemption,
    Ticket,
)

ERASED_NAME = ""
# Related tables exported with the customer, by export key.
RELATED: dict[str, type[Base]] = {
    "orders": Order,
    "points_ledger": LedgerEntry,
    "redemptions": Redemption,
    "tickets": Ticket,
    "handoffs": Handoff,
    "messages": MessageLog,
    "deliveries": Delivery,
}


async def export_customer_data(*, session: AsyncSession, customer_id: int) -> dict[str, Any]:
    """All rows held about the customer, JSON-serialisable (dates ISO 8601, amounts as strings)."""
    customer = await get_customer(session=session, customer_id=customer_id)
    data: dict[str, Any] = {"customer": _row_as_dict(customer)}
    for key, model in RELATED.items():
        column = model.__table__.c.customer_id
        primary = model.__table__.c.id
        rows = (await session.scalars(select(model).where(column == customer_id).order_by(primary))).all()
        data[key] = [_row_as_dict(row) for row in rows]
    return data


async def erase_customer(*, session: AsyncSession, customer_id: int, actor: str, now: datetime) -> bool:
    """Anonymise the customer (see the module docstring); True when erased now, False if it already was."""
    customer = await get_customer(session=session, customer_id=customer_id)
    if customer.erased_at is not None:
        return False
    _anonymise(customer, now=now)
    await session.execute(update(MessageLog).where(MessageLog.customer_id == customer_id).values(text=""))
    await session.execute(
        update(Ticket).where(Ticket.customer_id == customer_id).values(description="", resolution=None)
    )
    await session.execute(
        update(Delivery)
        .where(Delivery.customer_id == customer_id, Delivery.status == "pending")
        .values(status="skipped", error="customer erased")
    )
    record_audit(
        session,
        actor=actor,
        action="customer.erase",
        customer_id=customer_id,
        details={"points_balance": customer.points_balance},
        now=now,
    )
    await session.flush()
    return True


def _anonymise(customer: Customer, *, now: datetime) -> None:
    customer.name = ERASED_NAME
    for field in (
        "external_id",
        "telegram_user_id",
        "telegram_chat_id",
        "telegram_username",
        "telegram_language_code",
        "phone",
        "birthday",
        "timezone",
        "referral_code",
        "segment",
        "lifecycle_stage",
        "rfm_score",
        "last_seen_at",
    ):
        setattr(customer, field, None)
    customer.tags = ""
    customer.marketing_consent = False
    customer.opted_out_at = customer.opted_out_at or now
    customer.erased_at = now


def _row_as_dict(row: Base) -> dict[str, Any]:
    mapper = inspect(type(row))
    return {attribute.key: _json_value(getattr(row, attribute.key)) for attribute in mapper.column_attrs}


def _json_value(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
