"""The staff desk acts only for registered, active staff: anyone else is refused once and changes nothing."""

from __future__ import annotations

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import func, select

from actions.staff import remove_staff
from bot.staff import StaffDesk
from runtime.services import Services
from storage.engine import SessionFactory
from storage.models import Handoff, MessageLog
from tests.bot.conftest import AGENT, NOW, Chat, customer_of

STRANGER = 770001  # in the staff group, never registered
OTHER_STRANGER = 770002
TOPIC = 321


@pytest.fixture
async def open_topic(chat: Chat, staff_desk: StaffDesk, shop: SessionFactory) -> int:
    """Customer 42 asked for a person; their handoff has the staff topic TOPIC."""
    await chat.command("human")
    customer = await customer_of(shop, 42)
    await staff_desk.set_topic(customer_id=customer.id, topic_id=TOPIC)
    return TOPIC


async def _handoff_and_outgoing(shop: SessionFactory) -> tuple[str, int]:
    async with shop() as session:
        status = await session.scalar(select(Handoff.status))
        outgoing = await session.scalar(
            select(func.count(MessageLog.id)).where(MessageLog.direction == "out", MessageLog.handler == "staff")
        )
    assert status is not None and outgoing is not None
    return status, outgoing


async def test_a_stranger_is_refused_once_and_changes_nothing(
    staff_desk: StaffDesk, shop: SessionFactory, open_topic: int
) -> None:
    first = await staff_desk.handle_message(topic_id=open_topic, staff_user_id=STRANGER, text="hi", update_id=60001)
    assert first is not None and first.customer_chat_id is None and not first.replies and not first.closed
    assert len(first.staff_replies) == 1
    assert "carebot staff add" in first.staff_replies[0].text and str(STRANGER) in first.staff_replies[0].text

    for number, text in ((60002, "still me"), (60003, "/close")):
        later = await staff_desk.handle_message(
            topic_id=open_topic, staff_user_id=STRANGER, text=text, update_id=number
        )
        assert later is not None and later.customer_chat_id is None
        assert not later.replies and not later.staff_replies and not later.closed

    assert await _handoff_and_outgoing(shop) == ("waiting", 0), "not accepted, not closed, nothing relayed"


async def test_each_stranger_is_told_once(staff_desk: StaffDesk, open_topic: int) -> None:
    one = await staff_desk.handle_message(topic_id=open_topic, staff_user_id=STRANGER, text="a", update_id=60011)
    other = await staff_desk.handle_message(
        topic_id=open_topic, staff_user_id=OTHER_STRANGER, text="b", update_id=60012
    )
    assert one is not None and one.staff_replies
    assert other is not None and other.staff_replies


async def test_a_registered_agent_is_relayed_under_the_registered_name(
    staff_desk: StaffDesk, shop: SessionFactory, open_topic: int
) -> None:
    relayed = await staff_desk.handle_message(topic_id=open_topic, staff_user_id=AGENT, text="马上查", update_id=60021)

    assert relayed is not None and relayed.customer_chat_id == 42
    assert relayed.replies[0].text == "客服 Amy：马上查"
    assert await _handoff_and_outgoing(shop) == ("active", 1)


async def test_removed_staff_are_refused(staff_desk: StaffDesk, shop: SessionFactory, open_topic: int) -> None:
    async with shop() as session, session.begin():
        await remove_staff(session=session, key="Amy", actor="test", now=NOW)

    refused = await staff_desk.handle_message(topic_id=open_topic, staff_user_id=AGENT, text="/close", update_id=60031)

    assert refused is not None and refused.customer_chat_id is None and not refused.closed and refused.staff_replies
    assert await _handoff_and_outgoing(shop) == ("waiting", 0)


async def test_a_redelivered_refusal_is_not_repeated(staff_desk: StaffDesk, open_topic: int) -> None:
    first = await staff_desk.handle_message(topic_id=open_topic, staff_user_id=STRANGER, text="x", update_id=60041)
    again = await staff_desk.handle_message(topic_id=open_topic, staff_user_id=STRANGER, text="x", update_id=60041)
    assert first is not None and first.staff_replies
    assert again is None


async def test_without_redis_a_stranger_is_still_refused(
    staff_desk: StaffDesk, services: Services, shop: SessionFactory, open_topic: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down(*args: object, **kwargs: object) -> None:
        raise RedisConnectionError("Redis is down")

    monkeypatch.setattr(services.redis, "set", down)

    refused = await staff_desk.handle_message(topic_id=open_topic, staff_user_id=STRANGER, text="hi", update_id=60051)

    assert refused is not None and refused.staff_replies and not refused.replies
    assert await _handoff_and_outgoing(shop) == ("waiting", 0)
