"""The webhook app: the secret token is checked, updates are processed before the answer, /healthz reports."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import Bot, Update

from bot.telegram.webhook import MAX_BODY_BYTES, SECRET_HEADER, create_webhook_app, webhook_path

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


class Processor:
    """Stands in for the Application: records the updates and answers whether their effects committed."""

    def __init__(self) -> None:
        self.updates: list[Update] = []
        self.succeeds = True

    async def __call__(self, update: Update) -> bool:
        self.updates.append(update)
        return self.succeeds


@pytest.fixture
def processor() -> Processor:
    return Processor()


@pytest.fixture
def health() -> Health:
    return Health()


@pytest.fixture
async def client(processor: Processor, health: Health) -> AsyncIterator[httpx.AsyncClient]:
    bot = Bot("1:fake")
    app = create_webhook_app(bot, process=processor, secret_token=SECRET, health=health, path="/telegram")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as http:
        yield http


async def test_an_update_is_answered_200_once_processed(client: httpx.AsyncClient, processor: Processor) -> None:
    response = await client.post("/telegram", json=UPDATE, headers={SECRET_HEADER: SECRET})

    assert response.status_code == 200
    assert [update.update_id for update in processor.updates] == [7]


async def test_a_failed_update_is_answered_500_so_telegram_delivers_it_again(
    client: httpx.AsyncClient, processor: Processor
) -> None:
    processor.succeeds = False
    response = await client.post("/telegram", json=UPDATE, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 500


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}])
async def test_update_without_the_right_secret_is_refused(
    client: httpx.AsyncClient, processor: Processor, headers: dict[str, str]
) -> None:
    response = await client.post("/telegram", json=UPDATE, headers=headers)

    assert response.status_code == 403
    assert processor.updates == []


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b"{}"])
async def test_malformed_update_is_refused(client: httpx.AsyncClient, processor: Processor, body: bytes) -> None:
    response = await client.post("/telegram", content=body, headers={SECRET_HEADER: SECRET})

    assert response.status_code == 400
    assert processor.updates == []


async def test_a_body_over_one_megabyte_is_refused_unread(client: httpx.AsyncClient, processor: Processor) -> None:
    padded = {**UPDATE, "padding": "x" * MAX_BODY_BYTES}
    response = await client.post("/telegram", json=padded, headers={SECRET_HEADER: SECRET})

    assert response.status_code == 413
    assert processor.updates == []


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
