"""How injected updates reach the bot: queued for getUpdates long polls, or POSTed to the webhook."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from tests.support.fake_bot_api.protocol import JSON

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to the webhook and the HTTP status the bot answered with."""

    update: JSON
    secret_token: str | None
    status: int


@dataclass
class Webhook:
    """The webhook set with setWebhook."""

    url: str
    secret_token: str | None
    params: JSON


@dataclass
class _Pending:
    update: JSON
    forced: bool = False  # a duplicate: delivered once whatever the offset


class Delivery:
    """The updates waiting for the bot, the webhook if one is set, and what was POSTed to it."""

    def __init__(self) -> None:
        self.webhook: Webhook | None = None
        self.deliveries: list[WebhookDelivery] = []
        self.in_flight = 0  # webhook POSTs sent and not yet answered
        self._in_flight_changed = asyncio.Condition()
        self._pending: list[_Pending] = []
        self._changed = asyncio.Condition()
        self._closing = False
        self._client: httpx.AsyncClient | None = None

    def open(self) -> None:
        """Make the HTTP client that POSTs to the webhook (inside the running event loop)."""
        self._client = httpx.AsyncClient(timeout=10)

    async def push(self, update: JSON, *, secret_token: str | None = None, forced: bool = False) -> int | None:
        """POST to the webhook and return the status, or queue for getUpdates (`forced`: whatever the offset)."""
        if (webhook := self.webhook) is not None:
            return await self._post(webhook.url, update, secret_token or webhook.secret_token)
        self._pending.append(_Pending(update, forced))
        async with self._changed:
            self._changed.notify_all()
        return None

    async def push_until_accepted(
        self, update: JSON, *, first_wait: float = 0.1, max_wait: float = 1.0, give_up_after: float = 60.0
    ) -> int:
        """Deliver to the webhook as Telegram does: again and again, waiting longer each time, until a 2xx.

        A refused connection or one cut mid-request (the bot's process died) counts as a failed delivery.
        """
        deadline = asyncio.get_running_loop().time() + give_up_after
        wait = first_wait
        while True:
            webhook = self.webhook
            assert webhook is not None, "set a webhook first"
            try:
                status = await self._post(webhook.url, update, webhook.secret_token)
            except httpx.TransportError:
                status = 0
                self.deliveries.append(WebhookDelivery(update, webhook.secret_token, status))
            if 200 <= status < 300:
                return status
            if asyncio.get_running_loop().time() + wait > deadline:
                raise TimeoutError(f"update {update['update_id']} was never accepted (last status {status})")
            await asyncio.sleep(wait)  # Telegram's redelivery delay, not a wait for something to happen
            wait = min(wait * 2, max_wait)

    async def wait_in_flight(self, count: int, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Return once at least `count` webhook POSTs are waiting for the bot's answer at the same time."""
        async with asyncio.timeout(timeout), self._in_flight_changed:
            await self._in_flight_changed.wait_for(lambda: self.in_flight >= count)

    async def _count_in_flight(self, change: int) -> None:
        async with self._in_flight_changed:
            self.in_flight += change
            self._in_flight_changed.notify_all()

    async def poll(self, *, offset: int, limit: int, wait: float) -> list[JSON]:
        """getUpdates: confirm updates below `offset`, wait up to `wait` seconds for one, return at most `limit`."""
        self._confirm(offset)
        if not self._pending and wait > 0 and not self._closing:
            try:
                async with asyncio.timeout(wait), self._changed:
                    await self._changed.wait_for(lambda: bool(self._pending) or self._closing)
            except TimeoutError:
                pass
        batch = self._pending[:limit]
        self._pending = [p for p in self._pending if not (p.forced and p in batch)]
        return [p.update for p in batch]

    def set_webhook(self, webhook: Webhook | None, *, drop_pending_updates: bool) -> None:
        """setWebhook / deleteWebhook."""
        self.webhook = webhook
        if drop_pending_updates:
            self._pending.clear()

    async def end_polls(self) -> None:
        """Answer pending long polls now and every later one at once: the server is closing."""
        self._closing = True
        async with self._changed:
            self._changed.notify_all()

    async def aclose(self) -> None:
        """Close the webhook client's connections."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            self._pending = self._pending[offset:]
        elif offset > 0:
            self._pending = [p for p in self._pending if p.forced or p.update["update_id"] >= offset]

    async def _post(self, url: str, update: JSON, secret_token: str | None) -> int:
        assert self._client is not None, "start the FakeBotApi first"
        headers = {SECRET_HEADER: secret_token} if secret_token else {}
        await self._count_in_flight(+1)
        try:
            response = await self._client.post(url, json=update, headers=headers)
        finally:
            await self._count_in_flight(-1)
        self.deliveries.append(WebhookDelivery(update, secret_token, response.status_code))
        return response.status_code
