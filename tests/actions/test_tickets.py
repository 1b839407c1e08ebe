"""Tickets: SLA by tier and severity, idempotent creation, ratings only by the owner and after resolution."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions import tickets
from actions.customers import UnknownCustomer
from actions.sla import SlaTargets, response_hours
from storage.engine import SessionFactory
from storage.models import Ticket
from tests.support.loyalty import NOW, make_customer


async def test_basic_customer_gets_priority_3_and_eight_hours(session: AsyncSession) -> None:
    customer = await make_customer(session, tier_code="basic")
    ticket = await tickets.create_ticket(
        session=session, customer_id=customer.id, category="quality", description=" 漏水 ", order_ref=None, now=NOW
    )
    assert (ticket.priority, ticket.status, ticket.description) == (3, "open", "漏水")
    assert ticket.sla_due_at == NOW + timedelta(hours=8)  # every hour counts without business hours


async def test_priority_service_tier_jumps_the_queue(session: AsyncSession) -> None:
    vip = await make_customer(session, tier_code="gold")
    ticket = await tickets.create_ticket(
        session=session, customer_id=vip.id, category="delivery", description="late", order_ref="SO-1", now=NOW
    )
    assert ticket.priority == 1
    assert ticket.sla_due_at == NOW + timedelta(hours=2)
    urgent = await tickets.create_ticket(
        session=session,
        customer_id=vip.id,
        category="quality",
        description="smoke",
        order_ref=None,
        now=NOW,
        severity="critical",
    )
    assert urgent.sla_due_at == NOW + timedelta(hours=1)
    listed = await tickets.list_tickets(session=session)
    assert [t.id for t in listed][:2] == [urgent.id, ticket.id]


async def test_same_idempotency_key_returns_the_first_ticket(session: AsyncSession) -> None:
    customer = await make_customer(session)
    values = dict(customer_id=customer.id, category="other", description="x", order_ref=None, now=NOW)
    first = await tickets.create_ticket(session=session, idempotency_key="complaint:1:abc", **values)  # type: ignore[arg-type]
    again = await tickets.create_ticket(session=session, idempotency_key="complaint:1:abc", **values)  # type: ignore[arg-type]
    assert first.id == again.id
    assert await session.scalar(select(func.count()).select_from(Ticket)) == 1


@pytest.mark.parametrize(("category", "severity"), [("bogus", "normal"), ("quality", "apocalyptic")])
async def test_unknown_category_or_severity_is_refused(session: AsyncSession, category: str, severity: str) -> None:
    customer = await make_customer(session)
    with pytest.raises(tickets.InvalidTicket):
        await tickets.create_ticket(
            session=session,
            customer_id=customer.id,
            category=category,
            description="x",
            order_ref=None,
            now=NOW,
            severity=severity,
        )


async def test_rating_needs_the_owner_a_resolved_ticket_and_1_to_5(session: AsyncSession) -> None:
    owner = await make_customer(session)
    stranger = await make_customer(session, name="李雷")
    ticket = await tickets.create_ticket(
        session=session, customer_id=owner.id, category="service", description="rude", order_ref=None, now=NOW
    )
    with pytest.raises(tickets.InvalidRating):  # still open
        await tickets.rate_ticket(session=session, customer_id=owner.id, ticket_id=ticket.id, rating=5, now=NOW)
    ticket.status = "resolved"
    with pytest.raises(tickets.UnknownTicket):
        await tickets.rate_ticket(session=session, customer_id=stranger.id, ticket_id=ticket.id, rating=5, now=NOW)
    with pytest.raises(tickets.InvalidRating):
        await tickets.rate_ticket(session=session, customer_id=owner.id, ticket_id=ticket.id, rating=6, now=NOW)
    rated = await tickets.rate_ticket(session=session, customer_id=owner.id, ticket_id=ticket.id, rating=4, now=NOW)
    assert rated.rating == 4


async def test_feedback_is_a_resolved_low_priority_ticket(session: AsyncSession) -> None:
    customer = await make_customer(session, tier_code="gold")
    ticket = await tickets.record_feedback(session=session, customer_id=customer.id, text="客服很耐心", now=NOW)
    assert (ticket.category, ticket.status, ticket.priority) == ("feedback", "resolved", 5)
    assert await tickets.open_tickets(session=session, customer_id=customer.id) == []


async def test_return_request_twice_the_same_day_is_one_ticket(session: AsyncSession) -> None:
    customer = await make_customer(session)
    first = await tickets.start_return_request(
        session=session, customer_id=customer.id, order_ref="SO-20261101-007", reason="return", now=NOW
    )
    again = await tickets.start_return_request(
        session=session, customer_id=customer.id, order_ref="SO-20261101-007", reason="return", now=NOW
    )
    assert first.id == again.id
    assert first.category == "return"


@pytest.mark.parametrize(
    ("priority_service", "severity", "hours", "priority"),
    [
        (False, "low", 8, 3),
        (False, "normal", 8, 3),
        (False, "high", 4, 2),
        (False, "critical", 4, 2),
        (True, "normal", 2, 1),
        (True, "high", 1, 1),
    ],
)
async def test_sla_table_and_stored_values(
    session: AsyncSession, priority_service: bool, severity: str, hours: int, priority: int
) -> None:
    urgent = severity in tickets.URGENT
    assert response_hours(priority_service=priority_service, urgent=urgent, targets=SlaTargets()) == hours
    assert tickets.ticket_priority(priority_service=priority_service, severity=severity) == priority
    customer = await make_customer(session, tier_code="platinum" if priority_service else "silver")
    ticket = await tickets.create_ticket(
        session=session,
        customer_id=customer.id,
        category="delivery",
        description="x",
        order_ref=None,
        now=NOW,
        severity=severity,
    )
    await session.refresh(ticket)
    assert (ticket.priority, ticket.severity) == (priority, severity)
    assert ticket.sla_due_at == NOW + timedelta(hours=hours)


def test_complaint_categories_are_the_five_customers_choose() -> None:
    assert tickets.TICKET_CATEGORIES == ("quality", "delivery", "wrong_item", "service", "other")
    assert set(tickets.ALL_CATEGORIES) - set(tickets.TICKET_CATEGORIES) == {"return", "feedback"}


async def test_description_is_trimmed_to_4000_characters(session: AsyncSession) -> None:
    customer = await make_customer(session)
    ticket = await tickets.create_ticket(
        session=session, customer_id=customer.id, category="other", description="长" * 5000, order_ref=None, now=NOW
    )
    await session.refresh(ticket)
    assert ticket.description == "长" * 4000


async def test_unknown_customer_is_refused(session: AsyncSession) -> None:
    with pytest.raises(UnknownCustomer):
        await tickets.create_ticket(
            session=session, customer_id=987654, category="other", description="x", order_ref=None, now=NOW
        )


async def test_another_customers_key_is_refused(session: AsyncSession) -> None:
    owner = await make_customer(session)
    stranger = await make_customer(session, name="李雷")
    values = dict(category="other", description="x", order_ref=None, now=NOW, idempotency_key="k1")
    await tickets.create_ticket(session=session, customer_id=owner.id, **values)  # type: ignore[arg-type]
    with pytest.raises(tickets.InvalidTicket):
        await tickets.create_ticket(session=session, customer_id=stranger.id, **values)  # type: ignore[arg-type]


async def test_two_sessions_racing_with_one_key_make_one_ticket(
    session_factory: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with session_factory() as setup:
        customer = await make_customer(setup)
        await setup.commit()
    values = dict(customer_id=customer.id, category="quality", description="x", order_ref=None, now=NOW)
    async with session_factory() as first:
        a = await tickets.create_ticket(session=first, idempotency_key="race", **values)  # type: ignore[arg-type]
        await first.commit()
    # The second worker looked for the key just before the first committed, so its insert collides.
    lookup = tickets._ticket_with_key
    calls: list[str] = []

    async def late_lookup(session: AsyncSession, customer_id: int, key: str) -> Ticket | None:
        calls.append(key)
        return None if len(calls) == 1 else await lookup(session, customer_id, key)

    monkeypatch.setattr(tickets, "_ticket_with_key", late_lookup)
    async with session_factory() as second:
        b = await tickets.create_ticket(session=second, idempotency_key="race", **values)  # type: ignore[arg-type]
        await second.commit()
    assert (a.id, calls) == (b.id, ["race", "race"])
    async with session_factory() as check:
        assert await check.scalar(select(func.count()).select_from(Ticket)) == 1


async def test_feedback_has_no_sla_to_chase_and_is_listed_last(session: AsyncSession) -> None:
    customer = await make_customer(session)
    complaint = await tickets.create_ticket(
        session=session, customer_id=customer.id, category="quality", description="x", order_ref=None, now=NOW
    )
    feedback = await tickets.record_feedback(session=session, customer_id=customer.id, text="  很好 ", now=NOW)
    assert (feedback.description, feedback.resolved_at) == ("很好", NOW)
    assert [t.id for t in await tickets.list_tickets(session=session)] == [complaint.id, feedback.id]
    assert [t.id for t in await tickets.list_tickets(session=session, status="resolved")] == [feedback.id]
    assert [t.id for t in await tickets.open_tickets(session=session, customer_id=customer.id)] == [complaint.id]


async def test_return_requests_for_different_orders_are_separate(session: AsyncSession) -> None:
    customer = await make_customer(session)
    first = await tickets.start_return_request(
        session=session, customer_id=customer.id, order_ref="SO-1", reason="too small", now=NOW
    )
    other = await tickets.start_return_request(
        session=session, customer_id=customer.id, order_ref="X" * 300, reason="broken", now=NOW
    )
    assert first.id != other.id
    assert (other.category, other.order_ref, other.status) == ("return", "X" * 64, "open")


async def test_a_ticket_cannot_be_rated_after_the_window(session: AsyncSession) -> None:
    owner = await make_customer(session)
    ticket = await tickets.create_ticket(
        session=session, customer_id=owner.id, category="service", description="slow", order_ref=None, now=NOW
    )
    ticket.status, ticket.resolved_at = "resolved", NOW
    with pytest.raises(tickets.InvalidRating):
        await tickets.rate_ticket(
            session=session, customer_id=owner.id, ticket_id=ticket.id, rating=5, now=NOW + timedelta(days=8)
        )
    assert ticket.rating is None
