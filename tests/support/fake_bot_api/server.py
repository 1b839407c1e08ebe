"""The HTTP server: routes /bot<token>/<method> to the fakes, records every call, injects failures."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from tests.support.fake_bot_api.delivery import Delivery, Webhook, WebhookDelivery
from tests.support.fake_bot_api.methods import SEND_METHODS, BotApiMethods
from tests.support.fake_bot_api.protocol import (
    ERROR_DESCRIPTIONS,
    JSON,
    JSON_FIELDS,
    ApiError,
    UploadedFile,
    decode_params,
    decode_value,
)
from tests.support.fake_bot_api.state import TelegramState
from tests.support.fake_bot_api.updates import UpdateBuilders

logger = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456789:AAFakeTokenForEndToEndTests_0123456789"
BLOCKED = "Forbidden: bot was blocked by the user"


@dataclass
class Call:
    """One recorded request: canonical method name, decoded params, uploaded files, monotonic time, status."""

    method: str
    params: JSON
    at: float
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int = 200

    @property
    def ok(self) -> bool:
        """Whether the fake answered with success."""
        return self.status == 200


@dataclass
class FloodLimits:
    """Telegram's flood limits as the fake enforces them: token buckets per second (429 when one is empty).

    Telegram's own counting is not public; these are the documented rates (30/s overall, 1,000/s for paid
    broadcasts, about 1/s per private chat with a short burst, 20/min per group)."""

    overall_per_second: float = 30
    paid_per_second: float = 1000
    per_chat_per_second: float = 1
    per_chat_burst: float = 3
    slack: float = 2  # tokens of tolerance for the client's and the server's clocks seeing the same send apart
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def take(self, params: JSON) -> float:
        """Take a token for one send; 0 when allowed, else the seconds Telegram would ask to wait."""
        now = time.monotonic()
        chat_id = params.get("chat_id")
        paid = bool(params.get("allow_paid_broadcast"))
        overall = ("paid", self.paid_per_second) if paid else ("overall", self.overall_per_second)
        buckets = [(overall[0], overall[1], overall[1] + self.slack)]
        if isinstance(chat_id, int) and chat_id > 0:
            buckets.append((f"chat:{chat_id}", self.per_chat_per_second, self.per_chat_burst + self.slack))
        waits = [self._wait(name, rate, capacity, now) for name, rate, capacity in buckets]
        if any(waits):
            return max(waits)
        for name, _, _ in buckets:
            tokens, _at = self._buckets[name]
            self._buckets[name] = (tokens - 1, now)
        return 0.0

    def _wait(self, name: str, rate: float, capacity: float, now: float) -> float:
        tokens, at = self._buckets.get(name, (capacity, now))
        tokens = min(capacity, tokens + (now - at) * rate)
        self._buckets[name] = (tokens, now)
        return 0.0 if tokens >= 1 else (1 - tokens) / rate


@dataclass
class _Failure:
    status: int
    description: str
    parameters: JSON | None
    times: int


class FakeBotApi(UpdateBuilders):
    """The fake Bot API server; use as `async with FakeBotApi() as api:` inside a running event loop."""

    def __init__(self, token: str = DEFAULT_TOKEN, *, bot_name: str = "CareBot", bot_username: str = "CareBotTestBot"):
        self.token = token
        prefix = token.split(":", 1)[0]
        bot_user: JSON = {
            "id": int(prefix) if prefix.isdigit() else 1000,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        super().__init__(TelegramState(bot_user))
        self.delivery = Delivery()
        self._methods = BotApiMethods(self.state, self.delivery).table
        self._canonical = {name.lower(): name for name in self._methods}
        self._calls: list[Call] = []
        self._listeners: list[Callable[[Call], None]] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._blocked: set[int] = set()
        self._flood: FloodLimits | None = None
        self.flood_refusals = 0
        self._changed = asyncio.Condition()
        self._active: set[asyncio.Future[None]] = set()
        self._server: tornado.httpserver.HTTPServer | None = None
        self.port = 0

    # -- lifecycle -----------------------------------------------------------------------------------------

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port and serve; listening when this returns."""
        app = tornado.web.Application(
            [(r"/bot([^/]+)/([A-Za-z]+)/?", _Handler, {"api": self})],
            default_handler_class=_NotFoundHandler,
            log_function=_log_request,
        )
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1", family=socket.AF_INET)
        self.port = int(sockets[0].getsockname()[1])
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        self.delivery.open()

    async def close(self) -> None:
        """Wake pending long polls, let in-flight requests finish, close the server and connections."""
        await self.delivery.end_polls()
        if self._active:
            await asyncio.wait(self._active)
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
        await self.delivery.aclose()

    @property
    def base_url(self) -> str:
        """What `ApplicationBuilder.base_url()` / `Bot(base_url=...)` take: http://127.0.0.1:PORT/bot."""
        return f"http://127.0.0.1:{self.port}/bot"

    def url(self, method: str) -> str:
        """The full URL of one method, like https://api.telegram.org/bot<token>/<method>."""
        return f"{self.base_url}{self.token}/{method}"

    # -- what the bot did ----------------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        """Every recorded call (failed ones too, see `Call.status`), optionally of one method."""
        wanted = method.lower() if method else None
        return [c for c in self._calls if wanted is None or c.method.lower() == wanted]

    def sent_messages(self, chat_id: int | str | None = None) -> list[JSON]:
        """The params of successful sendMessage calls in order, optionally to one chat."""
        return [
            c.params
            for c in self.calls("sendMessage")
            if c.ok and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))
        ]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - the documented helper signature
        predicate: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Wait until `count` calls of `method` (matching `predicate`) were recorded; return all matching."""

        def matching() -> list[Call]:
            return [c for c in self.calls(method) if predicate is None or predicate(c)]

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: len(matching()) >= count)
        except TimeoutError:
            seen = [c.method for c in self._calls]
            raise TimeoutError(
                f"waited {timeout}s for {count} {method} call(s), got {len(matching())}; calls: {seen}"
            ) from None
        return matching()

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """A message the fake knows (injected or sent by the bot), as Telegram currently has it."""
        return self.state.messages.get((chat_id, message_id))

    @property
    def webhook(self) -> Webhook | None:
        """The webhook set with setWebhook, if any."""
        return self.delivery.webhook

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every update POSTed to the webhook, with the status the bot answered."""
        return self.delivery.deliveries

    # -- failure injection ---------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 429,
        *,
        retry_after: int = 1,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with an error (429 carries parameters.retry_after)."""
        parameters = {"retry_after": retry_after} if status == 429 else None
        if description is None:
            description = ERROR_DESCRIPTIONS.get(status, "Error")
            if status == 429:
                description += f": retry after {retry_after}"
        name = self._canonical.get(method.lower(), method)
        self._failures.setdefault(name, []).append(_Failure(status, description, parameters, times))

    def enforce_flood_limits(self, limits: FloodLimits | None = None) -> FloodLimits:
        """From now on answer sends beyond Telegram's rates with 429, as Telegram does (counted in
        `flood_refusals`)."""
        self._flood = limits or FloodLimits()
        return self._flood

    def block_user(self, chat_id: int) -> None:
        """Make every send to this chat answer 403 "bot was blocked by the user"."""
        self._blocked.add(int(chat_id))

    # -- injection -----------------------------------------------------------------------------------------

    async def inject(self, update: JSON, *, secret_token: str | None = None) -> int | None:
        """Queue an update for getUpdates, or POST it to the webhook and return the HTTP status.

        `secret_token` overrides the header sent to the webhook (to test that a wrong one is rejected).
        """
        return await self.delivery.push(update, secret_token=secret_token)

    async def inject_until_accepted(self, update: JSON, *, give_up_after: float = 60.0) -> int:
        """POST to the webhook until the bot answers 2xx, redelivering after failures as Telegram does."""
        return await self.delivery.push_until_accepted(update, give_up_after=give_up_after)

    async def inject_duplicate(self, update: JSON) -> int | None:
        """Deliver an update again with the same update_id, even if getUpdates already confirmed it."""
        return await self.delivery.push(update, forced=True)

    # -- request handling (called by the tornado handler) --------------------------------------------------

    async def handle(self, token: str, method: str, params: JSON, files: dict[str, UploadedFile]) -> tuple[int, JSON]:
        """Answer one request: record it, apply injected failures, run the method."""
        if token != self.token:
            return 401, ApiError(401, "Unauthorized").payload()
        name = self._canonical.get(method.lower(), method)
        call = Call(name, params, time.monotonic(), files)
        await self._record(call)  # before running, so a pending getUpdates is visible to wait_for
        try:
            handler = self._methods.get(name)
            if handler is None:
                raise ApiError(404, "Not Found")
            self._check_failures(name, params)
            return 200, {"ok": True, "result": await handler(params, files)}
        except ApiError as error:
            call.status = error.status
            await self._notify()
            return error.status, error.payload()

    def track(self) -> asyncio.Future[None]:
        """A future the close waits for, resolved when one request's handler is done."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._active.add(done)
        done.add_done_callback(self._active.discard)
        return done

    def _check_failures(self, name: str, params: JSON) -> None:
        queue = self._failures.get(name)
        if queue:
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
            raise ApiError(failure.status, failure.description, failure.parameters)
        chat_id = params.get("chat_id")
        if name in SEND_METHODS and isinstance(chat_id, int) and chat_id in self._blocked:
            raise ApiError(403, BLOCKED)
        if name in SEND_METHODS and self._flood is not None:
            wait = self._flood.take(params)
            if wait > 0:
                self.flood_refusals += 1
                retry_after = max(1, int(wait + 0.999))
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})

    def on_call(self, listener: Callable[[Call], None]) -> None:
        """Call `listener` with every request as it is recorded (benchmarks follow replies without scanning
        every call recorded so far, as `wait_for` does)."""
        self._listeners.append(listener)

    async def _record(self, call: Call) -> None:
        self._calls.append(call)
        for listener in self._listeners:
            listener(call)
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()


