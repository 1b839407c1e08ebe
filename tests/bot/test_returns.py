"""Returns and warranty as a flow: the customer's own order (picked or typed), item, reason, confirmation;
photos optional; the ticket carries them, and the 7-day window is counted from the delivery date (else the
order date)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from actions.orders import record_order
from actions.rules import LoyaltyRules
from storage.engine import SessionFactory
from storage.models import Handoff, Ticket, TicketAttachment
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
    photos = await chat.press("v1:ret:reason:size")
    assert "照片" in text_of(photos)
    await chat.say("跳过")
    done = await chat.press("v1:ret:confirm")
    [ticket] = await _tickets(shop)
    assert (ticket.category, ticket.order_ref) == ("return", "SO-20261120-001")
    assert "连帽卫衣 XL 黑色" in ticket.description and "尺码不合适" in ticket.description
    assert "未超过 7 天" in ticket.description and "照片：无" in ticket.description
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
    await chat.say("skip")
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
    await chat.say("no")
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


async def test_photos_at_the_photo_step_go_with_the_ticket(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    await _orders(chat, nlu, shop)
    nlu.say("我要退货", "return_refund")
    await chat.say("我要退货")
    await chat.press("v1:ret:order:SO-20261120-001")
    early = await chat.send("photo", message_id=500, file_id="too-early")  # not asked for yet: not kept
    assert "图片" in text_of(early)
    await chat.say("连帽卫衣 XL")
    await chat.press("v1:ret:reason:faulty")
    first = await chat.send("photo", message_id=501, file_id="AgAD-1", text="拉链坏了")
    assert "第 1 张" in text_of(first)
    await chat.send("photo", message_id=502, file_id="AgAD-2")
    confirm = await chat.press("v1:ret:photos")
    assert "照片：2 张" in text_of(confirm)
    done = await chat.press("v1:ret:confirm")
    [ticket] = await _tickets(shop)
    assert "照片：2 张" in ticket.description
    async with shop() as session:
        attached = (await session.execute(select(TicketAttachment.message_id, TicketAttachment.telegram_file_id))).all()
    assert sorted(attached) == [(501, "AgAD-1"), (502, "AgAD-2")]
    notices = done.staff_notices
    assert [n.kind for n in notices] == ["ticket", "ticket", "ticket"]
    assert f"#{ticket.id}" in notices[0].text and notices[0].copy_from is None
    assert [n.copy_from for n in notices[1:]] == [(42, 501), (42, 502)]


async def _delivered_order(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory, *, ordered: int, delivered: int) -> None:
    nlu.say("hi", "greet")
    await chat.say("hi")
    customer = await customer_of(shop, chat.user_id)
    async with shop() as session, session.begin():
        await record_order(
            session=session, rules=LoyaltyRules(), source="shop", order_id="SO-20261110-009", customer_id=customer.id,
            amount=Decimal("89.00"), currency="CNY", ordered_at=NOW - timedelta(days=ordered), status="paid", now=NOW,
            delivered_at=NOW - timedelta(days=delivered),
        )  # fmt: skip


async def test_the_window_counts_from_the_delivery_date(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    await _delivered_order(chat, nlu, shop, ordered=12, delivered=4)  # ordered long ago, received recently
    nlu.say("我要退货", "return_refund")
    await chat.say("我要退货")
    told = await chat.press("v1:ret:order:SO-20261110-009")
    assert "签收，到今天 4 天，在收货后 7 天的无理由退货期内" in text_of(told) and "超过" not in text_of(told)
    await chat.say("保温杯")
    await chat.press("v1:ret:reason:changed_mind")
    await chat.say("没有")
    await chat.press("v1:ret:confirm")
    [ticket] = await _tickets(shop)
    assert "签收未超过 7 天" in ticket.description


async def test_outside_the_window_is_said_plainly_with_a_person_offered(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    await _delivered_order(chat, nlu, shop, ordered=15, delivered=10)
    nlu.say("I want to return something", "return_refund")
    await chat.say("I want to return something")
    told = await chat.press("v1:ret:order:SO-20261110-009")
    assert "delivered on" in text_of(told) and "past the 7-day return window" in text_of(told)
    assert "v1:menu:request_human" in [button.data for button in chat.buttons]
    assert "Which item" in text_of(told)  # the request can still go on (a fault, the warranty)
