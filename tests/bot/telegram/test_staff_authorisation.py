"""Only registered staff act in the staff group, through the real Application and the fake Bot API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.engine import SessionFactory
from storage.models import Customer, Handoff
from tests.bot.telegram.conftest import STAFF_AGENT, STAFF_GROUP_ID, ZH_CUSTOMER, RunningBot

pytestmark = pytest.mark.nlu

STRANGER = 778  # a member of the staff group who was never registered


async def _handoff(shop: SessionFactory) -> Handoff:
    async with shop() as session:
        customer_id = await session.scalar(select(Customer.id).where(Customer.telegram_user_id == ZH_CUSTOMER))
        handoff = await session.scalar(select(Handoff).where(Handoff.customer_id == customer_id))
    assert handoff is not None
    return handoff


async def test_a_stranger_is_refused_once_and_the_agent_answers_under_the_registered_name(
    bot: RunningBot, shop: SessionFactory, agent: str
) -> None:
    await bot.customer(ZH_CUSTOMER, "zh").say("/human")
    await bot.api.wait_for(  # the handoff card is posted once its topic is recorded
        "sendMessage", predicate=lambda call: call.params.get("chat_id") == STAFF_GROUP_ID
    )
    thread_id = (await _handoff(shop)).staff_topic_id
    assert thread_id is not None
    to_customer = len(bot.api.sent_messages(ZH_CUSTOMER))

    for text in ("您好，我来处理", "/close"):
        update = bot.api.group_message(STAFF_GROUP_ID, thread_id, STRANGER, text, first_name="Mallory")
        await bot.api.inject(update)
        await bot.tracker.wait(update["update_id"])

    refusals = [m for m in bot.api.sent_messages(STAFF_GROUP_ID) if "carebot staff add" in m["text"]]
    assert len(refusals) == 1, "refused once, politely, in the topic"
    assert refusals[0].get("message_thread_id") == thread_id and str(STRANGER) in refusals[0]["text"]
    assert len(bot.api.sent_messages(ZH_CUSTOMER)) == to_customer, "nothing reached the customer"
    handoff = await _handoff(shop)
    assert (handoff.status, handoff.accepted_at) == ("waiting", None), "not accepted, not closed"
    assert not bot.api.calls("closeForumTopic")

    answer = "已经帮您催了，明天送到"
    reply = bot.api.group_message(STAFF_GROUP_ID, thread_id, STAFF_AGENT, answer, first_name="莉莉的私人号")
    await bot.api.inject(reply)
    await bot.tracker.wait(reply["update_id"])

    received = bot.api.sent_messages(ZH_CUSTOMER)[to_customer:]
    assert [m["text"] for m in received] == [f"客服 {agent}：{answer}"], "the registered name, not the Telegram one"
    assert (await _handoff(shop)).status == "active"
