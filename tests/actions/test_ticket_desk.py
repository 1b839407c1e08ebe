"""Tickets as staff work them: allowed moves, first response, reopening, notes, bad faith, overdue once."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from actions import ticket_desk
from actions.privacy import erase_customer
from actions.sla import BusinessHours, SlaTargets
from actions.staff import add_staff
from actions.tickets import create_ticket
from storage.models import Staff, Ticket
from tests.support.loyalty import NOW, make_customer

ALWAYS_OPEN = BusinessHours.daily(opens=0, closes=24, days=range(1, 8), timezone=ZoneInfo("Asia/Shanghai"))
TARGETS = SlaTargets(response_hours=24, vip_response_hours=4, resolution_hours=48, vip_resolution_hours=8)


async def _setup(session: AsyncSession, tier: str = "basic") -> tuple[Ticket, Staff]:
    customer = await make_customer(session, tier_code=tier)
    lily, _ = await add_staff(session=session, name="Lily", role="agent", telegram_user_id=9, actor="t", now=NOW)
    ticket = await create_ticket(
        session=session, customer_id=customer.id, category="quality", description="broken", order_ref=None, now=NOW,
        business=ALWAYS_OPEN, targets=TARGETS,
    )  # fmt: skip
    return ticket, lily


async def test_a_ticket_moves_through_its_statuses(session: AsyncSession) -> None:
    ticket, lily = await _setup(session)
    later = NOW + timedelta(hours=1)
    moved, old = await ticket_desk.change_status(
        session=session, ticket_id=ticket.id, status="in_progress", staff=lily, now=later
    )
    assert (old, moved.status, moved.first_response_at, moved.assignee_id) == ("open", "in_progress", later, lily.id)
    for status in ("waiting_customer", "in_progress", "resolved"):
        await ticket_desk.change_status(session=session, ticket_id=ticket.id, status=status, staff=lily, now=later)
    assert ticket.resolved_at == later and ticket.first_response_at == later
    with pytest.raises(ticket_desk.InvalidTransition):
        await ticket_desk.change_status(session=session, ticket_id=ticket.id, status="open", staff=lily, now=later)
    await ticket_desk.change_status(session=session, ticket_id=ticket.id, status="closed", staff=lily, now=later)
    reopened, _ = await ticket_desk.change_status(
        session=session, ticket_id=ticket.id, status="in_progress", staff=lily, now=later
    )
    assert reopened.resolved_at is None and reopened.status == "in_progress"


async def test_notes_and_the_bad_faith_flag(session: AsyncSession) -> None:
    ticket, lily = await _setup(session)
    await ticket_desk.add_note(session=session, ticket_id=ticket.id, staff=lily, text=" called them ", now=NOW)
    with pytest.raises(ticket_desk.EmptyNote):
        await ticket_desk.add_note(session=session, ticket_id=ticket.id, staff=lily, text="  ", now=NOW)
    assert [(note.text, name) for note, name in await ticket_desk.notes_of(session=session, ticket_id=ticket.id)] == [
        ("called them", "Lily")
    ]
    flagged = await ticket_desk.flag_bad_faith(
        session=session, ticket_id=ticket.id, bad_faith=True, staff=lily, now=NOW
    )
    assert flagged.abusive


async def test_overdue_tickets_are_marked_once(session: AsyncSession) -> None:
    ticket, _ = await _setup(session)  # basic tier: first response promised within 24 hours
    assert (
        await ticket_desk.mark_overdue(
            session=session, now=NOW + timedelta(hours=23), business=ALWAYS_OPEN, targets=TARGETS
        )
        == []
    )
    late = NOW + timedelta(hours=25)
    assert await ticket_desk.mark_overdue(session=session, now=late, business=ALWAYS_OPEN, targets=TARGETS) == [ticket]
    assert await ticket_desk.mark_overdue(session=session, now=late, business=ALWAYS_OPEN, targets=TARGETS) == []
    times = ticket_desk.ticket_times(ticket, now=late, business=ALWAYS_OPEN, targets=TARGETS)
    assert times.overdue and times.resolution_due == NOW + timedelta(hours=48)


async def test_a_vip_ticket_is_due_sooner(session: AsyncSession) -> None:
    ticket, _ = await _setup(session, tier="gold")
    times = ticket_desk.ticket_times(ticket, now=NOW, business=ALWAYS_OPEN, targets=TARGETS)
    assert ticket.priority == 1 and times.resolution_due == NOW + timedelta(hours=8)
    assert times.first_response_due == NOW + timedelta(hours=4)


async def test_erasing_the_customer_blanks_the_notes_on_their_tickets(session: AsyncSession) -> None:
    ticket, lily = await _setup(session)
    note = await ticket_desk.add_note(
        session=session, ticket_id=ticket.id, staff=lily, text="called 13800138000", now=NOW
    )
    await erase_customer(session=session, customer_id=ticket.customer_id, actor="test", now=NOW)
    await session.refresh(note)
    assert note.text == ""
