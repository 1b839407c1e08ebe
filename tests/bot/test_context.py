"""Conversation context: follow-ups about the product just discussed, feedback thanked once given (one
ticket), a thumbs-up after an answer is only an acknowledgement."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.engine import SessionFactory
from storage.models import Ticket
from tests.bot.conftest import Chat, text_of
from tests.support.fake_nlu import ScriptedNlu


async def _tickets(shop: SessionFactory) -> list[Ticket]:
    async with shop() as session:
        return list((await session.scalars(select(Ticket))).all())


async def test_how_much_is_it_after_a_product(chat: Chat, nlu: ScriptedNlu) -> None:
    nlu.say("do you have the hoodie in XL?", "product_question", product="hoodie")
    await chat.say("do you have the hoodie in XL?")
    price = await chat.say("how much is it?")  # not in the NLU script: answered from the context alone
    assert text_of(price) == "Hoodie costs 239.00 yuan."
    colours = await chat.say("what colours?")
    assert "black, grey, navy" in text_of(colours)


async def test_a_colour_follow_up_in_chinese(chat: Chat, nlu: ScriptedNlu) -> None:
    nlu.say("卫衣多少钱", "product_question", product="卫衣")
    await chat.say("卫衣多少钱")
    black = await chat.say("那黑色的呢")
    assert "有黑色" in text_of(black) and "239.00" in text_of(black)
    red = await chat.say("红色的有吗")
    assert "没有红色" in text_of(red) and "藏青色" in text_of(red)


async def test_stock_follow_up_through_the_nlu(chat: Chat, nlu: ScriptedNlu) -> None:
    nlu.say("保温杯多少钱", "product_question", product="保温杯")
    nlu.say("有货吗", "product_question")
    await chat.say("保温杯多少钱")
    outcome = await chat.say("有货吗")
    assert "保温杯" in text_of(outcome) and "缺货" in text_of(outcome)


async def test_a_new_product_is_not_a_follow_up(chat: Chat, nlu: ScriptedNlu) -> None:
    nlu.say("卫衣多少钱", "product_question", product="卫衣")
    nlu.say("手表多少钱", "product_question", product="手表")
    await chat.say("卫衣多少钱")
    outcome = await chat.say("手表多少钱")
    assert "智能手表" in text_of(outcome)


async def test_without_context_how_much_is_not_guessed(chat: Chat, nlu: ScriptedNlu) -> None:
    outcome = await chat.say("how much is it?")
    assert "Hoodie" not in text_of(outcome)


async def test_feedback_is_asked_for_then_thanked_once(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("我要提建议", "feedback")
    asked = await chat.say("我要提建议")
    assert "谢谢" not in text_of(asked) and "写下" in text_of(asked)
    thanked = await chat.say("希望多上一些茶具")
    assert "谢谢您的反馈" in text_of(thanked)
    [ticket] = await _tickets(shop)
    assert (ticket.category, ticket.description) == ("feedback", "希望多上一些茶具")


async def test_feedback_given_at_once_is_one_ticket(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("Your delivery was really fast, well done", "feedback")
    await chat.say("Your delivery was really fast, well done")
    [ticket] = await _tickets(shop)
    assert ticket.description == "Your delivery was really fast, well done"


async def test_a_thumbs_up_after_a_complaint_is_not_a_complaint_step(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    nlu.say("投诉", "complaint")
    await chat.say("投诉")
    await chat.press("v1:complaint:cat:quality")
    await chat.say("杯子漏水")
    await chat.say("没有")
    await chat.say("确认")
    outcome = await chat.say("👍")
    assert "还有什么可以帮您" in text_of(outcome)
    async with shop() as session:
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 1


async def test_a_question_the_model_is_sure_of_is_not_a_follow_up(chat: Chat, nlu: ScriptedNlu) -> None:
    nlu.say("卫衣多少钱", "product_question", product="卫衣")
    nlu.say("金卡有什么权益", "membership_info")
    await chat.say("卫衣多少钱")
    outcome = await chat.say("金卡有什么权益")  # 金 is also a colour: the model's answer comes first
    assert "金卡会员" in text_of(outcome) and "卫衣" not in text_of(outcome)


async def test_a_price_question_pointing_back_is_a_follow_up_however_sure_the_model_is(
    chat: Chat, nlu: ScriptedNlu
) -> None:
    nlu.say("do you have the hoodie in XL?", "product_question", product="hoodie")
    nlu.say("how much is it?", "faq", faq_topic="faq/shipping_fee")  # sure, and wrong: "it" is the hoodie
    nlu.say("how much is shipping?", "faq", faq_topic="faq/shipping_fee")
    await chat.say("do you have the hoodie in XL?")
    assert text_of(await chat.say("how much is it?")) == "Hoodie costs 239.00 yuan."
    assert "Hoodie" not in text_of(await chat.say("how much is shipping?"))
