"""Handoffs: a customer's chat handed to staff (one open at a time), VIPs first in the queue."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.errors import DomainError
from actions.sla import ALWAYS_OPEN, BusinessHours, SlaTargets
from actions.tickets import DEFAULT_TARGETS, create_ticket, has_priority_service
from storage.models import Handoff, Ticket

OPEN = ("waiting", "active")


class UnknownHandoff(DomainError):
    """No such handoff for this customer."""


class HandoffTaken(DomainError):
    """Another staff member already took this handoff, or it is closed."""


class InvalidHandoffRating(DomainError):
    """Ratings are 1 to 5, for a closed handoff."""


class RatingClosed(DomainError):
    """The rating window of this conversation or ticket has passed."""


RATING_WINDOW = timedelta(days=7)


async def active_handoff(*, session: AsyncSession, customer_id: int) -> Handoff | None:
    """The customer's open (waiting or active) handoff, if any."""
    query = select(Handoff).where(Handoff.customer_id == customer_id, Handoff.status.in_(OPEN)).order_by(Handoff.id)
    return (await session.scalars(query)).first()


async def request_handoff(
    *, session: AsyncSession, customer_id: int, reason: str, now: datetime
) -> tuple[Handoff, bool]:
    """The customer's open handoff, or a new one (priority 1 for priority-service tiers, else 3); True
    when it was created now. UnknownCustomer when there is no such customer."""
    current = await active_handoff(session=session, customer_id=customer_id)
    if current is not None:
        return current, False
    vip = await has_priority_service(session, customer_id)
    handoff = Handoff(
        customer_id=customer_id, status="waiting", reason=reason[:200], priority=1 if vip else 3, opened_at=now
    )
    session.add(handoff)
    await session.flush()
    return handoff, True


async def request_ticket(
    *,
    session: AsyncSession,
    customer_id: int,
    reason: str,
    now: datetime,
    business: BusinessHours = ALWAYS_OPEN,
    targets: SlaTargets = DEFAULT_TARGETS,
) -> Ticket:
    """No staff group to hand the chat to: the request for a person becomes a ticket with the ticket promise
    (in business hours, `actions/sla.py`); asking again the same day returns the same ticket."""
    return await create_ticket(
        session=session,
        customer_id=customer_id,
        category="service",
        description=reason,
        order_ref=None,
        now=now,
        idempotency_key=f"human:{customer_id}:{now.date().isoformat()}",
        business=business,
        targets=targets,
    )


async def set_topic(*, session: AsyncSession, customer_id: int, topic_id: int) -> None:
    """Remember the staff group's forum topic of the customer's open handoff (none open: nothing)."""
    current = await active_handoff(session=session, customer_id=customer_id)
    if current is not None:
        current.staff_topic_id = topic_id
        await session.flush()


async def handoff_for_topic(*, session: AsyncSession, topic_id: int) -> Handoff | None:
    """The open handoff a staff topic belongs to; None once it is closed (topics can be reused)."""
    query = select(Handoff).where(Handoff.staff_topic_id == topic_id, Handoff.status.in_(OPEN)).order_by(Handoff.id)
    return (await session.scalars(query)).first()


async def accept_handoff(*, session: AsyncSession, handoff_id: int, staff_id: int, now: datetime) -> Handoff:
    """The first staff reply makes the handoff active and records who took it (the wait ends there, for
    reports); later replies change nothing."""
    handoff = await session.get(Handoff, handoff_id)
    if handoff is None:
        raise UnknownHandoff(f"no handoff #{handoff_id}")
    if handoff.status == "waiting":
        handoff.status, handoff.accepted_at, handoff.staff_id = "active", now, staff_id
        await session.flush()
    return handoff


async def claim_handoff(*, session: AsyncSession, handoff_id: int, staff_id: int, now: datetime) -> Handoff:
    """A staff member takes a waiting handoff from the queue (claiming one's own again changes nothing);
    HandoffTaken when someone else has it or it is closed. The row is locked so two claims cannot both win."""
    handoff = await session.scalar(select(Handoff).where(Handoff.id == handoff_id).with_for_update())
    if handoff is None:
        raise UnknownHandoff(f"no handoff #{handoff_id}")
    if handoff.status == "closed" or (handoff.staff_id is not None and handoff.staff_id != staff_id):
        raise HandoffTaken(f"handoff #{handoff_id} is closed or taken by someone else")
    if handoff.status == "waiting":
        handoff.status, handoff.accepted_at, handoff.staff_id = "active", now, staff_id
        await session.flush()
    return handoff


async def close_handoff(*, session: AsyncSession, handoff_id: int, now: datetime) -> Handoff:
    """Close it (closing twice keeps the first closing time)."""
    handoff = await session.get(Handoff, handoff_id)
    if handoff is None:
        raise UnknownHandoff(f"no handoff #{handoff_id}")
    if handoff.status != "closed":
        handoff.status, handoff.closed_at = "closed", now
        await session.flush()
    return handoff


async def rate_handoff(
    *,
    session: AsyncSession,
    customer_id: int,
    handoff_id: int,
    rating: int,
    now: datetime,
    window: timedelta = RATING_WINDOW,
) -> Handoff:
    """The customer rates their own closed handoff, 1 to 5, once (a second press keeps the first rating),
    within `window` of its closing (RatingClosed after that)."""
    handoff = await session.get(Handoff, handoff_id)
    if handoff is None or handoff.customer_id != customer_id:
        raise UnknownHandoff(f"no handoff #{handoff_id}")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5 or handoff.status != "closed":
        raise InvalidHandoffRating(f"a rating is a whole number from 1 to 5, not {rating}")
    if handoff.rating is not None:
        return handoff
    if handoff.closed_at is not None and now - handoff.closed_at > window:
        raise RatingClosed(f"handoff #{handoff_id} closed more than {window.days} days ago")
    handoff.rating = rating
    await session.flush()
    return handoff


async def waiting_handoffs(*, session: AsyncSession) -> list[Handoff]:
    """The queue staff see: not yet accepted, VIPs first, then longest waiting."""
    query = select(Handoff).where(Handoff.status == "waiting").order_by(Handoff.priority, Handoff.opened_at, Handoff.id)
    return list((await session.scalars(query)).all())
