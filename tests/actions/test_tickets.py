"""Tickets: SLA by tier and severity, idempotent creation, ratings only by the owner and after resolution."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions import tickets
from storage.models import Ticket
from tests.support.loyalty import NOW, make_customer


async def test_basic_customer_gets_priority_3_and_a_day(session: AsyncSession) -> None:
    customer = await make_customer(session, tier_code="basic")
    ticket = await tickets.create_ticket(
        session=session, customer_id=customer.id, category="quality", description=" 漏水 ", order_ref=None, now=NOW
    )
    assert (ticket.priority, ticket.status, ticket.description) == (3, "open", "漏水")
    assert ticket.sla_due_at == NOW + timedelta(hours=24)


async def test_priority_service_tier_jumps_the_queue(session: AsyncSession) -> None:
    vip = await make_customer(session, tier_code="gold")
    ticket = await tickets.create_ticket(
        session=session, customer_id=vip.id, category="delivery", description="late", order_ref="SO-1", now=NOW
    )
    assert ticket.priority == 1
    assert ticket.sla_due_at == NOW + timedelta(hours=4)
    urgent = await tickets.create_ticket(
        session=session,
        customer_id=vip.id,
        category="quality",
        description="smoke",
        order_ref=None,
        now=NOW,
        severity="critical",
    )
    assert urgent.sla_due_at == NOW + timedelta(hours=2)
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
