"""An erased customer's staff topics are deleted: at once after /deleteme in the chat, and at the bot's next
start after an erasure from the command line (through the real Application and the fake Bot API; the NLU
server is down, so only commands and buttons are used)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from actions.customers import find_or_create_by_telegram
from actions.handoff import request_handoff, set_topic
from actions.privacy import erase_customer
from storage.engine import SessionFactory
from storage.models import Handoff
from tests.bot.telegram.conftest import STAFF_GROUP_ID, ZH_CUSTOMER, RunningBot
from tests.support.fake_bot_api import FakeBotApi
from tests.support.fake_bot_api.state import ForumTopic

RELAYED = "我家住秘密路8号"


async def test_deleteme_during_a_handoff_deletes_the_customers_topic(
    start_bot: Callable[[str], Any], stopped_nlu_url: str, shop: SessionFactory
) -> None:
    async with start_bot(stopped_nlu_url) as bot:
        running: RunningBot = bot
        customer = running.customer(ZH_CUSTOMER, "zh")
        await customer.say("/human")
        await running.api.wait_for("sendMessage", predicate=lambda call: call.params.get("chat_id") == STAFF_GROUP_ID)
        thread_id = (await _only_handoff(shop)).staff_topic_id  # the demo shop has no other
        assert thread_id is not None and (STAFF_GROUP_ID, thread_id) in running.api.state.topics
        await customer.say(RELAYED)
        await running.api.wait_for("sendMessage", predicate=lambda call: call.params.get("text") == RELAYED)

        asked = await customer.say("/deleteme")  # during the handoff: the bot answers, nothing is relayed
        assert asked and not [m for m in running.api.sent_messages(STAFF_GROUP_ID) if m["text"] == "/deleteme"]
        await customer.press("v1:erase:confirm")
        # Staff are told in the group's general thread, once the topic is deleted and forgotten.
        await running.api.wait_for(
            "sendMessage",
            predicate=lambda call: (
                call.params.get("chat_id") == STAFF_GROUP_ID and not call.params.get("message_thread_id")
            ),
        )

        assert [call.params["message_thread_id"] for call in running.api.calls("deleteForumTopic")] == [thread_id]
        assert (STAFF_GROUP_ID, thread_id) not in running.api.state.topics
        in_group = [m for (chat, _), m in running.api.state.messages.items() if chat == STAFF_GROUP_ID]
        assert not [m for m in in_group if RELAYED in str(m.get("text"))], "the relayed message went with the topic"
        handoff = await _only_handoff(shop)
        assert (handoff.status, handoff.reason, handoff.staff_topic_id) == ("closed", "", None)


async def test_topics_of_customers_erased_from_the_command_line_are_deleted_at_start(
    start_bot: Callable[[str], Any], stopped_nlu_url: str, shop: SessionFactory, fake_bot_api: FakeBotApi
) -> None:
    now = datetime.now(UTC)
    async with shop() as session, session.begin():
        customer, _ = await find_or_create_by_telegram(
            session=session, telegram_user_id=5550001, chat_id=5550001, name="赵六", username=None,
            language_code="zh", now=now,
        )  # fmt: skip
        await request_handoff(session=session, customer_id=customer.id, reason="找人工", now=now)
        await set_topic(session=session, customer_id=customer.id, topic_id=4242)
        erasure = await erase_customer(session=session, customer_id=customer.id, actor="cli:test", now=now)
        assert erasure is not None and erasure.staff_topics == 1
    fake_bot_api.state.topics[(STAFF_GROUP_ID, 4242)] = ForumTopic(4242, "赵六 #1")

    async with start_bot(stopped_nlu_url) as bot:
        running: RunningBot = bot
        await running.api.wait_for("deleteForumTopic")
        assert (STAFF_GROUP_ID, 4242) not in running.api.state.topics
    async with shop() as session:
        assert await session.scalar(select(Handoff.staff_topic_id)) is None


async def _only_handoff(shop: SessionFactory) -> Handoff:
    async with shop() as session:
        handoff: Handoff | None = await session.scalar(select(Handoff))
    assert handoff is not None
    return handoff
