"""The turn log: rows as given, text cut to 4000 and storable, newest turns first, per customer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions import conversation_log
from storage.models import MessageLog
from tests.support.loyalty import NOW, make_customer


async def test_a_turn_is_stored_with_its_details(session: AsyncSession) -> None:
    customer = await make_customer(session)
    row = await conversation_log.log_turn(
        session=session,
        customer_id=customer.id,
        direction="in",
        text="龙井多少钱",
        intent="product_question",
        confidence=0.93,
        handler="shop.product_question",
        latency_ms=120,
        update_id=10**12,
        now=NOW,
    )
    row_id, customer_id = row.id, customer.id
    session.expire_all()
    stored = await session.scalar(select(MessageLog).where(MessageLog.id == row_id))
    assert stored is not None
    assert (stored.customer_id, stored.direction, stored.text, stored.intent, stored.handler) == (
        customer_id,
        "in",
        "龙井多少钱",
        "product_question",
        "shop.product_question",
    )
    assert (stored.confidence, stored.latency_ms, stored.update_id, stored.created_at) == (
        pytest.approx(0.93),
        120,
        10**12,
        NOW,
    )


async def test_text_is_cut_to_4000_and_unstorable_characters_dropped(session: AsyncSession) -> None:
    row = await conversation_log.log_turn(
        session=session, customer_id=None, direction="out", text="a\x00b\ud800" + "长" * 5000, now=NOW
    )
    row_id = row.id
    session.expire_all()
    stored = await session.scalar(select(MessageLog.text).where(MessageLog.id == row_id))
    assert stored == ("ab" + "长" * 5000)[:4000]


async def test_unknown_direction_is_a_bug(session: AsyncSession) -> None:
    with pytest.raises(ValueError):
        await conversation_log.log_turn(session=session, customer_id=None, direction="sideways", text="x", now=NOW)


async def test_recent_turns_newest_first_for_that_customer_only(session: AsyncSession) -> None:
    customer = await make_customer(session)
    other = await make_customer(session, name="李雷")
    for minute in range(5):
        for who in (customer, other):
            await conversation_log.log_turn(
                session=session,
                customer_id=who.id,
                direction="in" if minute % 2 == 0 else "out",
                text=f"{who.id}-{minute}",
                now=NOW + timedelta(minutes=minute),
            )
    # Two turns in the same instant: the later row is the newer one.
    await conversation_log.log_turn(
        session=session, customer_id=customer.id, direction="out", text="same-instant", now=NOW + timedelta(minutes=4)
    )
    turns = await conversation_log.recent_turns(session=session, customer_id=customer.id, limit=3)
    assert [t.text for t in turns] == ["same-instant", f"{customer.id}-4", f"{customer.id}-3"]
    everything = await conversation_log.recent_turns(session=session, customer_id=customer.id)
    assert len(everything) == 6 and {t.customer_id for t in everything} == {customer.id}
