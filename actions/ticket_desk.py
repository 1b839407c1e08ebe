"""Tickets as staff work them: statuses open -> in progress -> waiting for the customer -> resolved -> closed
(reopened back to in progress), assignee, internal notes, the bad-faith flag, due times and overdue ones.

A customer who writes again about a resolved ticket within the reopening window reopens it
(`reopen_by_customer`): back to in progress with its assignee (open without one), their message attached as a
note from the customer, and an audit row saying why. Closed tickets stay closed.

Every change is audited. The first move away from "open" is the first response (the first-response SLA is
met or missed there); the resolution is due a number of business hours after the ticket was opened
(`actions/sla.py`), fewer for priority service (a priority-1 ticket).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.audit import record_event
from actions.errors import DomainError
from actions.sla import BusinessHours, SlaTargets, resolution_due
from actions.tickets import OPEN_STATUSES, UnknownTicket
from storage.models import Staff, Ticket, TicketNote

# Which status may follow which; "in_progress" from resolved or closed is a reopening.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("in_progress", "waiting_customer", "resolved", "closed"),
    "in_progress": ("waiting_customer", "resolved"),
    "waiting_customer": ("in_progress", "resolved"),
    "resolved": ("closed", "in_progress"),
    "closed": ("in_progress",),
}
MAX_NOTE = 4000
# Feedback is stored as resolved tickets (`actions.tickets.record_feedback`): nothing there to reopen.
NOT_REOPENED = ("feedback",)


class InvalidTransition(DomainError):
    """A ticket cannot move from its status to that one."""


class EmptyNote(DomainError):
    """A note needs some text."""


@dataclass(frozen=True)
class TicketTimes:
    """A ticket's promises and whether one is broken at `now`."""

    first_response_due: datetime
    resolution_due: datetime
    overdue: bool


@dataclass(frozen=True)
class Reopened:
    """A ticket the customer reopened by writing again, and who had it."""

    ticket: Ticket
    assignee: str | None
    resolved_at: datetime


@dataclass(frozen=True)
class OverdueTicket:
    """An overdue ticket as the staff group is told about it (`due` already in the shop's time)."""

    ticket_id: int
    category: str
    priority: int
    due: str


def ticket_times(ticket: Ticket, *, now: datetime, business: BusinessHours, targets: SlaTargets) -> TicketTimes:
    """The first-response promise (`sla_due_at`), the resolution due time, and whether either is missed."""
    resolve_by = resolution_due(
        created_at=ticket.created_at, priority_service=ticket.priority == 1, business=business, targets=targets
    )
    still_open = ticket.status in OPEN_STATUSES
    unanswered = ticket.first_response_at is None and ticket.sla_due_at < now
    return TicketTimes(
        first_response_due=ticket.sla_due_at,
        resolution_due=resolve_by,
        overdue=still_open and (unanswered or resolve_by < now),
    )


async def change_status(
    *, session: AsyncSession, ticket_id: int, status: str, staff: Staff, now: datetime
) -> tuple[Ticket, str]:
    """Move a ticket on (InvalidTransition if that move is not allowed); returns it and its old status.
    Someone moving an unassigned ticket becomes its assignee."""
    ticket = await _ticket(session, ticket_id)
    old = ticket.status
    if status not in TRANSITIONS.get(old, ()):
        raise InvalidTransition(f"a ticket cannot go from {old} to {status}")
    ticket.status = status
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    if ticket.assignee_id is None:
        ticket.assignee_id = staff.id
    if status == "resolved":
        ticket.resolved_at = now
    elif status == "in_progress" and old in ("resolved", "closed"):
        ticket.resolved_at = None
        ticket.overdue_announced_at = None  # a reopened ticket can be announced again
    _audit(session, staff, "ticket.status", ticket.id, {"from": old, "to": status}, now)
    await session.flush()
    return ticket, old


