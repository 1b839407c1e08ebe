"""A customer who writes again soon after their ticket was resolved reopens it (their message attached, staff
told once); after TICKET_REOPEN_DAYS, or for what the bot answers itself, the chat goes on as usual."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from actions.staff import find_staff
from actions.ticket_desk import change_status, reopen_by_customer
from actions.tickets import create_ticket
from bot.pipeline import Pipeline
from storage.engine import SessionFactory
from storage.models import AuditLog, Ticket, TicketNote
from tests.bot.conftest import NOW, Chat, customer_of, text_of
from tests.support.fake_nlu import ScriptedNlu
from tests.support.loyalty import make_customer

USER = 7301


async def resolved_ticket(shop: SessionFactory, *, ago: timedelta, by: str | None = "Amy") -> int:
    """A delivery ticket of USER's, resolved `ago` before NOW (by `by`, or left unassigned)."""
    customer = await customer_of(shop, USER)
    async with shop() as session, session.begin():
        ticket = await create_ticket(
            session=session, customer_id=customer.id, category="delivery", description="包裹没到", order_ref=None,
            now=NOW - ago - timedelta(hours=5),
        )  # fmt: skip
        if by is None:
            ticket.status, ticket.resolved_at = "resolved", NOW - ago
        else:
            staff = await find_staff(session=session, key=by)
            assert staff is not None
            await change_status(session=session, ticket_id=ticket.id, status="resolved", staff=staff, now=NOW - ago)
        return ticket.id


async def ticket_and_notes(shop: SessionFactory, ticket_id: int) -> tuple[Ticket, list[TicketNote]]:
    async with shop() as session:
        ticket = await session.get(Ticket, ticket_id)
        notes = (await session.scalars(select(TicketNote).where(TicketNote.ticket_id == ticket_id))).all()
    assert ticket is not None
    return ticket, list(notes)


async def test_writing_again_within_the_window_reopens_the_ticket(customer_chat: Chat, shop: SessionFactory) -> None:
    chat = customer_chat
    await chat.command("start")
    ticket_id = await resolved_ticket(shop, ago=timedelta(days=2))

    outcome = await chat.say("还是没收到，快递显示已签收")  # not understood: about the problem just solved
    assert f"工单 #{ticket_id} 已重新打开" in text_of(outcome)
    assert [button.data for button in chat.buttons] == ["v1:intent:complaint"]  # "a new problem" instead
    [notice] = outcome.staff_notices
    assert notice.kind == "ticket" and f"工单 #{ticket_id}" in notice.text and "负责人：Amy" in notice.text
    assert "还是没收到，快递显示已签收" in notice.text

    ticket, notes = await ticket_and_notes(shop, ticket_id)
    assert (ticket.status, ticket.resolved_at) == ("in_progress", None)
    amy = ticket.assignee_id
    assert amy is not None, "the same assignee"
    assert [(note.from_customer, note.staff_id, note.text) for note in notes] == [
        (True, None, "还是没收到，快递显示已签收")
    ]
    async with shop() as session:
        [event] = (await session.scalars(select(AuditLog).where(AuditLog.action == "ticket.reopened"))).all()
    assert event.target_id == str(ticket_id)
    assert event.details["to"] == "in_progress" and "within 7 days" in event.details["reason"]

    again = await chat.say("你们能不能再查一下")  # the ticket is open now: staff were told once
    assert not again.staff_notices and "重新打开" not in text_of(again)
    assert len((await ticket_and_notes(shop, ticket_id))[1]) == 1


async def test_an_unassigned_ticket_goes_back_to_open(customer_chat: Chat, shop: SessionFactory) -> None:
    await customer_chat.command("start")
    ticket_id = await resolved_ticket(shop, ago=timedelta(hours=3), by=None)
    outcome = await customer_chat.say("东西还是坏的")
    assert "负责人：—" in outcome.staff_notices[0].text
    assert (await ticket_and_notes(shop, ticket_id))[0].status == "open"


async def test_after_the_window_a_complaint_is_a_new_ticket(
    customer_chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    await customer_chat.command("start")
    ticket_id = await resolved_ticket(shop, ago=timedelta(days=8))
    nlu.say("我要投诉", "complaint")
    outcome = await customer_chat.say("我要投诉")
    assert "重新打开" not in text_of(outcome) and not outcome.staff_notices
    assert any(button.data.startswith("v1:complaint:cat:") for button in customer_chat.buttons), "a new complaint"
    ticket, notes = await ticket_and_notes(shop, ticket_id)
    assert (ticket.status, notes) == ("resolved", [])


async def test_what_the_bot_answers_itself_leaves_the_ticket_resolved(
    customer_chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    await customer_chat.command("start")
    ticket_id = await resolved_ticket(shop, ago=timedelta(days=1))
    nlu.say("积分还有多少", "check_points")
    nlu.say("谢谢", "thanks")
    for text in ("积分还有多少", "谢谢"):
        outcome = await customer_chat.say(text)
        assert "重新打开" not in text_of(outcome) and not outcome.staff_notices
    assert (await ticket_and_notes(shop, ticket_id))[0].status == "resolved"


async def test_two_messages_racing_reopen_the_ticket_once(shop: SessionFactory, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks need PostgreSQL")
    customer = await new_customer(shop)
    async with shop() as session, session.begin():
        ticket = await create_ticket(
            session=session, customer_id=customer, category="quality", description="坏了", order_ref=None, now=NOW
        )
        ticket.status, ticket.resolved_at = "resolved", NOW

    async def write(text: str) -> bool:
        async with shop() as session, session.begin():
            reopened = await reopen_by_customer(
                session=session, customer_id=customer, text=text, now=NOW + timedelta(hours=1), window=timedelta(days=7)
            )
            return reopened is not None

    assert sorted(await asyncio.gather(write("还是坏的"), write("真的坏了"))) == [False, True]
    assert len((await ticket_and_notes(shop, ticket.id))[1]) == 1


async def new_customer(shop: SessionFactory) -> int:
    async with shop() as session, session.begin():
        return (await make_customer(session)).id


@pytest.fixture
def customer_chat(pipeline: Pipeline) -> Chat:
    return Chat(pipeline, user_id=USER)
