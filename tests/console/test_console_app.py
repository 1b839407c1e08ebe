"""The console process: services opened in the lifespan on a fresh database, errors at its one edge."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from console.app import create_app, create_orders_app
from runtime.settings import Settings
from tests.support.loyalty import NOW, RULES

NAME, PHONE = "王芳", "13800138000"
ORDER = {
    "order_id": "SO-1",
    "customer_external_id": "C404",
    "amount": "10.00",
    "currency": "CNY",
    "ordered_at": "2026-11-20T10:00:00+08:00",
    "status": "paid",
}


async def test_the_console_opens_its_services_on_a_fresh_database(tmp_path: Path) -> None:
    settings = Settings(environment="test", DATABASE_URL=f"sqlite:///{tmp_path / 'console.db'}", SHOP_API_KEY="k")
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console") as client,
    ):
        health = await client.get("/healthz")
        unknown = await client.post("/api/orders", json=ORDER, headers={"X-API-Key": "k"})
    assert health.status_code == 200
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "customer_external_id"


class BrokenSessions:
    """A session factory whose database fails with a message quoting the shop's data."""

    def __call__(self) -> object:
        raise RuntimeError(f"could not write order SO-1 for {NAME} {PHONE}")


async def test_an_unexpected_error_is_a_500_and_a_log_line_without_the_data(caplog: pytest.LogCaptureFixture) -> None:
    app = create_orders_app(session_factory=BrokenSessions(), api_key="k", rules=RULES, clock=lambda: NOW)  # type: ignore[arg-type]
    caplog.set_level(logging.ERROR)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console") as client:
        response = await client.post(
            "/api/orders", json={**ORDER, "customer_external_id": "C1"}, headers={"X-API-Key": "k"}
        )
    assert response.status_code == 500 and response.json() == {
        "errors": [{"field": "server", "message": "unexpected error"}]
    }
    assert "POST /api/orders failed with RuntimeError" in caplog.text
    assert PHONE not in caplog.text and NAME not in caplog.text
