"""Orders, returns and product answers through the pipeline, from the customer's own rows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from actions import restock
from bot.pipeline import Pipeline
from storage.engine import SessionFactory
from storage.models import Delivery, Order, Product, Ticket
from tests.bot.conftest import NOW, Chat, customer_of, text_of
from tests.support.fake_nlu import ScriptedNlu


async def _with_orders(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("hi", "greet")
    await chat.say("hi")
    customer = await customer_of(shop, 42)
    async with shop() as session, session.begin():
        for number, days in (("SO-20261101-007", 20), ("SO-20261115-001", 5)):
            session.add(
                Order(
                    order_id=number,
                    customer_id=customer.id,
                    amount=Decimal("199.00"),
                    ordered_at=NOW - timedelta(days=days),
                    status="paid",
                    shipping_status="delivered" if days > 10 else None,
                )
            )


async def test_order_status_by_number_in_the_text(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    await _with_orders(chat, nlu, shop)
    nlu.say("where is order so-20261101-007", "order_status")  # no entity from the model: found in the text
    outcome = await chat.say("where is order so-20261101-007")
    assert "SO-20261101-007" in text_of(outcome) and "199.00" in text_of(outcome) and "delivered" in text_of(outcome)


async def test_recent_orders_and_unknown_order(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    await _with_orders(chat, nlu, shop)
    nlu.say("我的订单", "order_status")
    recent = text_of(await chat.say("我的订单"))
    assert recent.index("SO-20261115-001") < recent.index("SO-20261101-007")  # newest first
    nlu.say("查一下 SO-20990101-999", "order_status")
    assert "SO-20990101-999" in text_of(await chat.say("查一下 SO-20990101-999"))


async def test_someone_elses_order_is_not_shown(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    await _with_orders(chat, nlu, shop)
    stranger = Chat(chat.pipeline, user_id=43)
    nlu.say("status of SO-20261101-007", "order_status")
    outcome = await stranger.say("status of SO-20261101-007")
    assert "199.00" not in text_of(outcome) and "couldn't find" in text_of(outcome)


async def test_return_request_from_an_old_policy_button(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    await _with_orders(chat, nlu, shop)
    nlu.say("I want to return SO-20261101-007", "return_refund")
    policy = await chat.say("I want to return SO-20261101-007")
    assert "7 days" in text_of(policy)
    # The button replies sent before the returns flow carried still works (tests/bot/test_returns.py: the flow).
    started = await chat.send("callback", callback_data="v1:return:start:SO-20261101-007")
    await chat.send("callback", callback_data="v1:return:start:SO-20261101-007")  # a double tap
    async with shop() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
    assert (ticket.category, ticket.order_ref) == ("return", "SO-20261101-007")
    assert f"#{ticket.id}" in text_of(started)


async def test_an_odd_order_entity_does_not_break_the_returns_flow(chat: Chat, nlu: ScriptedNlu) -> None:
    nlu.say("退货", "return_refund", order_id="订单 号码 " + "9" * 80)
    outcome = await chat.say("退货")
    assert "v1:ret:noorder" in [b.data for b in chat.buttons] and "退" in text_of(outcome)


async def test_a_return_is_only_for_the_customers_own_orders(
    chat: Chat, pipeline: Pipeline, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    nlu.say("hi", "greet")
    await Chat(pipeline, user_id=43).say("hi")
    someone_else = await customer_of(shop, 43)
    async with shop() as session, session.begin():
        session.add(
            Order(
                order_id="SO-20261101-007",
                customer_id=someone_else.id,
                amount=Decimal(1),
                ordered_at=NOW,
                status="paid",
            )
        )
    nlu.say("I want to return SO-20261101-007", "return_refund", order_id="SO-20261101-007")
    asked = await chat.say("I want to return SO-20261101-007")
    assert "Which order" in text_of(asked)  # someone else's order is not taken
    assert not any("SO-20261101-007" in b.data for b in chat.buttons)

    forged = await chat.send("callback", callback_data="v1:ret:order:SO-20261101-007")
    assert "expired" in text_of(forged)
    forged = await chat.send("callback", callback_data="v1:return:start:SO-20261101-007")
    async with shop() as session:
        assert (await session.scalars(select(Ticket))).all() == []
    assert forged.replies and "#" not in text_of(forged)


async def test_the_button_of_a_restock_notice_shows_the_product(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    nlu.say("保温杯有货吗", "product_question", product="保温杯")
    asked = await chat.say("保温杯有货吗")
    assert "暂时缺货" in text_of(asked)
    await chat.press("v1:restock:")
    customer = await customer_of(shop, 42)
    async with shop() as session, session.begin():
        cup = await session.scalar(select(Product).where(Product.name_zh == "保温杯"))
        assert cup is not None
        change = await restock.set_stock(session=session, sku=cup.sku, stock=6, now=NOW)
        assert change.notices == 1
        delivery = await session.scalar(select(Delivery).where(Delivery.customer_id == customer.id))
        assert delivery is not None
    outcome = await chat.send("callback", callback_data=f"v1:campaign:{delivery.id}")
    assert "保温杯" in text_of(outcome) and "有货（6 件）" in text_of(outcome)
    assert not [button for button in chat.buttons if button.data.startswith("v1:restock:")]  # in stock now
