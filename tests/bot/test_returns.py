"""Returns and warranty as a flow: the customer's own order (picked or typed), item, reason, confirmation;
the ticket carries them, and the 7-day window is checked against the order date."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from actions.orders import record_order
from actions.rules import LoyaltyRules
from storage.engine import SessionFactory
from storage.models import Handoff, Ticket
from tests.bot.conftest import NOW, Chat, customer_of, text_of
from tests.support.fake_nlu import ScriptedNlu


async def _orders(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("hi", "greet")
    await chat.say("hi")
    customer = await customer_of(shop, chat.user_id)
    async with shop() as session, session.begin():
        for order_id, days_ago in (("SO-20261120-001", 3), ("SO-20261001-002", 53)):
            await record_order(
                session=session, rules=LoyaltyRules(), source="shop", order_id=order_id, customer_id=customer.id,
                amount=Decimal("239.00"), currency="CNY", ordered_at=NOW - timedelta(days=days_ago), status="paid",
                now=NOW,
            )  # fmt: skip


async def _tickets(shop: SessionFactory) -> list[Ticket]:
    async with shop() as session:
        return list((await session.scalars(select(Ticket))).all())


async def test_a_return_with_buttons(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    await _orders(chat, nlu, shop)
    nlu.say("我要退货", "return_refund")
    first = await chat.say("我要退货")
    assert "7天内" in text_of(first)
    assert [b.data for b in chat.buttons][:2] == ["v1:ret:order:SO-20261120-001", "v1:ret:order:SO-20261001-002"]
    item_question = await chat.press("v1:ret:order:SO-20261120-001")
    assert "哪件商品" in text_of(item_question) and "超过" not in text_of(item_question)
    await chat.say("连帽卫衣 XL 黑色")
    await chat.press("v1:ret:reason:size")
    done = await chat.press("v1:ret:confirm")
    [ticket] = await _tickets(shop)
    assert (ticket.category, ticket.order_ref) == ("return", "SO-20261120-001")
    assert "连帽卫衣 XL 黑色" in ticket.description and "尺码不合适" in ticket.description
    assert "未超过 7 天" in ticket.description
    assert f"#{ticket.id}" in text_of(done)


async def test_an_old_order_is_flagged_for_the_delivery_date(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    await _orders(chat, nlu, shop)
    nlu.say("I want to return my hoodie", "return_refund", product="hoodie")
    await chat.say("I want to return my hoodie")
    told = await chat.say("it's SO-20261001-002")  # typed, inside a sentence
    assert "more than 7 days ago" in text_of(told)
    assert "reason" in text_of(told)  # the item was in the first message: not asked again
    await chat.say("the zip broke")
    await chat.say("yes")
    [ticket] = await _tickets(shop)
    assert ticket.order_ref == "SO-20261001-002"
    assert "Hoodie" in ticket.description and "the zip broke" in ticket.description
    assert "check the delivery date" in ticket.description


async def test_no_order_number_in_words(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("I want to return something", "return_refund")
    await chat.say("I want to return something")
    await chat.say("I don't remember")
    await chat.say("a grey hoodie")
    await chat.press("v1:ret:reason:faulty")
    await chat.say("yes")
    [ticket] = await _tickets(shop)
    assert ticket.order_ref is None and "No order number given" in ticket.description


async def test_someone_elses_order_typed_is_not_taken(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    other = Chat(chat.pipeline, user_id=43)
    await _orders(other, nlu, shop)
    nlu.say("我要退货", "return_refund")
    await chat.say("我要退货")
    refused = await chat.say("SO-20261120-001")
    assert "没有找到" in text_of(refused)
    third = await chat.say("SO-20261001-002")
    assert "转人工" in text_of(third)  # not asked a third time
    assert await _tickets(shop) == []


async def test_a_person_from_inside_the_returns_flow(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("我要退货", "return_refund")
    await chat.say("我要退货")
    await chat.press("v1:ret:noorder")
    outcome = await chat.say("我要找你们经理")
    assert [n.kind for n in outcome.staff_notices] == ["handoff"]
    async with shop() as session:
        assert len((await session.scalars(select(Handoff))).all()) == 1
    assert await _tickets(shop) == []


async def test_a_filler_is_not_a_reason(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("I want to return something", "return_refund")
    await chat.say("I want to return something")
    await chat.say("I don't have it")
    await chat.say("the hoodie")
    again = await chat.say("hmm")
    assert "reason" in text_of(again) and "Please check" not in text_of(again)
