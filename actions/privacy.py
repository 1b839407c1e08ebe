"""Privacy: everything held about a customer as JSON, and erasure that keeps the books.

Erasure anonymises personal data (names, contact points, birthday, message texts, ticket texts, handoff
reasons, replies not yet sent), closes an open handoff, stops marketing and cancels pending broadcast
deliveries. Kept on purpose, for the books: the anonymised customer row (id, tier, balance), orders
(number, amount, status, shipping), the points ledger and redemptions, ratings, and an audit entry.

What lies outside the database is finished by the caller once the transaction commits: the chat's Redis
state (`storage.redis_state.forget_chat` with `Erasure.telegram_chat_id`), and the staff-group topics of
the customer's handoffs, which hold their name and relayed messages. Those topics stay listed
(`erased_staff_topics`) until the Telegram bot deletes them (`forget_staff_topic`): at once after an
erasure in the chat, and at its next start after one from the command line, which cannot reach Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actions.audit import record_audit
from actions.customers import get_customer
from actions.handoff import OPEN as OPEN_HANDOFF
from actions.updates import clear_outcomes
from storage.models import (
    Base,
    Customer,
    Delivery,
    Handoff,
    LedgerEntry,
    MessageLog,
    Order,
    Redemption,
    RestockRequest,
    Ticket,
    TicketAttachment,
    TicketNote,
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
    "restock_requests": RestockRequest,
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


@dataclass(frozen=True)
class Erasure:
    """What an erasure leaves to its caller once the transaction commits (see the module docstring)."""

    telegram_chat_id: int | None  # the chat whose Redis state is to be forgotten
    staff_topics: int  # staff-group topics the Telegram bot is to delete


async def erase_customer(*, session: AsyncSession, customer_id: int, actor: str, now: datetime) -> Erasure | None:
    """Anonymise the customer (see the module docstring); None if they already were."""
    customer = await get_customer(session=session, customer_id=customer_id)
    if customer.erased_at is not None:
        return None
    chat_id = customer.telegram_chat_id
    _anonymise(customer, now=now)
    await session.execute(update(MessageLog).where(MessageLog.customer_id == customer_id).values(text=""))
    await session.execute(
        update(Ticket).where(Ticket.customer_id == customer_id).values(description="", resolution=None)
    )
    # Staff notes on the customer's tickets may quote them too.
    their_tickets = select(Ticket.id).where(Ticket.customer_id == customer_id)
    await session.execute(update(TicketNote).where(TicketNote.ticket_id.in_(their_tickets)).values(text=""))
    await session.execute(delete(TicketAttachment).where(TicketAttachment.ticket_id.in_(their_tickets)))
    await session.execute(
        update(Handoff)
        .where(Handoff.customer_id == customer_id, Handoff.status.in_(OPEN_HANDOFF))
        .values(status="closed", closed_at=now)
    )
    await session.execute(update(Handoff).where(Handoff.customer_id == customer_id).values(reason=""))
    await clear_outcomes(session=session, customer_id=customer_id)
    await session.execute(
        update(Delivery)
        .where(Delivery.customer_id == customer_id, Delivery.status.in_(("pending", "claimed")))
        .values(status="skipped", reason="erased")
    )
    # The ledger keeps that a message went out (for the campaign's figures), not what it said to whom.
    await session.execute(update(Delivery).where(Delivery.customer_id == customer_id).values(text=""))
    await session.execute(delete(RestockRequest).where(RestockRequest.customer_id == customer_id))
    record_audit(
        session,
        actor=actor,
        action="customer.erase",
        customer_id=customer_id,
        details={"points_balance": customer.points_balance},
        now=now,
    )
    await session.flush()
    topics = await session.scalar(
        select(func.count(Handoff.id)).where(Handoff.customer_id == customer_id, Handoff.staff_topic_id.is_not(None))
    )
    return Erasure(telegram_chat_id=chat_id, staff_topics=int(topics or 0))


async def erased_staff_topics(*, session: AsyncSession) -> list[int]:
    """Staff-group topics of erased customers' handoffs that the bot has not deleted yet."""
    query = (
        select(Handoff.staff_topic_id)
        .join(Customer, Handoff.customer_id == Customer.id)
        .where(Customer.erased_at.is_not(None), Handoff.staff_topic_id.is_not(None))
        .distinct()
    )
    return sorted(topic for topic in (await session.scalars(query)).all() if topic is not None)


async def forget_staff_topic(*, session: AsyncSession, topic_id: int) -> None:
    """The bot deleted this staff-group topic: no handoff points to it any more."""
    await session.execute(update(Handoff).where(Handoff.staff_topic_id == topic_id).values(staff_topic_id=None))


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
