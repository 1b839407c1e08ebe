"""Tickets: complaints, returns and feedback, each with a priority and a promised response time (SLA).

Priority-service tiers (大客户) get priority 1 and the VIP first-response target; everyone else priority 3 and
the usual one, both counted in business hours (`actions/sla.py`). A high-severity ticket moves up one priority
and gets half the time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from actions.customers import UnknownCustomer
from actions.errors import DomainError
from actions.sla import ALWAYS_OPEN, BusinessHours, SlaTargets, response_due
from storage.models import Customer, Ticket, TicketAttachment, Tier

# What a customer can complain about; returns and feedback are tickets too, opened by their own functions.
TICKET_CATEGORIES = ("quality", "delivery", "wrong_item", "service", "other")
ALL_CATEGORIES = (*TICKET_CATEGORIES, "return", "feedback")
MAX_DESCRIPTION = 4000
OPEN_STATUSES = ("open", "in_progress", "waiting_customer")


class InvalidTicket(DomainError):
    """Unknown category or severity, or an idempotency key already used by another customer."""


class UnknownTicket(DomainError):
    """No such ticket for this customer."""


class InvalidRating(DomainError):
    """Ratings are whole numbers from 1 to 5, for resolved tickets."""


URGENT = ("high", "critical")
DEFAULT_TARGETS = SlaTargets()


def ticket_priority(*, priority_service: bool, severity: str) -> int:
    """1 (first) for priority service, else 3; one better when urgent (high or critical)."""
    priority = 1 if priority_service else 3
    return max(1, priority - 1) if severity in URGENT else priority


async def has_priority_service(session: AsyncSession, customer_id: int) -> bool:
    """Whether the customer's tier has priority service (大客户); UnknownCustomer if there is none."""
    query = (
        select(Customer.id, Tier.priority_service)
        .join(Tier, Customer.tier_code == Tier.code)
        .where(Customer.id == customer_id)
    )
    row = (await session.execute(query)).first()
    if row is None:
        raise UnknownCustomer(f"no customer with id {customer_id}")
    return bool(row.priority_service)


async def create_ticket(
    *,
    session: AsyncSession,
    customer_id: int,
    category: str,
    description: str,
    order_ref: str | None,
    now: datetime,
    severity: str = "normal",
    idempotency_key: str | None = None,
    business: BusinessHours = ALWAYS_OPEN,
    targets: SlaTargets = DEFAULT_TARGETS,
) -> Ticket:
    """Record a ticket, its first response promised `targets` business hours of `business` ahead; the same
    idempotency key returns the first ticket instead of a second one (also when two workers race: the loser's
    insert is undone in a savepoint and the winner's returned)."""
    if category not in ALL_CATEGORIES:
        raise InvalidTicket(f"unknown category {category!r}")
    if severity not in ("low", "normal", "high", "critical"):
        raise InvalidTicket(f"unknown severity {severity!r}")
    if idempotency_key is not None and not 0 < len(idempotency_key) <= 128:
        raise ValueError("idempotency keys are 1 to 128 characters")
    if idempotency_key is not None:
        existing = await _ticket_with_key(session, customer_id, idempotency_key)
        if existing is not None:
            return existing
    vip = await has_priority_service(session, customer_id)
    ticket = Ticket(
        customer_id=customer_id,
        category=category,
        severity=severity,
        priority=ticket_priority(priority_service=vip, severity=severity),
        status="open",
        description=description.strip()[:MAX_DESCRIPTION],
        order_ref=order_ref[:64] if order_ref else None,
        sla_due_at=response_due(
            created_at=now, priority_service=vip, urgent=severity in URGENT, business=business, targets=targets
        ),
        idempotency_key=idempotency_key,
        created_at=now,
    )
    if idempotency_key is None:
        session.add(ticket)
        await session.flush()
        return ticket
    try:
        async with session.begin_nested():
            session.add(ticket)
    except IntegrityError:
        existing = await _ticket_with_key(session, customer_id, idempotency_key)
        if existing is None:
            raise
        return existing
    return ticket


