"""Flows through the pipeline: complaint, redeem, profile, rating, language; stale and forged buttons."""

from __future__ import annotations

from datetime import date

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select, update

from actions import points
from actions.rules import LoyaltyRules
from bot.flows.rating import parse_rating, rating_request
from bot.pipeline import Pipeline
from bot.staff import StaffDesk
from storage.engine import SessionFactory
from storage.models import Customer, Handoff, Redemption, Ticket
from tests.bot.conftest import AGENT, NOW, Chat, customer_of, give_points, text_of
from tests.support.fake_nlu import ScriptedNlu


async def _start(chat: Chat, nlu: ScriptedNlu) -> None:
    nlu.say("hi", "greet")
    await chat.say("hi")


async def _count(shop: SessionFactory, model: type[Ticket] | type[Redemption]) -> int:
    async with shop() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _tickets(shop: SessionFactory) -> list[Ticket]:
    async with shop() as session:
        return list((await session.scalars(select(Ticket))).all())


# Complaint -------------------------------------------------------------------------------------


async def test_complaint_text_at_the_category_step_is_kept(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("I want to complain", "complaint")
    await chat.say("I want to complain")
    await chat.say("The parcel was left in the rain")  # typed instead of tapping a category
    outcome = await chat.say("no order")
    assert "Please check your complaint" in text_of(outcome)
    await chat.press("v1:complaint:confirm")
    [ticket] = await _tickets(shop)
    assert (ticket.category, ticket.description, ticket.order_ref) == ("other", "The parcel was left in the rain", None)


async def test_complaint_order_number_is_checked(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("投诉", "complaint")
    await chat.say("投诉")
    await chat.press("v1:complaint:cat:delivery")
    await chat.say("快递一周没到")
    again = await chat.say("2")  # not an order number: asked again, with the skip button
    assert "不像订单号" in text_of(again) and chat.buttons[0].data == "v1:complaint:skip"
    confirm = await chat.say("#A20261101")
    assert "A20261101" in text_of(confirm)
    created = await chat.say("好的")
    [ticket] = await _tickets(shop)
    assert (ticket.category, ticket.order_ref, ticket.priority) == ("delivery", "A20261101", 3)
    assert f"#{ticket.id}" in text_of(created) and "2026-11-23 22:00" in text_of(created)  # 14:00 + 8 hours


async def test_vip_complaint_gets_a_shorter_promise(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    await _start(chat, nlu)
    async with shop() as session, session.begin():
        await session.execute(update(Customer).where(Customer.telegram_user_id == 42).values(tier_code="gold"))
    nlu.say("投诉", "complaint")
    await chat.say("投诉")
    await chat.press("v1:complaint:cat:quality")
    await chat.say("屏幕坏了 SO-20261101-007")  # the order number in the description skips the question
    created = await chat.press("v1:complaint:confirm")
    [ticket] = await _tickets(shop)
    assert (ticket.priority, ticket.order_ref) == (1, "SO-20261101-007")
    assert "2026-11-23 16:00 前" in text_of(created)  # 14:00 + 2 hours for priority service


async def test_deny_at_confirmation_is_understood_through_the_nlu(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    nlu.say("complaint please", "complaint")
    nlu.say("hmm actually let's forget it", "deny")
    await chat.say("complaint please")
    await chat.press("v1:complaint:cat:service")
    await chat.say("rude on the phone")
    await chat.press("v1:complaint:skip")
    outcome = await chat.say("hmm actually let's forget it")
    assert "Cancelled" in text_of(outcome)
    assert await _count(shop, Ticket) == 0


async def test_complaint_buttons_out_of_turn_change_nothing(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    stale = await chat.send("callback", callback_data="v1:complaint:confirm")  # no flow at all
    assert "expired" in text_of(stale) or "过期" in text_of(stale)
    nlu.say("投诉", "complaint")
    await chat.say("投诉")
    early = await chat.send("callback", callback_data="v1:complaint:confirm")  # confirm before any details
    assert "过期" in text_of(early)
    await chat.send("callback", callback_data="v1:complaint:cat:bogus")
    assert await _count(shop, Ticket) == 0


async def test_double_confirm_creates_one_ticket(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("投诉", "complaint")
    await chat.say("投诉")
    await chat.press("v1:complaint:cat:quality")
    await chat.say("漏水 SO-20261101-007")
    confirm = chat.buttons[0].data
    await chat.send("callback", callback_data=confirm)
    await chat.send("callback", callback_data=confirm)  # a double tap
    assert await _count(shop, Ticket) == 1


# Redeem ----------------------------------------------------------------------------------------


async def test_forged_reward_choice_redeems_nothing(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    await _start(chat, nlu)
    await give_points(shop, 42, 250)
    nlu.say("兑换", "redeem_points")
    await chat.say("兑换")
    outcome = await chat.send("callback", callback_data="v1:redeem:pick:99999")
    assert "兑换不了" in text_of(outcome)
    assert await _count(shop, Redemption) == 0
    assert (await customer_of(shop, 42)).points_balance == 250


async def test_balance_is_checked_again_at_confirmation(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    await _start(chat, nlu)
    await give_points(shop, 42, 200)
    nlu.say("redeem", "redeem_points")
    await chat.say("redeem")
    await chat.press("v1:redeem:pick")
    customer = await customer_of(shop, 42)
    async with shop() as session, session.begin():  # spent elsewhere meanwhile
        await points.adjust(
            session=session,
            customer_id=customer.id,
            points=-150,
            reason_note="test: spent elsewhere",
            actor="staff:test",
            rules=LoyaltyRules(),
            now=NOW,
        )
    outcome = await chat.say("yes")
    assert "nothing was deducted" in text_of(outcome)
    assert await _count(shop, Redemption) == 0
    assert (await customer_of(shop, 42)).points_balance == 50


async def test_confirm_pressed_twice_redeems_once(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    await _start(chat, nlu)
    await give_points(shop, 42, 1000)
    nlu.say("redeem", "redeem_points")
    await chat.say("redeem")
    await chat.press("v1:redeem:pick")
    confirm = chat.buttons[0].data
    done = await chat.send("callback", callback_data=confirm)
    assert "code" in text_of(done)
    await chat.send("callback", callback_data=confirm)
    assert await _count(shop, Redemption) == 1


# Profile ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("1990年3月5日", date(1990, 3, 5)), ("March 5 1990", date(1990, 3, 5)), ("1990-03-05", date(1990, 3, 5))],
)
async def test_birthday_forms(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory, typed: str, expected: date) -> None:
    nlu.say("update my profile", "update_profile")
    await chat.say("update my profile")
    await chat.press("v1:profile:field:birthday")
    saved = await chat.say(typed)
    assert (await customer_of(shop, 42)).birthday == expected
    assert expected.isoformat() in text_of(saved)


async def test_impossible_birthday_is_asked_again(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("改生日", "update_profile")
    await chat.say("改生日")  # the field is named: its question straight away
    outcome = await chat.say("2月30日")
    assert (await customer_of(shop, 42)).birthday is None
    assert "没能识别" in text_of(outcome)
    await chat.say("3月5号")
    assert (await customer_of(shop, 42)).birthday is not None


async def test_phone_is_validated_and_normalised(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("change my phone", "update_profile")
    await chat.say("change my phone")
    bad = await chat.say("call me maybe")
    assert "doesn't look like a valid phone number" in text_of(bad)
    assert (await customer_of(shop, 42)).phone is None
    await chat.say("+86 138-0013-8000")
    assert (await customer_of(shop, 42)).phone == "+8613800138000"


# Language --------------------------------------------------------------------------------------


async def test_saved_language_answers_messages_without_script(chat: Chat, shop: SessionFactory) -> None:
    await chat.command("language")
    await chat.press("v1:lang:en")
    sticker = await chat.send("sticker")
    assert sticker.language == "en" and "sticker" in text_of(sticker)
    forged = await chat.send("callback", callback_data="v1:lang:fr")
    assert (await customer_of(shop, 42)).language == "en" and forged.replies


# Rating ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "score"),
    [
        ("5", 5),
        ("五星", 5),
        ("给4分", 4),
        ("3 stars", 3),
        ("⭐⭐", 2),
        ("1/5", 1),
        ("6", None),
        ("很好", None),
        ("", None),
    ],
)
def test_typed_ratings(typed: str, score: int | None) -> None:
    assert parse_rating(typed) == score


async def _closed_handoff(chat: Chat, staff_desk: StaffDesk, shop: SessionFactory) -> None:
    await chat.command("human")
    customer = await customer_of(shop, 42)
    await staff_desk.set_topic(customer_id=customer.id, topic_id=501)
    closed = await staff_desk.handle_message(topic_id=501, staff_user_id=AGENT, text="/close", update_id=70001)
    assert closed is not None and closed.closed and closed.customer_chat_id == 42


async def test_typed_rating_after_a_staff_chat(
    chat: Chat, staff_desk: StaffDesk, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    await _closed_handoff(chat, staff_desk, shop)
    outcome = await chat.say("五星")
    assert "感谢" in text_of(outcome) and nlu.parsed == []
    async with shop() as session:
        assert await session.scalar(select(Handoff.rating)) == 5


async def test_other_text_after_the_rating_question_is_understood(
    chat: Chat, staff_desk: StaffDesk, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    await _closed_handoff(chat, staff_desk, shop)
    nlu.say("我的积分", "check_points")
    outcome = await chat.say("我的积分")
    assert "积分余额" in text_of(outcome)
    async with shop() as session:
        assert await session.scalar(select(Handoff.rating)) is None


async def test_forged_rating_buttons_change_nothing(chat: Chat, pipeline: Pipeline, shop: SessionFactory) -> None:
    await chat.command("human")  # still open: not ratable yet
    customer = await customer_of(shop, 42)
    async with shop() as session:
        handoff_id = await session.scalar(select(Handoff.id))
    for data in (f"v1:rate:handoff:{handoff_id}:5", f"v1:rate:handoff:{handoff_id}:9", "v1:rate:ticket:12345:5"):
        outcome = await chat.send("callback", callback_data=data)
        assert outcome.replies  # a polite refusal (buttons are answered even while staff have the chat)
    async with shop() as session:
        assert await session.scalar(select(Handoff.rating)) is None
        assert (await session.get(Customer, customer.id)) is not None


async def test_flow_state_expires_after_inactivity(chat: Chat, nlu: ScriptedNlu, redis: Redis) -> None:
    nlu.say("投诉", "complaint")
    await chat.say("投诉")
    ttl = await redis.ttl("carebot:dialogue:42")
    assert 0 < ttl <= 600


async def test_cancel_while_waiting_for_staff_goes_back_to_the_bot(
    chat: Chat, pipeline: Pipeline, nlu: ScriptedNlu, shop: SessionFactory, staff_desk: StaffDesk
) -> None:
    await chat.command("human")
    customer = await customer_of(shop, 42)
    await staff_desk.set_topic(customer_id=customer.id, topic_id=601)
    left = await chat.say("取消")
    assert "结束人工转接" in text_of(left) and chat.buttons
    assert [(n.kind, n.topic_id) for n in left.staff_notices] == [("relay", 601)]
    async with shop() as session:
        assert await session.scalar(select(Handoff.status)) == "closed"
    nlu.say("我的积分", "check_points")
    assert "积分余额" in text_of(await chat.say("我的积分"))  # the bot answers again


async def test_once_staff_answer_only_the_cancel_command_ends_the_chat(
    chat: Chat, pipeline: Pipeline, shop: SessionFactory, staff_desk: StaffDesk
) -> None:
    await chat.command("human")
    customer = await customer_of(shop, 42)
    await staff_desk.set_topic(customer_id=customer.id, topic_id=602)
    await staff_desk.handle_message(topic_id=602, staff_user_id=AGENT, text="您好", update_id=90001)
    relayed = await chat.say("取消")  # meant for the staff member ("cancel my order")
    assert not relayed.replies and relayed.staff_notices[0].text == "取消"
    left = await chat.command("cancel")
    assert left.replies
    async with shop() as session:
        assert await session.scalar(select(Handoff.status)) == "closed"


async def test_cancel_command_leaves_a_flow(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("投诉", "complaint")
    await chat.say("投诉")
    outcome = await chat.command("cancel")
    assert "已取消" in text_of(outcome)
    nlu.say("杯子坏了", "complaint")
    await chat.say("杯子坏了")  # understood afresh, not taken as the complaint's description
    assert await _count(shop, Ticket) == 0 and chat.buttons[0].data == "v1:complaint:cat:quality"


async def test_switch_language_in_words(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("请用英文回复我", "update_profile", language="en")
    outcome = await chat.say("请用英文回复我")
    assert outcome.language == "en" and "English" in text_of(outcome)
    assert (await customer_of(shop, 42)).language == "en"
    nlu.say("change language", "update_profile")
    await chat.say("change language")
    assert [button.data for button in chat.buttons] == ["v1:lang:zh", "v1:lang:en"]


async def test_profile_field_can_be_typed(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("修改资料", "update_profile")
    await chat.say("修改资料")
    asked = await chat.say("手机号")
    assert "手机号" in text_of(asked) or "电话" in text_of(asked)
    await chat.say("13800138000")
    assert (await customer_of(shop, 42)).phone == "+8613800138000"  # read in CN: the customer writes Chinese


async def test_a_resolved_ticket_can_be_rated_from_a_sent_question(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    await _start(chat, nlu)
    customer = await customer_of(shop, 42)
    async with shop() as session, session.begin():
        ticket = Ticket(
            customer_id=customer.id,
            category="quality",
            description="x",
            sla_due_at=NOW,
            status="resolved",
            created_at=NOW,
        )
        session.add(ticket)
    question = rating_request("en", kind="ticket", target_id=ticket.id)  # what a worker would send
    chat.buttons = [button for row in question.buttons for button in row]
    assert question.text.startswith("How would you rate")
    thanks = await chat.press(f"v1:rate:ticket:{ticket.id}:4")
    assert thanks.replies
    async with shop() as session:
        assert await session.scalar(select(Ticket.rating)) == 4
