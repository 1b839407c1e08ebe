"""The webhook app: the secret token is checked, updates are queued, /healthz reports db and redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from telegram import Update
from telegram.ext import Application

from bot.telegram.webhook import SECRET_HEADER, create_webhook_app, webhook_path

SECRET = "s3cret-token_for-tests"
UPDATE = {
    "update_id": 7,
    "message": {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": {"id": 42, "type": "private", "first_name": "Lin"},
        "from": {"id": 42, "is_bot": False, "first_name": "Lin"},
        "text": "hello",
    },
}


class Health:
    def __init__(self) -> None:
        self.result = {"database": True, "redis": True}

    async def __call__(self) -> dict[str, bool]:
        return self.result


@pytest.fixture
def application() -> Application[Any, Any, Any, Any, Any, Any]:
    return Application.builder().token("1:fake").updater(None).build()


@pytest.fixture
def health() -> Health:
    return Health()


@pytest.fixture
async def client(
    application: Application[Any, Any, Any, Any, Any, Any], health: Health
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_webhook_app(application, secret_token=SECRET, health=health, path="/telegram")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as http:
        yield http


async def test_update_with_the_secret_is_queued(
    client: httpx.AsyncClient, application: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    response = await client.post("/telegram", json=UPDATE, headers={SECRET_HEADER: SECRET})

    assert response.status_code == 200
    queued = application.update_queue.get_nowait()
    assert isinstance(queued, Update) and queued.update_id == 7


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}])
async def test_update_without_the_right_secret_is_refused(
    client: httpx.AsyncClient, application: Application[Any, Any, Any, Any, Any, Any], headers: dict[str, str]
) -> None:
    response = await client.post("/telegram", json=UPDATE, headers=headers)

    assert response.status_code == 403
    assert application.update_queue.empty()


async def test_malformed_update_is_refused(
    client: httpx.AsyncClient, application: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    response = await client.post("/telegram", content=b"{not json", headers={SECRET_HEADER: SECRET})

    assert response.status_code == 400
    assert application.update_queue.empty()


async def test_healthz_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "redis": True}


async def test_healthz_degraded_when_redis_is_down(client: httpx.AsyncClient, health: Health) -> None:
    health.result = {"database": True, "redis": False}

    response = await client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "database": True, "redis": False}


async def test_get_on_the_webhook_path_is_not_allowed(client: httpx.AsyncClient) -> None:
    assert (await client.get("/telegram")).status_code == 405


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("https://bot.example.com/telegram", "/telegram"),
        ("https://bot.example.com/", "/telegram"),
        ("https://example.com/carebot/hook/", "/carebot/hook"),
    ],
)
def test_webhook_path_follows_the_public_url(url: str, path: str) -> None:
    assert webhook_path(url) == path
