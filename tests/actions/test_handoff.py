"""Handoffs: one open per customer, VIPs first, topic look-up, accept/close, ratings only when closed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from actions import handoff
from actions.customers import UnknownCustomer
from actions.staff import add_staff
from storage.models import Staff
from tests.support.loyalty import NOW, make_customer


async def agent(session: AsyncSession, name: str, telegram_user_id: int) -> Staff:
    member, _created = await add_staff(
        session=session, name=name, role="agent", telegram_user_id=telegram_user_id, actor="test", now=NOW
    )
    return member


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
    lily = await agent(session, "Lily", 501)
    accepted = await handoff.accept_handoff(session=session, handoff_id=opened.id, staff_id=lily.id, now=NOW)
    assert (accepted.status, accepted.accepted_at, accepted.staff_id) == ("active", NOW, lily.id)
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


async def test_accepting_twice_keeps_the_first_time(session: AsyncSession) -> None:
    customer = await make_customer(session)
    opened, _ = await handoff.request_handoff(session=session, customer_id=customer.id, reason="", now=NOW)
    lily, tom = await agent(session, "Lily", 501), await agent(session, "Tom", 502)
    await handoff.accept_handoff(session=session, handoff_id=opened.id, staff_id=lily.id, now=NOW)
    later = NOW + timedelta(minutes=9)
    again = await handoff.accept_handoff(session=session, handoff_id=opened.id, staff_id=tom.id, now=later)
    assert (again.status, again.accepted_at, again.staff_id) == ("active", NOW, lily.id)  # who took it first
    assert await handoff.waiting_handoffs(session=session) == []  # accepted: out of the queue, still open
    assert await handoff.active_handoff(session=session, customer_id=customer.id) is opened
    await handoff.close_handoff(session=session, handoff_id=opened.id, now=later)
    again_closed = await handoff.close_handoff(session=session, handoff_id=opened.id, now=later + timedelta(hours=1))
    assert (again_closed.status, again_closed.closed_at) == ("closed", later)


async def test_a_new_request_after_closing_opens_a_new_handoff(session: AsyncSession) -> None:
    customer = await make_customer(session)
    first, _ = await handoff.request_handoff(session=session, customer_id=customer.id, reason="x" * 300, now=NOW)
    assert first.reason == "x" * 200
    await handoff.close_handoff(session=session, handoff_id=first.id, now=NOW)
    second, created = await handoff.request_handoff(session=session, customer_id=customer.id, reason="", now=NOW)
    assert created and second.id != first.id and second.status == "waiting"


async def test_set_topic_without_an_open_handoff_does_nothing(session: AsyncSession) -> None:
    customer = await make_customer(session)
    await handoff.set_topic(session=session, customer_id=customer.id, topic_id=5)
    assert await handoff.handoff_for_topic(session=session, topic_id=5) is None


@pytest.mark.parametrize("rating", [0, 6, -1])
async def test_rating_out_of_range_is_refused(session: AsyncSession, rating: int) -> None:
    customer = await make_customer(session)
    opened, _ = await handoff.request_handoff(session=session, customer_id=customer.id, reason="", now=NOW)
    await handoff.close_handoff(session=session, handoff_id=opened.id, now=NOW)
    with pytest.raises(handoff.InvalidHandoffRating):
        await handoff.rate_handoff(
            session=session, customer_id=customer.id, handoff_id=opened.id, rating=rating, now=NOW
        )
    assert opened.rating is None


async def test_unknown_customer_or_handoff_is_refused(session: AsyncSession) -> None:
    with pytest.raises(UnknownCustomer):
        await handoff.request_handoff(session=session, customer_id=987654, reason="", now=NOW)
    with pytest.raises(handoff.UnknownHandoff):
        await handoff.accept_handoff(session=session, handoff_id=987654, staff_id=1, now=NOW)


async def test_claim_takes_a_waiting_handoff_once(session: AsyncSession) -> None:
    customer = await make_customer(session)
    lily, sam = await agent(session, "Lily", 701), await agent(session, "Sam", 702)
    waiting, _ = await handoff.request_handoff(session=session, customer_id=customer.id, reason="", now=NOW)
    claimed = await handoff.claim_handoff(session=session, handoff_id=waiting.id, staff_id=lily.id, now=NOW)
    assert (claimed.status, claimed.staff_id, claimed.accepted_at) == ("active", lily.id, NOW)
    again = await handoff.claim_handoff(
        session=session, handoff_id=waiting.id, staff_id=lily.id, now=NOW + timedelta(minutes=1)
    )
    assert again.accepted_at == NOW, "claiming one's own again changes nothing"
    with pytest.raises(handoff.HandoffTaken):
        await handoff.claim_handoff(session=session, handoff_id=waiting.id, staff_id=sam.id, now=NOW)
    await handoff.close_handoff(session=session, handoff_id=waiting.id, now=NOW)
    with pytest.raises(handoff.HandoffTaken):
        await handoff.claim_handoff(session=session, handoff_id=waiting.id, staff_id=lily.id, now=NOW)
    with pytest.raises(handoff.UnknownHandoff):
        await handoff.claim_handoff(session=session, handoff_id=999_999, staff_id=lily.id, now=NOW)


async def test_a_conversation_is_rated_once_within_the_window(session: AsyncSession) -> None:
    customer = await make_customer(session)
    opened, _ = await handoff.request_handoff(session=session, customer_id=customer.id, reason="", now=NOW)
    await handoff.close_handoff(session=session, handoff_id=opened.id, now=NOW)
    first = await handoff.rate_handoff(
        session=session, customer_id=customer.id, handoff_id=opened.id, rating=2, now=NOW
    )
    again = await handoff.rate_handoff(
        session=session, customer_id=customer.id, handoff_id=opened.id, rating=5, now=NOW
    )
    assert first.rating == again.rating == 2, "a second press keeps the first rating"

    late, _ = await handoff.request_handoff(session=session, customer_id=customer.id, reason="", now=NOW)
    await handoff.close_handoff(session=session, handoff_id=late.id, now=NOW)
    with pytest.raises(handoff.RatingClosed):
        await handoff.rate_handoff(
            session=session, customer_id=customer.id, handoff_id=late.id, rating=5,
            now=NOW + timedelta(days=3, seconds=1), window=timedelta(days=3),
        )  # fmt: skip
    assert late.rating is None
