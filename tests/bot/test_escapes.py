"""Ways out of every flow: a person, cancel, erasure, no promotions, typed or as commands, in zh and en;
an insult inside a flow is never stored as an answer and a person is offered."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.escapes import escape_of
from storage.engine import SessionFactory
from storage.models import Customer, Handoff, Ticket
from tests.bot.conftest import Chat, customer_of, give_points, text_of
from tests.support.fake_nlu import ScriptedNlu


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我要找你们经理", "human"),
        ("转人工", "human"),
        ("轉人工！", "human"),  # traditional
        ("找你們經理", "human"),
        ("人工客服", "human"),
        ("我要真人", "human"),
        ("talk to a person", "human"),
        ("Can I speak to a real person please?", "human"),
        ("get me a manager", "human"),
        ("HUMAN", "human"),
        ("agent please", "human"),
        ("取消", "cancel"),
        ("算了吧。", "cancel"),
        ("不投诉了", "cancel"),
        ("never mind", "cancel"),
        ("Forget it!", "cancel"),
        ("please delete my data", "erase"),
        ("注销账号", "erase"),
        ("註銷帳號", "erase"),
        ("删除我的个人资料", "erase"),
        ("close my account", "erase"),
        ("stop promotions", "unsubscribe"),
        ("unsubscribe", "unsubscribe"),
        ("别再给我发广告了", "unsubscribe"),
        ("退订", "unsubscribe"),
        ("stop sending me offers", "unsubscribe"),
        ("傻逼", "abuse"),
        ("你们这群骗子！", "abuse"),
        ("垃圾客服", "abuse"),
        ("what a load of bullshit", "abuse"),
        ("you idiots", "abuse"),
        ("useless!!", "abuse"),
        ("this is useless!!", "abuse"),
    ],
)
def test_escapes_in_many_forms(text: str, expected: str) -> None:
    assert escape_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "客服态度太差了，说话很冲",  # a complaint about service, not a request for a person
        "不要再发错货了",  # not an opt-out
        "质量太垃圾了，用了两天就坏了，屏幕一直闪",  # a rude word inside a real description
        "The agent was rude to me on the phone yesterday",
        "the zip broke after one wash",
        "the zip is useless after a week",
        "SO-20261101-007",
        "1990年3月5日",
        "是的",
        "I don't remember",
        "stop by the store",
    ],
)
def test_answers_are_not_escapes(text: str) -> None:
    assert escape_of(text) is None


async def _count(shop: SessionFactory, model: type[Ticket] | type[Handoff]) -> int:
    async with shop() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _complaint_at(chat: Chat, nlu: ScriptedNlu, step: str) -> None:
    nlu.say("我要投诉", "complaint")
    await chat.say("我要投诉")
    if step == "category":
        return
    await chat.press("v1:complaint:cat:quality")
    if step == "description":
        return
    await chat.say("保温杯漏水")
    if step == "order":
        return
    await chat.press("v1:complaint:skip")


@pytest.mark.parametrize("step", ["category", "description", "order", "confirm"])
@pytest.mark.parametrize("asked", ["我要找你们经理", "转人工", "talk to a person"])
async def test_a_person_at_every_complaint_step(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory, step: str, asked: str
) -> None:
    await _complaint_at(chat, nlu, step)
    outcome = await chat.say(asked)
    assert [notice.kind for notice in outcome.staff_notices] == ["handoff"]
    assert "转接人工" in text_of(outcome) or "putting you through" in text_of(outcome)
    assert await _count(shop, Handoff) == 1
    assert await _count(shop, Ticket) == 0  # the words were not taken as the complaint


async def test_the_human_command_inside_a_flow_ends_it(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    await _complaint_at(chat, nlu, "order")
    await chat.command("human")
    await chat.command("cancel")  # leaves the waiting handoff
    outcome = await chat.say("SO-20261101-007")  # the complaint is gone: not taken as its order number
    assert "请确认投诉内容" not in text_of(outcome)
    assert await _count(shop, Ticket) == 0


@pytest.mark.parametrize("step", ["category", "description", "order", "confirm"])
async def test_an_insult_is_not_an_answer_and_a_person_is_offered(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory, step: str
) -> None:
    await _complaint_at(chat, nlu, step)
    outcome = await chat.say("你们这群骗子！")
    assert "转人工" in text_of(outcome)
    assert [button.data for button in chat.buttons] == ["v1:menu:request_human", "v1:flow:cancel"]
    assert await _count(shop, Ticket) == 0
    pressed = await chat.press("v1:menu:request_human")
    assert [notice.kind for notice in pressed.staff_notices] == ["handoff"]
    assert await _count(shop, Ticket) == 0


async def test_after_an_insult_the_complaint_goes_on_without_it(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    await _complaint_at(chat, nlu, "category")
    await chat.say("垃圾客服")
    await chat.say("杯盖漏水，水洒了一包")
    await chat.say("没有")
    await chat.say("确认")
    async with shop() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
    assert ticket.description == "杯盖漏水，水洒了一包"


@pytest.mark.parametrize("words", ["取消", "算了", "never mind", "不投诉了"])
async def test_cancel_in_words_at_any_step(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory, words: str) -> None:
    await _complaint_at(chat, nlu, "order")
    outcome = await chat.say(words)
    assert "已取消" in text_of(outcome) or "Cancelled" in text_of(outcome)
    assert await _count(shop, Ticket) == 0


@pytest.mark.parametrize("words", ["please delete my data", "注销账号"])
async def test_erasure_asked_inside_a_flow(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory, words: str) -> None:
    await _complaint_at(chat, nlu, "description")
    asked = await chat.say(words)
    assert [button.data for button in chat.buttons] == ["v1:erase:confirm", "v1:flow:cancel"]
    assert "删除" in text_of(asked) or "Delete" in text_of(asked)
    erased = await chat.press("v1:erase:confirm")
    assert "已删除" in text_of(erased) or "has been deleted" in text_of(erased)
    async with shop() as session:
        assert await session.scalar(select(func.count()).where(Customer.erased_at.is_not(None))) == 1
    assert await _count(shop, Ticket) == 0


@pytest.mark.parametrize("words", ["please delete my data", "注销账号", "我要删除我的资料"])
async def test_erasure_asked_outside_a_flow(chat: Chat, shop: SessionFactory, words: str) -> None:
    await chat.say(words)  # no NLU script: the words alone reach the erasure question
    assert [button.data for button in chat.buttons] == ["v1:erase:confirm", "v1:flow:cancel"]


async def test_stop_promotions_inside_a_flow_and_the_flow_goes_on(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    await _complaint_at(chat, nlu, "description")
    outcome = await chat.say("别再给我发广告了")
    assert "退订" in text_of(outcome)
    assert "请详细描述" in text_of(outcome)  # the question it was waiting on, again
    assert (await customer_of(shop, 42)).opted_out_at is not None
    await chat.say("杯子漏水")
    confirm = await chat.say("no order")
    assert "杯子漏水" in text_of(confirm)


async def test_the_stop_command_inside_a_redemption(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("hi", "greet")
    await chat.say("hi")
    await give_points(shop, 42, 1000)
    nlu.say("兑换", "redeem_points")
    await chat.say("兑换")
    await chat.press("v1:redeem:pick")
    outcome = await chat.command("stop")
    assert "退订" in text_of(outcome) and "确认" in text_of(outcome)
    assert any(button.data == "v1:redeem:confirm" for button in chat.buttons)
    customer = await customer_of(shop, 42)
    assert isinstance(customer, Customer) and customer.opted_out_at is not None


async def test_a_person_from_the_profile_flow(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("I want to change my birthday", "update_profile")
    await chat.say("I want to change my birthday")
    outcome = await chat.say("I want to speak to a human")
    assert [notice.kind for notice in outcome.staff_notices] == ["handoff"]
    assert (await customer_of(shop, 42)).birthday is None
