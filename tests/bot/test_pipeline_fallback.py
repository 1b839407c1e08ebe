"""The "did you mean" fallback answers the words that were meant; staff replies reach the customer rightly."""

from __future__ import annotations

from sqlalchemy import select

from bot.pipeline import Pipeline
from bot.staff import StaffDesk
from storage.engine import SessionFactory
from storage.models import Handoff, MessageLog, Ticket
from tests.bot.conftest import AGENT, Chat, customer_of, text_of
from tests.support.fake_nlu import ScriptedNlu


async def test_did_you_mean_product_answers_the_product_asked_about(chat: Chat, nlu: ScriptedNlu) -> None:
    nlu.ranking_for_unknown = ("product_question", "order_status")
    await chat.say("smart watch how much ah")
    outcome = await chat.press("v1:intent:product_question")
    assert "1299.00" in text_of(outcome)


async def test_did_you_mean_feedback_stores_the_words(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.ranking_for_unknown = ("feedback", "complaint")
    await chat.say("your packaging could use less plastic")
    await chat.press("v1:intent:feedback")
    async with shop() as session:
        ticket = await session.scalar(select(Ticket))
        logged = (await session.scalars(select(MessageLog.text).where(MessageLog.direction == "in"))).all()
    assert ticket is not None and ticket.description == "your packaging could use less plastic"
    assert logged == ["your packaging could use less plastic", "v1:intent:feedback"]


async def test_offered_human_sees_the_reason(chat: Chat, shop: SessionFactory) -> None:
    await chat.say("qwerty")
    await chat.say("my parcel went to the neighbours twice")
    outcome = await chat.press("v1:menu:request_human")
    assert [notice.kind for notice in outcome.staff_notices] == ["handoff"]
    async with shop() as session:
        assert await session.scalar(select(Handoff.reason)) == "my parcel went to the neighbours twice"


async def test_a_chosen_intent_resets_the_fallback_count(chat: Chat, nlu: ScriptedNlu) -> None:
    await chat.say("qwerty")
    await chat.press("v1:intent:check_points")
    await chat.say("asdfgh")  # a first fallback again: did-you-mean, not yet a person
    assert chat.buttons[0].data == "v1:intent:check_points"


async def test_staff_replies_in_the_conversation_language_and_commands_stay_in_the_group(
    chat: Chat, pipeline: Pipeline, shop: SessionFactory, staff_desk: StaffDesk
) -> None:
    await chat.say("I need a human please")  # English conversation, Chinese Telegram client
    await chat.command("human")
    customer = await customer_of(shop, 42)
    await staff_desk.set_topic(customer_id=customer.id, topic_id=700)
    relayed = await staff_desk.handle_message(
        topic_id=700, staff_user_id=AGENT, text="Hi, checking now", update_id=95001
    )
    assert relayed is not None and relayed.replies[0].text == "Amy (staff): Hi, checking now"
    for number, text in ((95002, "/note vip customer"), (95003, "")):
        kept = await staff_desk.handle_message(topic_id=700, staff_user_id=AGENT, text=text, update_id=number)
        assert kept is not None and kept.customer_chat_id is None and not kept.replies and kept.staff_replies
