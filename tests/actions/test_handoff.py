"""Handoffs: one open per customer, VIPs first, topic look-up, accept/close, ratings only when closed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from actions import handoff
from tests.support.loyalty import NOW, make_customer


async def test_one_open_handoff_per_customer(session: AsyncSession) -> None:
    customer = await make_customer(session)
    first, created = await handoff.request_handoff(session=session, customer_id=customer.id, reason="人工", now=NOW)
    again, created_again = await handoff.request_handoff(
        session=session, customer_id=customer.id, reason="人工", now=NOW
    )
    assert (created, created_again, first.id) == (True, False, again.id)
    assert first.status == "waiting"


async def test_vip_waits_first(session: AsyncSession) -> None:
    basic = await make_customer(session, tier_code="basic")
    gold = await make_customer(session, name="VIP", tier_code="gold")
    await handoff.request_handoff(session=session, customer_id=basic.id, reason="", now=NOW)
    vip, _ = await handoff.request_handoff(
        session=session, customer_id=gold.id, reason="", now=NOW + timedelta(minutes=5)
    )
    assert vip.priority == 1
    queue = await handoff.waiting_handoffs(session=session)
    assert [h.customer_id for h in queue] == [gold.id, basic.id]


async def test_topic_accept_close_and_rate(session: AsyncSession) -> None:
    customer = await make_customer(session)
    opened, _ = await handoff.request_handoff(session=session, customer_id=customer.id, reason="", now=NOW)
    await handoff.set_topic(session=session, customer_id=customer.id, topic_id=777)
    assert (await handoff.handoff_for_topic(session=session, topic_id=777)) is opened
    accepted = await handoff.accept_handoff(session=session, handoff_id=opened.id, staff_name="Lily", now=NOW)
    assert (accepted.status, accepted.accepted_at) == ("active", NOW)
    with pytest.raises(handoff.InvalidHandoffRating):  # not closed yet
        await handoff.rate_handoff(session=session, customer_id=customer.id, handoff_id=opened.id, rating=5, now=NOW)
    await handoff.close_handoff(session=session, handoff_id=opened.id, now=NOW)
    assert await handoff.active_handoff(session=session, customer_id=customer.id) is None
    assert await handoff.handoff_for_topic(session=session, topic_id=777) is None
    rated = await handoff.rate_handoff(
        session=session, customer_id=customer.id, handoff_id=opened.id, rating=5, now=NOW
    )
    assert rated.rating == 5


async def test_someone_elses_handoff_cannot_be_rated(session: AsyncSession) -> None:
    owner = await make_customer(session)
    stranger = await make_customer(session, name="李雷")
    opened, _ = await handoff.request_handoff(session=session, customer_id=owner.id, reason="", now=NOW)
    await handoff.close_handoff(session=session, handoff_id=opened.id, now=NOW)
    with pytest.raises(handoff.UnknownHandoff):
        await handoff.rate_handoff(session=session, customer_id=stranger.id, handoff_id=opened.id, rating=1, now=NOW)
    with pytest.raises(handoff.UnknownHandoff):
        await handoff.close_handoff(session=session, handoff_id=opened.id + 1000, now=NOW)