def _log_request(handler: tornado.web.RequestHandler) -> None:
    """Access log at DEBUG: error answers are expected in these tests, not warnings."""
    request = handler.request
    logger.debug("%d %s %s", handler.get_status(), request.method, request.path.rsplit("/", 1)[-1])


class _Handler(tornado.web.RequestHandler):
    """Routes /bot<token>/<method> (GET or POST; query, form, multipart or JSON) to the fake."""

    api: FakeBotApi
    _work: asyncio.Task[tuple[int, JSON]] | None = None

    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    async def get(self, token: str, method: str) -> None:
        await self.post(token, method)

    async def post(self, token: str, method: str) -> None:
        done = self.api.track()
        try:
            try:
                params = self._params()
            except ValueError:
                self._reply(400, ApiError(400, "Bad Request: can't parse JSON body").payload())
                return
            self._work = asyncio.ensure_future(self.api.handle(token, method, params, self._files()))
            await asyncio.wait([self._work])
            if not self._work.cancelled():  # cancelled: the client hung up (an abandoned long poll)
                self._reply(*self._work.result())
        finally:
            done.set_result(None)

    def on_connection_close(self) -> None:
        if self._work is not None:
            self._work.cancel()

    def _params(self) -> JSON:
        raw: dict[str, Any] = {k: v[-1].decode() for k, v in self.request.query_arguments.items()}
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and self.request.body:
            body = json.loads(self.request.body)
            if not isinstance(body, dict):
                raise ValueError("JSON body is not an object")
            typed = {k: decode_value(k, v) if k in JSON_FIELDS else v for k, v in body.items()}
            return {**decode_params(raw), **typed}
        raw.update({k: v[-1].decode() for k, v in self.request.body_arguments.items()})
        return decode_params(raw)

    def _files(self) -> dict[str, UploadedFile]:
        return {
            name: UploadedFile(parts[-1].filename, parts[-1].content_type, parts[-1].body)
            for name, parts in self.request.files.items()
        }

    def _reply(self, status: int, body: JSON) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))


class _NotFoundHandler(tornado.web.RequestHandler):
    """Any other path: Telegram's 404 JSON."""

    def prepare(self) -> None:
        self.set_status(404)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(ApiError(404, "Not Found").payload()))
