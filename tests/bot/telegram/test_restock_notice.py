"""A restock notice end to end: a customer waits for a sold-out product, the shop's system puts it back in
stock through the API, and the worker's sender delivers the service message through the fake Bot API."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
from redis.asyncio import Redis
from sqlalchemy import select

from actions import restock
from console.app import create_orders_app
from storage.engine import SessionFactory
from storage.models import Customer, Delivery, Product
from tests.support.fake_bot_api import FakeBotApi
from tests.support.loyalty import RULES
from tests.support.outreach import add_customers, empty_shop, outreach_sender

KEY = "shop-secret-key"


async def test_back_in_stock_reaches_the_waiting_customer_once(session_factory: SessionFactory, redis: Redis) -> None:
    await empty_shop(session_factory)
    [chat] = await add_customers(session_factory, 1, first_chat=310_000, name="王芳", marketing_consent=False)
    now = datetime.now(UTC)
    async with session_factory() as session, session.begin():
        cup = Product(sku="CUP", name_zh="保温杯", name_en="Thermos Cup", category="home", price=Decimal("89"), stock=0)
        session.add(cup)
        await session.flush()
        customer_id = await session.scalar(select(Customer.id).where(Customer.telegram_chat_id == chat))
        assert customer_id is not None
        await restock.request_notice(session=session, customer_id=customer_id, product=cup, now=now)

    app = create_orders_app(session_factory=session_factory, api_key=KEY, rules=RULES, clock=lambda: now)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://console", headers={"X-API-Key": KEY}
    ) as client:
        put = await client.put("/api/products/CUP/stock", json={"stock": 12})
        again = await client.put("/api/products/CUP/stock", json={"stock": 11})
    assert put.status_code == 200 and put.json() == {"sku": "CUP", "stock": 12, "before": 0, "notices": 1}
    assert again.json()["notices"] == 0

    async with FakeBotApi() as api, outreach_sender(api, session_factory, redis) as sender:
        report = await sender.send_due()
        await sender.send_due()
    assert report.sent == 1  # a service message: no marketing consent needed
    [message] = api.sent_messages(chat)
    assert "王芳，您关注的【保温杯】到货了" in message["text"]
    assert "看看这件商品" in str(message["reply_markup"])
    async with session_factory() as session:
        assert await session.scalar(select(Delivery.status)) == "sent"
