"""The takeover queue and transcript: VIPs first, then the longest waiting; cards; who said what."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from actions import handoff
from actions.conversation_log import log_turn
from actions.staff import add_staff
from actions.takeover import open_queue, transcript
from actions.tickets import create_ticket
from tests.support.loyalty import NOW, make_customer


async def test_the_queue_puts_vips_first_then_the_longest_waiting_then_those_being_answered(
    session: AsyncSession,
) -> None:
    early = await make_customer(session, name="Early", tier_code="basic")
    late = await make_customer(session, name="Late", tier_code="basic")
    vip = await make_customer(session, name="VIP", tier_code="gold")
    answered = await make_customer(session, name="Answered", tier_code="gold")
    lily, _ = await add_staff(session=session, name="Lily", role="agent", telegram_user_id=1, actor="t", now=NOW)
    for minutes, customer in enumerate((answered, early, late, vip)):
        await handoff.request_handoff(
            session=session, customer_id=customer.id, reason="", now=NOW + timedelta(minutes=minutes)
        )
    taken = await handoff.active_handoff(session=session, customer_id=answered.id)
    assert taken is not None
    await handoff.claim_handoff(session=session, handoff_id=taken.id, staff_id=lily.id, now=NOW)
    await create_ticket(
        session=session, customer_id=early.id, category="quality", description="broken", order_ref=None, now=NOW
    )
    await log_turn(session=session, customer_id=early.id, direction="in", text="where is my order", now=NOW)

    queue = await open_queue(session=session, default_language="zh")
    assert [entry.card.name for entry in queue] == ["VIP", "Early", "Late", "Answered"]
    assert [entry.card.vip for entry in queue] == [True, False, False, True]
    assert queue[1].card.open_tickets == 1 and [turn.text for turn in queue[1].last_turns] == ["where is my order"]
    assert queue[3].staff_name == "Lily" and queue[3].handoff.status == "active"


async def test_the_transcript_names_who_spoke_oldest_first(session: AsyncSession) -> None:
    customer = await make_customer(session)
    for minutes, (direction, text, handler) in enumerate(
        (("in", "hi", None), ("out", "Hello!", None), ("out", "客服 Lily：hi", "staff"))
    ):
        await log_turn(
            session=session,
            customer_id=customer.id,
            direction=direction,
            text=text,
            handler=handler,
            now=NOW + timedelta(minutes=minutes),
        )
    turns = await transcript(session=session, customer_id=customer.id)
    assert [(turn.speaker, turn.text) for turn in turns] == [
        ("customer", "hi"),
        ("bot", "Hello!"),
        ("staff", "客服 Lily：hi"),
    ]
