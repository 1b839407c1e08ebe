"""POST /api/orders: API key, idempotent by order id, refunds reverse points, errors as JSON by field."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from console.app import create_orders_app
from storage.engine import SessionFactory
from storage.models import Customer, Order, Product
from tests.support.loyalty import NOW, RULES, make_customer

KEY = "shop-secret-key"
ORDER = {
    "order_id": "SO-1",
    "customer_external_id": "C1",
    "amount": "2100.50",
    "currency": "cny",
    "ordered_at": "2026-11-20T10:00:00+08:00",
    "status": "paid",
}


@pytest.fixture
async def client(session_factory: SessionFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with session_factory() as session, session.begin():
        await make_customer(session, external_id="C1")
    app = create_orders_app(session_factory=session_factory, api_key=KEY, rules=RULES, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://console", headers={"X-API-Key": KEY}) as client:
        yield client


async def _balance(session_factory: SessionFactory) -> int:
    async with session_factory() as session:
        value = await session.scalar(select(Customer.points_balance).where(Customer.external_id == "C1"))
        assert value is not None
        return value


def _fields(response: httpx.Response) -> list[str]:
    body: dict[str, Any] = response.json()
    return [error["field"] for error in body["errors"]]


async def test_order_is_recorded_once_and_refund_reverses(
    client: httpx.AsyncClient, session_factory: SessionFactory
) -> None:
    first = await client.post("/api/orders", json=ORDER)
    again = await client.post("/api/orders", json=ORDER)
    assert first.status_code == 201
    assert first.json() == {
        "source": "shop", "order_id": "SO-1", "status": "paid", "created": True, "changed": True,
        "points_delta": 2100, "upgraded_to": "silver",
    }  # fmt: skip
    assert again.status_code == 200 and again.json()["points_delta"] == 0 and not again.json()["changed"]
    assert await _balance(session_factory) == 2100

    refund = await client.post("/api/orders", json={**ORDER, "status": "refunded"})
    assert refund.status_code == 200 and refund.json()["points_delta"] == -2100
    assert await _balance(session_factory) == 0


async def test_api_key_is_required(client: httpx.AsyncClient) -> None:
    missing = await client.post("/api/orders", json=ORDER, headers={"X-API-Key": ""})
    wrong = await client.post("/api/orders", json=ORDER, headers={"X-API-Key": "guess"})
    assert missing.status_code == wrong.status_code == 401
    assert _fields(wrong) == ["X-API-Key"]


async def test_validation_errors_name_the_fields(client: httpx.AsyncClient, session_factory: SessionFactory) -> None:
    bad = {**ORDER, "amount": "-3", "ordered_at": "2026-11-20T10:00:00", "status": "shipped", "extra": 1}
    response = await client.post("/api/orders", json=bad)
    assert response.status_code == 422
    assert sorted(_fields(response)) == ["amount", "extra", "ordered_at", "status"]
    not_json = await client.post("/api/orders", content=b"{oops", headers={"Content-Type": "application/json"})
    assert not_json.status_code == 422 and _fields(not_json) == ["body"]
    unknown = await client.post("/api/orders", json={**ORDER, "customer_external_id": "C404"})
    assert unknown.status_code == 422 and _fields(unknown) == ["customer_external_id"]
    future = await client.post("/api/orders", json={**ORDER, "ordered_at": "2027-01-01T00:00:00Z"})
    assert future.status_code == 422 and _fields(future) == ["ordered_at"]
    assert await _balance(session_factory) == 0


async def test_currency_date_and_size_are_bounded_by_field(
    client: httpx.AsyncClient, session_factory: SessionFactory
) -> None:
    cases = {
        "currency": {"currency": "USD"},  # RULES take only CNY: never counted as yuan
        "ordered_at": {"ordered_at": "1999-12-31T10:00:00+08:00"},  # before the shop opened
        "amount": {"amount": "9999999999.99"},  # fits the column, but earns more points than a balance holds
    }
    for field, change in cases.items():
        response = await client.post("/api/orders", json={**ORDER, **change})
        assert response.status_code == 422 and _fields(response) == [field], response.json()
    skewed = await client.post("/api/orders", json={**ORDER, "ordered_at": "2026-11-23T08:03:00Z"})
    assert skewed.status_code == 201  # a few minutes ahead of the clock (NOW is 08:00 UTC) is clock skew
    assert await _balance(session_factory) == 2100


async def test_conflicting_resend_is_409(client: httpx.AsyncClient) -> None:
    await client.post("/api/orders", json=ORDER)
    response = await client.post("/api/orders", json={**ORDER, "amount": "1.00"})
    assert response.status_code == 409 and _fields(response) == ["order_id"]


async def test_api_is_off_without_a_key(session_factory: SessionFactory) -> None:
    app = create_orders_app(session_factory=session_factory, api_key="", rules=RULES)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console") as client:
        response = await client.post("/api/orders", json=ORDER, headers={"X-API-Key": ""})
        assert response.status_code == 503
        assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_stock_is_set_by_sku_with_the_api_key(client: httpx.AsyncClient, session_factory: SessionFactory) -> None:
    async with session_factory() as session, session.begin():
        session.add(Product(sku="CUP", name_zh="保温杯", name_en="Thermos Cup", category="home", price=89, stock=0))
    ok = await client.put("/api/products/CUP/stock", json={"stock": 7})
    assert ok.status_code == 200 and ok.json() == {"sku": "CUP", "stock": 7, "before": 0, "notices": 0}
    async with session_factory() as session:
        assert await session.scalar(select(Product.stock).where(Product.sku == "CUP")) == 7
    unknown = await client.put("/api/products/NOPE/stock", json={"stock": 1})
    assert unknown.status_code == 404 and _fields(unknown) == ["sku"]
    negative = await client.put("/api/products/CUP/stock", json={"stock": -1})
    assert negative.status_code == 422 and _fields(negative) == ["stock"]
    extra = await client.put("/api/products/CUP/stock", json={"stock": 1, "price": 2})
    assert extra.status_code == 422
    keyless = await client.put("/api/products/CUP/stock", json={"stock": 1}, headers={"X-API-Key": "wrong"})
    assert keyless.status_code == 401


async def test_the_delivery_date_is_recorded_later_without_points(
    client: httpx.AsyncClient, session_factory: SessionFactory
) -> None:
    await client.post("/api/orders", json=ORDER)
    delivered = await client.post("/api/orders", json=ORDER | {"delivered_at": "2026-11-22T15:00:00+08:00"})
    assert delivered.status_code == 200 and delivered.json()["changed"] and delivered.json()["points_delta"] == 0
    async with session_factory() as session:
        stored = await session.scalar(select(Order.delivered_at).where(Order.order_id == "SO-1"))
    assert stored is not None and stored.isoformat() == "2026-11-22T07:00:00+00:00"
    early = await client.post("/api/orders", json=ORDER | {"delivered_at": "2026-11-19T10:00:00+08:00"})
    assert early.status_code == 422 and _fields(early) == ["delivered_at"]