async def reopen_by_customer(
    *, session: AsyncSession, customer_id: int, text: str, now: datetime, window: timedelta
) -> Reopened | None:
    """Reopen the customer's most recently resolved ticket when it was resolved within `window`, with `text`
    attached; None when there is none. The row is locked and re-read, so of two messages racing only one
    reopens it (and staff are told once)."""
    query = (
        select(Ticket)
        .where(
            Ticket.customer_id == customer_id,
            Ticket.status == "resolved",
            Ticket.resolved_at >= now - window,
            Ticket.category.not_in(NOT_REOPENED),
        )
        .order_by(Ticket.resolved_at.desc(), Ticket.id.desc())
        .limit(1)
        .with_for_update()
    )
    if window <= timedelta(0):
        return None
    ticket = await session.scalar(query)
    if ticket is None or ticket.resolved_at is None:
        return None
    resolved_at = ticket.resolved_at
    assignee = await session.get(Staff, ticket.assignee_id) if ticket.assignee_id is not None else None
    ticket.status = "in_progress" if assignee is not None else "open"
    ticket.resolved_at = None
    ticket.overdue_announced_at = None  # a reopened ticket can be announced again
    body = text.strip()[:MAX_NOTE] or "-"
    session.add(TicketNote(ticket_id=ticket.id, staff_id=None, from_customer=True, text=body, created_at=now))
    record_event(
        session,
        actor=f"customer:{customer_id}",
        action="ticket.reopened",
        target=("ticket", ticket.id),
        details={
            "from": "resolved",
            "to": ticket.status,
            "reason": f"the customer wrote again within {window.days} days of the resolution",
            "resolved_at": resolved_at.isoformat(),
        },
        now=now,
    )
    await session.flush()
    return Reopened(ticket=ticket, assignee=assignee.name if assignee is not None else None, resolved_at=resolved_at)


async def assign(*, session: AsyncSession, ticket_id: int, assignee: Staff, staff: Staff, now: datetime) -> Ticket:
    """Give the ticket to `assignee` (staff taking it themselves, or a supervisor assigning it)."""
    ticket = await _ticket(session, ticket_id)
    ticket.assignee_id = assignee.id
    _audit(session, staff, "ticket.assigned", ticket.id, {"to": assignee.name}, now)
    await session.flush()
    return ticket


async def add_note(*, session: AsyncSession, ticket_id: int, staff: Staff, text: str, now: datetime) -> TicketNote:
    """An internal note (never shown to the customer)."""
    body = text.strip()[:MAX_NOTE]
    if not body:
        raise EmptyNote("a note needs some text")
    ticket = await _ticket(session, ticket_id)
    note = TicketNote(ticket_id=ticket.id, staff_id=staff.id, text=body, created_at=now)
    session.add(note)
    _audit(session, staff, "ticket.note", ticket.id, {"length": len(body)}, now)
    await session.flush()
    return note


async def flag_bad_faith(
    *, session: AsyncSession, ticket_id: int, bad_faith: bool, staff: Staff, now: datetime
) -> Ticket:
    """Mark (or clear) a complaint as made in bad faith (恶意投诉): kept, reported apart."""
    ticket = await _ticket(session, ticket_id)
    ticket.abusive = bad_faith
    _audit(session, staff, "ticket.bad_faith", ticket.id, {"bad_faith": bad_faith}, now)
    await session.flush()
    return ticket


async def notes_of(*, session: AsyncSession, ticket_id: int) -> list[tuple[TicketNote, str | None]]:
    """A ticket's notes, oldest first, with their authors' names (None: what the customer wrote)."""
    query = (
        select(TicketNote, Staff.name)
        .outerjoin(Staff, Staff.id == TicketNote.staff_id)
        .where(TicketNote.ticket_id == ticket_id)
        .order_by(TicketNote.created_at, TicketNote.id)
    )
    return [(note, name) for note, name in (await session.execute(query)).all()]


async def work_list(*, session: AsyncSession, status: str | None = None, limit: int = 200) -> list[Ticket]:
    """Tickets to work, by priority then the earliest promise; open ones unless a status is asked for."""
    query = select(Ticket).order_by(Ticket.priority, Ticket.sla_due_at, Ticket.id).limit(limit)
    query = query.where(Ticket.status == status) if status else query.where(Ticket.status.in_(OPEN_STATUSES))
    return list((await session.scalars(query)).all())


async def mark_overdue(
    *, session: AsyncSession, now: datetime, business: BusinessHours, targets: SlaTargets
) -> list[Ticket]:
    """Open tickets that are overdue and not yet announced, marked announced now: each is announced once."""
    query = (
        select(Ticket)
        .where(Ticket.status.in_(OPEN_STATUSES), Ticket.overdue_announced_at.is_(None))
        .order_by(Ticket.priority, Ticket.sla_due_at, Ticket.id)
        .with_for_update(skip_locked=True)
    )
    overdue = [
        ticket
        for ticket in (await session.scalars(query)).all()
        if ticket_times(ticket, now=now, business=business, targets=targets).overdue
    ]
    for ticket in overdue:
        ticket.overdue_announced_at = now
    await session.flush()
    return overdue


async def _ticket(session: AsyncSession, ticket_id: int) -> Ticket:
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None:
        raise UnknownTicket(f"no ticket #{ticket_id}")
    return ticket


def _audit(
    session: AsyncSession, staff: Staff, action: str, ticket_id: int, details: dict[str, object], now: datetime
) -> None:
    record_event(
        session, actor=f"console:{staff.name}", action=action, target=("ticket", ticket_id), details=details, now=now
    )
