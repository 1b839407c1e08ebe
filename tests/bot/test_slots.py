"""Typed answers where buttons are offered: "don't know" forms for the order number, order numbers anywhere
(and the customer's own orders as buttons), dates in zh and en, "上面说了" pointing back, and no question a
third time."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from actions.orders import record_order
from actions.rules import LoyaltyRules
from bot.patterns import find_order_id
from bot.slots import is_already_said, is_no_answer
from storage.engine import SessionFactory
from storage.models import Ticket
from tests.bot.conftest import NOW, Chat, customer_of, text_of
from tests.support.fake_nlu import ScriptedNlu


@pytest.mark.parametrize(
    "text",
    [
        "I don't remember", "I lost it", "找不到了", "记不清了", "不记得了", "我不记得了", "don't have it",
        "I don’t have one", "skip", "Sorry, I forgot", "no idea", "没有", "不知道", "忘了", "弄丢了", "跳过",
        "no order number", "想不起来了",
    ],
)  # fmt: skip
def test_no_answer_forms(text: str) -> None:
    assert is_no_answer(text)


@pytest.mark.parametrize("text", ["SO-20261101-007", "坏了", "the screen is black", "是的", "A20261101"])
def test_answers_are_not_no_answers(text: str) -> None:
    assert not is_no_answer(text)


def test_already_said_forms() -> None:
    assert all(is_already_said(t) for t in ("上面说了啊", "我刚才说了", "I already told you", "see above"))
    assert not is_already_said("屏幕碎了，刚买的")


@pytest.mark.parametrize(
    "text",
    ["订单号是SO-20261101-007，黑屏", "so-20261101-007", "SO 20261101 007 please", "ＳＯ－２０２６１１０１－００７"],
)
def test_order_numbers_anywhere_in_any_form(text: str) -> None:
    assert find_order_id(text) == "SO-20261101-007"


async def _tickets(shop: SessionFactory) -> list[Ticket]:
    async with shop() as session:
        return list((await session.scalars(select(Ticket))).all())


async def _order_for(shop: SessionFactory, user_id: int, order_id: str, days_ago: int) -> None:
    customer = await customer_of(shop, user_id)
    async with shop() as session, session.begin():
        await record_order(
            session=session, rules=LoyaltyRules(), source="shop", order_id=order_id, customer_id=customer.id,
            amount=Decimal("239.00"), currency="CNY", ordered_at=NOW - timedelta(days=days_ago), status="paid",
            now=NOW,
        )  # fmt: skip


async def _at_order_step(chat: Chat, nlu: ScriptedNlu) -> None:
    nlu.say("投诉", "complaint")
    await chat.say("投诉")
    await chat.press("v1:complaint:cat:quality")
    await chat.say("保温杯盖子漏水")


@pytest.mark.parametrize("typed", ["I don't remember", "I lost it", "找不到了", "记不清了", "不记得了"])
async def test_no_order_number_in_words(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory, typed: str) -> None:
    await _at_order_step(chat, nlu)
    confirm = await chat.say(typed)  # an English answer switches the replies to English
    assert "订单：—" in text_of(confirm) or "Order: —" in text_of(confirm)
    await chat.say("确认")
    [ticket] = await _tickets(shop)
    assert (ticket.description, ticket.order_ref) == ("保温杯盖子漏水", None)


async def test_own_recent_orders_are_offered_as_buttons(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("hi", "greet")
    await chat.say("hi")
    await _order_for(shop, 42, "SO-20261101-007", days_ago=20)
    await _order_for(shop, 42, "SO-20261115-012", days_ago=8)
    await _at_order_step(chat, nlu)
    assert [b.data for b in chat.buttons] == [
        "v1:complaint:skip",
        "v1:complaint:order:SO-20261115-012",
        "v1:complaint:order:SO-20261101-007",
    ]
    assert "SO-20261115-012（2026-11-15，239.00 元）" in [b.label for b in chat.buttons]
    await chat.press("v1:complaint:order:SO-20261115-012")
    await chat.press("v1:complaint:confirm")
    [ticket] = await _tickets(shop)
    assert ticket.order_ref == "SO-20261115-012"


async def test_someone_elses_order_button_is_refused(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    other = Chat(chat.pipeline, user_id=43)
    nlu.say("hi", "greet")
    await other.say("hi")
    await _order_for(shop, 43, "SO-20261101-099", days_ago=3)
    await _at_order_step(chat, nlu)
    forged = await chat.send("callback", callback_data="v1:complaint:order:SO-20261101-099")
    assert "过期" in text_of(forged)
    assert await _tickets(shop) == []


async def test_an_order_number_anywhere_in_the_answer(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    await _at_order_step(chat, nlu)
    confirm = await chat.say("订单号应该是 so 20261101 007 吧")
    assert "SO-20261101-007" in text_of(confirm)


async def test_an_order_number_at_the_description_step_is_not_the_description(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    nlu.say("投诉", "complaint")
    await chat.say("投诉")
    await chat.press("v1:complaint:cat:quality")
    kept = await chat.say("SO-20261101-007")
    assert "SO-20261101-007 已记下" in text_of(kept)
    confirm = await chat.say("屏幕一直黑屏")  # the order is known: straight to the confirmation
    assert "描述：屏幕一直黑屏" in text_of(confirm) and "订单：SO-20261101-007" in text_of(confirm)


async def test_said_above_points_back_to_the_first_message(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    first = "我要投诉，买的保温杯用了两天就漏水了，水把包都弄湿了"
    nlu.say(first, "complaint")
    await chat.say(first)
    after_category = await chat.press("v1:complaint:cat:quality")
    assert "请详细描述" not in text_of(after_category)  # not asked again for what was said
    await chat.say("上面说了啊")  # at the order step now: not an order number, not a description
    await chat.say("没有订单号")
    await chat.say("确认")
    [ticket] = await _tickets(shop)
    assert ticket.description == first


async def test_said_above_with_nothing_said_is_never_the_ticket(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    nlu.say("我要投诉", "complaint")
    await chat.say("我要投诉")
    await chat.press("v1:complaint:cat:delivery")
    asked = await chat.say("上面说了啊")
    assert "再说一下" in text_of(asked)
    await chat.say("快递一周都没到")
    await chat.say("不记得了")
    await chat.say("好的")
    [ticket] = await _tickets(shop)
    assert ticket.description == "快递一周都没到"


async def test_a_category_typed_instead_of_tapped(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("I want to complain", "complaint")
    await chat.say("I want to complain")
    asked = await chat.say("delivery")
    assert "describe" in text_of(asked)
    await chat.say("The parcel came two weeks late")
    await chat.say("skip")
    await chat.say("yes")
    [ticket] = await _tickets(shop)
    assert (ticket.category, ticket.description) == ("delivery", "The parcel came two weeks late")


async def test_never_the_same_question_a_third_time(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    await _at_order_step(chat, nlu)
    second = await chat.say("2")
    assert "不像订单号" in text_of(second)
    third = await chat.say("???")
    assert "不像订单号" not in text_of(third) and "转人工" in text_of(third)
    assert {"v1:menu:request_human", "v1:flow:cancel", "v1:complaint:skip"} <= {b.data for b in chat.buttons}
    await chat.press("v1:complaint:skip")  # the way on still works
    await chat.say("确认")
    assert len(await _tickets(shop)) == 1


async def test_unclear_confirmation_is_not_asked_a_third_time(chat: Chat, nlu: ScriptedNlu) -> None:
    await _at_order_step(chat, nlu)
    await chat.say("没有")
    await chat.say("等一下")
    third = await chat.say("什么意思")
    assert "转人工" in text_of(third)
    assert {"v1:menu:request_human", "v1:flow:cancel", "v1:complaint:confirm"} <= {b.data for b in chat.buttons}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1990年3月5日", date(1990, 3, 5)),
        ("5 March 1990", date(1990, 3, 5)),
        ("1990-03-05", date(1990, 3, 5)),
        ("一九九〇年三月五日", date(1990, 3, 5)),
    ],
)
async def test_a_birthday_typed_after_naming_the_field(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory, typed: str, expected: date
) -> None:
    nlu.say("我想改生日", "update_profile")
    asked = await chat.say("我想改生日")
    assert "生日" in text_of(asked) and "请点按钮" not in text_of(asked)
    await chat.say(typed)
    assert (await customer_of(shop, 42)).birthday == expected


async def test_a_value_typed_where_the_field_buttons_were(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("update my details", "update_profile")
    await chat.say("update my details")
    saved = await chat.say("1990年3月5日")
    assert "1990-03-05" in text_of(saved)
    await chat.say("update my details")
    await chat.say("+86 138-0013-8000")
    customer = await customer_of(shop, 42)
    assert (customer.birthday, customer.phone) == (date(1990, 3, 5), "+8613800138000")


async def test_a_bad_birthday_is_not_asked_a_third_time(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("我想改生日", "update_profile")
    await chat.say("我想改生日")
    await chat.say("不告诉你")
    third = await chat.say("随便吧")
    assert "转人工" in text_of(third)
    assert (await customer_of(shop, 42)).birthday is None


async def test_traditional_characters_reach_the_model_simplified(chat: Chat, nlu: ScriptedNlu) -> None:
    nlu.say("我要投诉", "complaint")
    outcome = await chat.say("我要投訴")
    assert "哪方面的问题" in text_of(outcome) and nlu.parsed == ["我要投诉"]
    typed = await chat.say("質量問題")  # a category typed in traditional characters
    assert "请详细描述" in text_of(typed)


@pytest.mark.parametrize("typed", ["我不記得訂單號了", "忘了单号", "找不到订单号啊"])
async def test_no_order_number_with_the_object_named(chat: Chat, nlu: ScriptedNlu, typed: str) -> None:
    await _at_order_step(chat, nlu)
    confirm = await chat.say(typed)
    assert "订单：—" in text_of(confirm)


async def test_a_question_at_the_order_step_is_answered_and_the_question_stays(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    await _at_order_step(chat, nlu)
    nlu.say("我积分还有多少", "check_points")
    aside = await chat.say("我积分还有多少")
    assert "积分余额是 0 分" in text_of(aside) and "请提供相关的订单号" in text_of(aside)
    again = await chat.say("嗯？？")  # the aside was not a miss: this is the first, asked once more
    assert "不像订单号" in text_of(again)
    await chat.say("没有")
    await chat.say("确认")
    [ticket] = await _tickets(shop)
    assert ticket.description == "保温杯盖子漏水"


async def test_asking_to_complain_is_not_the_description(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("i wnat to complain", "complaint")
    await chat.say("i wnat to complain")
    asked = await chat.press("v1:complaint:cat:quality")
    assert "describe" in text_of(asked)
    again = await chat.say("I want to complain please")  # still nothing about the problem: asked again
    assert "describe" in text_of(again)
    await chat.say("the earbuds right side is dead")
    await chat.say("skip")
    await chat.say("yes")
    [ticket] = await _tickets(shop)
    assert ticket.description == "the earbuds right side is dead"


async def test_a_short_problem_in_the_first_message_is_the_description(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    nlu.say("我要投诉，耳机坏了", "complaint")
    await chat.say("我要投诉，耳机坏了")
    asked = await chat.press("v1:complaint:cat:quality")
    assert "订单号" in text_of(asked) and "请详细描述" not in text_of(asked)


async def test_a_typed_category_that_also_says_the_problem(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("我要投诉", "complaint")
    await chat.say("我要投诉")
    asked = await chat.say("快递太慢了")
    assert "订单号" in text_of(asked)  # category delivery, and that was the description
    await chat.say("没有")
    await chat.say("确认")
    [ticket] = await _tickets(shop)
    assert (ticket.category, ticket.description) == ("delivery", "快递太慢了")
    nlu.say("I want to complain", "complaint")
    await chat.say("I want to complain")
    only_category = await chat.say("wrong item")
    assert "describe" in text_of(only_category)


async def test_a_new_request_at_the_confirmation_is_taken_up(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    await _at_order_step(chat, nlu)
    await chat.say("没有")  # at the confirmation now
    nlu.say("我想改生日", "update_profile")
    switched = await chat.say("我想改生日")
    assert "刚才的投诉先放下了" in text_of(switched) and "生日" in text_of(switched)
    await chat.say("1990年3月5日")
    assert (await customer_of(shop, 42)).birthday == date(1990, 3, 5)
    assert await _tickets(shop) == []  # nothing half-done was submitted


async def test_the_order_just_looked_at_is_this_order(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("hi", "greet")
    await chat.say("hi")
    await _order_for(shop, 42, "SO-20261115-012", days_ago=8)
    nlu.say("帮我查下订单SO-20261115-012", "order_status", order_id="SO-20261115-012")
    await chat.say("帮我查下订单SO-20261115-012")
    nlu.say("这个订单我要投诉", "complaint")
    await chat.say("这个订单我要投诉")
    asked = await chat.press("v1:complaint:cat:quality")
    assert "请详细描述" in text_of(asked)  # "这个订单我要投诉" is not a description
    confirm = await chat.say("表带断了")
    assert "订单：SO-20261115-012" in text_of(confirm)


async def test_said_above_at_the_order_step_is_the_order_looked_at(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    nlu.say("hi", "greet")
    await chat.say("hi")
    await _order_for(shop, 42, "SO-20261115-012", days_ago=8)
    nlu.say("where is SO-20261115-012", "order_status", order_id="SO-20261115-012")
    await chat.say("where is SO-20261115-012")
    await _at_order_step(chat, nlu)
    confirm = await chat.say("I told you above")
    assert "SO-20261115-012" in text_of(confirm)
