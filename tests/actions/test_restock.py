"""Restock notices: one request per customer and product, notified once per time it was made, through the
delivery ledger as a service message in the customer's language."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions import restock
from actions.privacy import erase_customer, export_customer_data
from storage.models import Delivery, Product, RestockRequest
from tests.support.loyalty import NOW, make_customer


async def _product(session: AsyncSession, *, stock: int = 0, sku: str = "HOME-TH-01") -> Product:
    product = Product(
        sku=sku, name_zh="保温杯", name_en="Thermos Cup", category="home", price=Decimal("89.00"), stock=stock
    )
    session.add(product)
    await session.flush()
    return product


async def _deliveries(session: AsyncSession) -> list[Delivery]:
    return list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())


async def test_asking_twice_is_one_request(session: AsyncSession) -> None:
    customer = await make_customer(session, telegram_chat_id=5001)
    cup = await _product(session)
    first, new = await restock.request_notice(session=session, customer_id=customer.id, product=cup, now=NOW)
    again, new_again = await restock.request_notice(session=session, customer_id=customer.id, product=cup, now=NOW)
    assert (new, new_again, first.id) == (True, False, again.id)
    assert await session.scalar(select(func.count()).select_from(RestockRequest)) == 1


async def test_nothing_to_wait_for_when_in_stock(session: AsyncSession) -> None:
    customer = await make_customer(session, telegram_chat_id=5001)
    cup = await _product(session, stock=3)
    with pytest.raises(restock.InStock):
        await restock.request_notice(session=session, customer_id=customer.id, product=cup, now=NOW)


async def test_back_in_stock_plans_one_service_notice_per_waiting_customer(session: AsyncSession) -> None:
    ann = await make_customer(session, name="Ann", language="en", telegram_chat_id=5001)
    wang = await make_customer(session, name="王芳", language="zh", telegram_chat_id=5002)
    gone = await make_customer(session, name="Gone", telegram_chat_id=5003, blocked_bot=True)
    cup = await _product(session)
    for customer in (ann, wang, gone):
        await restock.request_notice(session=session, customer_id=customer.id, product=cup, now=NOW)

    still_out = await restock.set_stock(session=session, sku="HOME-TH-01", stock=0, now=NOW)
    assert still_out.notices == 0 and await _deliveries(session) == []

    back = await restock.set_stock(session=session, sku="HOME-TH-01", stock=20, now=NOW + timedelta(days=1))
    assert (back.before, back.notices) == (0, 2)  # the customer who blocked the bot is not written to
    deliveries = await _deliveries(session)
    assert {d.customer_id for d in deliveries} == {ann.id, wang.id}
    assert {d.kind for d in deliveries} == {"service"}
    by_customer = {d.customer_id: d for d in deliveries}
    assert "Thermos Cup is back in stock at 89.00 yuan" in by_customer[ann.id].text
    assert by_customer[ann.id].button_label == "See the product"
    assert "【保温杯】到货了" in by_customer[wang.id].text and by_customer[wang.id].button_label == "看看这件商品"
    assert all(restock.product_of_source(d.source) == cup.id for d in deliveries)

    more = await restock.set_stock(session=session, sku="HOME-TH-01", stock=25, now=NOW + timedelta(days=2))
    assert more.notices == 0 and len(await _deliveries(session)) == 2  # told once


async def test_asking_again_after_a_notice_waits_for_the_next_restock(session: AsyncSession) -> None:
    customer = await make_customer(session, telegram_chat_id=5001)
    cup = await _product(session)
    await restock.request_notice(session=session, customer_id=customer.id, product=cup, now=NOW)
    await restock.set_stock(session=session, sku=cup.sku, stock=5, now=NOW + timedelta(days=1))
    await restock.set_stock(session=session, sku=cup.sku, stock=0, now=NOW + timedelta(days=2))
    _, new = await restock.request_notice(
        session=session, customer_id=customer.id, product=cup, now=NOW + timedelta(days=3)
    )
    assert new
    change = await restock.set_stock(session=session, sku=cup.sku, stock=5, now=NOW + timedelta(days=4))
    assert change.notices == 1 and len(await _deliveries(session)) == 2


async def test_unknown_sku_and_negative_stock_are_refused(session: AsyncSession) -> None:
    with pytest.raises(restock.UnknownProduct):
        await restock.set_stock(session=session, sku="NOPE", stock=1, now=NOW)
    await _product(session)
    with pytest.raises(ValueError):
        await restock.set_stock(session=session, sku="HOME-TH-01", stock=-1, now=NOW)


async def test_requests_are_exported_and_erased_with_the_customer(session: AsyncSession) -> None:
    customer = await make_customer(session, telegram_chat_id=5001)
    cup = await _product(session)
    await restock.request_notice(session=session, customer_id=customer.id, product=cup, now=NOW)
    exported = await export_customer_data(session=session, customer_id=customer.id)
    assert [row["product_id"] for row in exported["restock_requests"]] == [cup.id]
    await erase_customer(session=session, customer_id=customer.id, actor="test", now=NOW)
    assert await session.scalar(select(func.count()).select_from(RestockRequest)) == 0