async def _ticket_with_key(session: AsyncSession, customer_id: int, key: str) -> Ticket | None:
    ticket: Ticket | None = await session.scalar(select(Ticket).where(Ticket.idempotency_key == key))
    if ticket is not None and ticket.customer_id != customer_id:
        raise InvalidTicket("idempotency key belongs to another customer's ticket")
    return ticket


async def list_tickets(*, session: AsyncSession, status: str | None = None, limit: int = 100) -> list[Ticket]:
    """Tickets in the order staff should work them: priority, then the earliest promise."""
    query = select(Ticket).order_by(Ticket.priority, Ticket.sla_due_at, Ticket.id).limit(limit)
    if status is not None:
        query = query.where(Ticket.status == status)
    return list((await session.scalars(query)).all())


async def open_tickets(*, session: AsyncSession, customer_id: int) -> list[Ticket]:
    """The customer's tickets not yet resolved or closed."""
    query = (
        select(Ticket)
        .where(Ticket.customer_id == customer_id, Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.priority, Ticket.sla_due_at)
    )
    return list((await session.scalars(query)).all())


async def rate_ticket(
    *,
    session: AsyncSession,
    customer_id: int,
    ticket_id: int,
    rating: int,
    now: datetime,
    window: timedelta = timedelta(days=7),
) -> Ticket:
    """The customer rates their own resolved or closed ticket, 1 to 5 (rating again replaces it), within
    `window` of its resolution (InvalidRating after that)."""
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None or ticket.customer_id != customer_id:
        raise UnknownTicket(f"no ticket #{ticket_id}")
    if (
        isinstance(rating, bool)
        or not isinstance(rating, int)
        or not 1 <= rating <= 5
        or ticket.status not in ("resolved", "closed")
    ):
        raise InvalidRating(f"a rating is a whole number from 1 to 5, not {rating}")
    if ticket.resolved_at is not None and now - ticket.resolved_at > window:
        raise InvalidRating(f"ticket #{ticket_id} was resolved more than {window.days} days ago")
    ticket.rating = rating
    await session.flush()
    return ticket


async def record_feedback(*, session: AsyncSession, customer_id: int, text: str, now: datetime) -> Ticket:
    """Praise and suggestions are stored as resolved, lowest-priority tickets: staff read them where they
    read complaints (learning from customers is part of the complaint system), without an SLA to chase."""
    ticket = await create_ticket(
        session=session, customer_id=customer_id, category="feedback", description=text, order_ref=None, now=now
    )
    ticket.status, ticket.priority, ticket.resolved_at = "resolved", 5, now
    await session.flush()
    return ticket


async def start_return_request(
    *,
    session: AsyncSession,
    customer_id: int,
    order_ref: str | None,
    reason: str,
    now: datetime,
    business: BusinessHours = ALWAYS_OPEN,
    targets: SlaTargets = DEFAULT_TARGETS,
) -> Ticket:
    """A return/refund request for staff; pressing the button twice the same day opens one ticket."""
    key = f"return:{customer_id}:{(order_ref or '-')[:64]}:{now.date().isoformat()}"
    return await create_ticket(
        session=session,
        customer_id=customer_id,
        category="return",
        description=reason,
        order_ref=order_ref,
        now=now,
        idempotency_key=key,
        business=business,
        targets=targets,
    )


@dataclass(frozen=True)
class Photo:
    """A photo a customer sent in the chat, as the transport identifies it."""

    chat_id: int
    message_id: int
    file_id: str | None = None


async def attach_photos(*, session: AsyncSession, ticket_id: int, photos: Sequence[Photo], now: datetime) -> int:
    """Keep the photos with the ticket (each message once, also when the same request is submitted twice);
    how many were new."""
    known = set(
        await session.scalars(select(TicketAttachment.message_id).where(TicketAttachment.ticket_id == ticket_id))
    )
    added = 0
    for photo in photos:
        if photo.message_id in known:
            continue
        known.add(photo.message_id)
        added += 1
        session.add(
            TicketAttachment(
                ticket_id=ticket_id,
                kind="photo",
                telegram_file_id=photo.file_id,
                chat_id=photo.chat_id,
                message_id=photo.message_id,
                created_at=now,
            )
        )
    await session.flush()
    return added
