"""Handoffs: a customer's chat handed to staff (one open at a time), VIPs first in the queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.errors import DomainError
from actions.tickets import has_priority_service
from storage.models import Handoff

OPEN = ("waiting", "active")


class UnknownHandoff(DomainError):
    """No such handoff for this customer."""


class InvalidHandoffRating(DomainError):
    """Ratings are 1 to 5, for a closed handoff."""


async def active_handoff(*, session: AsyncSession, customer_id: int) -> Handoff | None:
    query = select(Handoff).where(Handoff.customer_id == customer_id, Handoff.status.in_(OPEN)).order_by(Handoff.id)
    return (await session.scalars(query)).first()


async def request_handoff(
    *, session: AsyncSession, customer_id: int, reason: str, now: datetime
) -> tuple[Handoff, bool]:
    """The customer's open handoff, or a new one; True when it was created now."""
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


async def set_topic(*, session: AsyncSession, customer_id: int, topic_id: int) -> None:
    current = await active_handoff(session=session, customer_id=customer_id)
    if current is not None:
        current.staff_topic_id = topic_id
        await session.flush()


async def handoff_for_topic(*, session: AsyncSession, topic_id: int) -> Handoff | None:
    query = select(Handoff).where(Handoff.staff_topic_id == topic_id, Handoff.status.in_(OPEN)).order_by(Handoff.id)
    return (await session.scalars(query)).first()


async def accept_handoff(*, session: AsyncSession, handoff_id: int, staff_name: str, now: datetime) -> Handoff:
    """The first staff reply makes the handoff active (the wait ends there, for reports)."""
    handoff = await session.get(Handoff, handoff_id)
    if handoff is None:
        raise UnknownHandoff(str(handoff_id))
    if handoff.status == "waiting":
        handoff.status, handoff.accepted_at = "active", now
        await session.flush()
    return handoff


async def close_handoff(*, session: AsyncSession, handoff_id: int, now: datetime) -> Handoff:
    handoff = await session.get(Handoff, handoff_id)
    if handoff is None:
        raise UnknownHandoff(str(handoff_id))
    if handoff.status != "closed":
        handoff.status, handoff.closed_at = "closed", now
        await session.flush()
    return handoff


async def rate_handoff(
    *, session: AsyncSession, customer_id: int, handoff_id: int, rating: int, now: datetime
) -> Handoff:
    handoff = await session.get(Handoff, handoff_id)
    if handoff is None or handoff.customer_id != customer_id:
        raise UnknownHandoff(str(handoff_id))
    if not 1 <= rating <= 5 or handoff.status != "closed":
        raise InvalidHandoffRating(str(rating))
    handoff.rating = rating
    await session.flush()
    return handoff


async def waiting_handoffs(*, session: AsyncSession) -> list[Handoff]:
    query = select(Handoff).where(Handoff.status == "waiting").order_by(Handoff.priority, Handoff.opened_at)
    return list((await session.scalars(query)).all())
