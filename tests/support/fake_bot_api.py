"""A real HTTP fake of the Telegram Bot API for end-to-end tests.

    async with FakeBotApi() as api:
        app = Application.builder().token(api.token).base_url(api.base_url).build()
        await api.inject(api.user_message(42, "hi"))
        await api.wait_for("sendMessage")

It runs a tornado server on 127.0.0.1 in the test's event loop, answers the methods the bot uses with
objects PTB can de-json, records every call, delivers injected updates to getUpdates long polls or to a
webhook set with setWebhook, and can be told to fail (429, 403 for blocked users, any error).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import tornado.httpserver
import tornado.netutil
import tornado.web

JSON = dict[str, Any]
logger = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456789:AAFakeTokenForEndToEndTests_0123456789"
DEFAULT_ICON_COLOR = 7322096
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

# Form and multipart fields always arrive as strings; these stay strings, every other field is JSON-decoded
# ("42" -> 42, "true" -> True, '{"inline_keyboard": ...}' -> dict). Without this, a text "123" would become 123.
STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "url",
        "secret_token",
        "ip_address",
        "name",
        "icon_custom_emoji_id",
        "action",
        "title",
        "description",
        "short_description",
        "language_code",
        "message_effect_id",
        "business_connection_id",
        "inline_message_id",
        "emoji",
        "document",
        "photo",
        "sticker",
        "voice",
        "audio",
        "video",
        "animation",
        "thumbnail",
        "file_id",
    }
)
# Fields that are JSON objects or arrays even when a client sends them JSON-encoded inside a JSON body.
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "reply_parameters",
        "link_preview_options",
        "media",
        "message_ids",
    }
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
COPYABLE_CONTENT = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "photo",
    "sticker",
    "voice",
    "document",
    "location",
    "video",
    "audio",
    "animation",
    "contact",
    "video_note",
)
SEND_METHODS = frozenset({"sendMessage", "sendDocument", "sendChatAction", "copyMessage", "forwardMessage"})
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
ERROR_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
BLOCKED = "Forbidden: bot was blocked by the user"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class ApiError(Exception):
    """An error answer of the Bot API: {"ok": false, "error_code": status, "description": ...}."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSON:
        """The JSON body Telegram would answer with."""
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart request."""

    filename: str
    content_type: str
    body: bytes


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
class ForumTopic:
    """A forum topic created with createForumTopic (or seen in a group message)."""

    message_thread_id: int
    name: str
    icon_color: int = DEFAULT_ICON_COLOR
    closed: bool = False

    def to_json(self) -> JSON:
        """The Bot API ForumTopic object."""
        return {"message_thread_id": self.message_thread_id, "name": self.name, "icon_color": self.icon_color}


@dataclass
class _Failure:
    status: int
    description: str
    parameters: JSON | None
    times: int


@dataclass
class _Pending:
    update: JSON
    forced: bool = False  # a duplicate: delivered once whatever the offset


def decode_value(name: str, value: Any) -> Any:
    """Decode one form field (always a string) or one JSON-body field to the value it stands for."""
    if not isinstance(value, str) or (name in STRING_FIELDS and name not in JSON_FIELDS):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def decode_params(raw: dict[str, Any]) -> JSON:
    """Decode all fields of a request (form, multipart, query string or JSON body)."""
    return {name: decode_value(name, value) for name, value in raw.items()}


def _required(params: JSON, name: str) -> Any:
    if params.get(name) in (None, ""):
        raise ApiError(400, f"Bad Request: {name} is empty")
    return params[name]


def _int_param(params: JSON, name: str) -> int:
    value = _required(params, name)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"Bad Request: wrong parameter {name}") from None


def _check_reply_markup(markup: Any) -> None:
    if not isinstance(markup, dict):
        return
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def _check_text(text: Any, *, caption: bool = False) -> None:
    limit = MAX_CAPTION if caption else MAX_TEXT
    if text is not None and len(str(text)) > limit:
        raise ApiError(
            400, "Bad Request: message caption is too long" if caption else "Bad Request: message is too long"
        )


def _command_entities(text: str) -> list[JSON]:
    if not text.startswith("/"):
        return []
    return [{"type": "bot_command", "offset": 0, "length": len(text.split(maxsplit=1)[0])}]


class FakeBotApi:
    """The fake Bot API server; use as `async with FakeBotApi() as api:` inside a running event loop."""

    def __init__(self, token: str = DEFAULT_TOKEN, *, bot_name: str = "CareBot", bot_username: str = "CareBotTestBot"):
        self.token = token
        prefix = token.split(":", 1)[0]
        self.bot_user: JSON = {
            "id": int(prefix) if prefix.isdigit() else 1000,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self.webhook: Webhook | None = None
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self._calls: list[Call] = []
        self._pending: list[_Pending] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._blocked: set[int] = set()
        self._messages: dict[tuple[int, int], JSON] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._chats: dict[int, JSON] = {}
        self._topics: dict[tuple[int, int], ForumTopic] = {}
        self._open_queries: set[str] = set()
        self._update_ids = itertools.count(100_000_001)
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._closing = False
        self._active: set[asyncio.Future[None]] = set()
        self._server: tornado.httpserver.HTTPServer | None = None
        self._client: httpx.AsyncClient | None = None
        self.port = 0
        self._methods: dict[str, Callable[[JSON, dict[str, UploadedFile]], Awaitable[Any]]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "createForumTopic": self._create_forum_topic,
            "closeForumTopic": self._close_forum_topic,
            "reopenForumTopic": self._reopen_forum_topic,
            "sendDocument": self._send_document,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getChat": self._get_chat,
            "deleteMessage": self._delete_message,
        }
        self._canonical = {name.lower(): name for name in self._methods}

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
        self._client = httpx.AsyncClient(timeout=10)

    async def close(self) -> None:
        """Wake pending long polls, let in-flight requests finish, close the server and connections."""
        self._closing = True
        await self._notify()
        if self._active:
            await asyncio.wait(self._active)
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    @property
    def base_url(self) -> str:
        """What `ApplicationBuilder.base_url()` / `Bot(base_url=...)` take: http://127.0.0.1:PORT/bot."""
        return f"http://127.0.0.1:{self.port}/bot"

    def url(self, method: str) -> str:
        """The full URL of one method, like https://api.telegram.org/bot<token>/<method>."""
        return f"{self.base_url}{self.token}/{method}"

    # -- recording -----------------------------------------------------------------------------------------

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

    def clear(self) -> None:
        """Forget recorded calls and webhook deliveries (state such as messages and topics stays)."""
        self._calls.clear()
        self.webhook_deliveries.clear()

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
        return self._messages.get((chat_id, message_id))

    def topic(self, chat_id: int, message_thread_id: int) -> ForumTopic | None:
        """A forum topic the fake knows."""
        return self._topics.get((chat_id, message_thread_id))

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

    def block_user(self, chat_id: int) -> None:
        """Make every send to this chat answer 403 "bot was blocked by the user"."""
        self._blocked.add(int(chat_id))

    def unblock_user(self, chat_id: int) -> None:
        """Undo `block_user`."""
        self._blocked.discard(int(chat_id))

    # -- update builders -----------------------------------------------------------------------------------

    def user(self, user_id: int, *, first_name: str = "Customer", language_code: str | None = "zh") -> JSON:
        """A Bot API User object for a customer."""
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    def user_message(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Customer",
        language_code: str | None = "zh",
        chat_id: int | None = None,
    ) -> JSON:
        """An update with a text message from a customer in their private chat (commands get entities)."""
        sender = self.user(user_id, first_name=first_name, language_code=language_code)
        message = self._user_content(sender, chat_id, text=text)
        if entities := _command_entities(text):
            message["entities"] = entities
        return self._update("message", message)

    def callback(self, user_id: int, data: str, message_id: int, *, chat_id: int | None = None) -> JSON:
        """An update with a callback query from pressing an inline button on one of the bot's messages."""
        sender = self.user(user_id)
        chat = chat_id if chat_id is not None else user_id
        message = self._messages.get((chat, message_id))
        if message is None:  # sent before the fake started: Telegram still has it
            message = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": self._chat(chat, sender),
                "from": self.bot_user,
                "text": "",
            }
            self._messages[(chat, message_id)] = message
        query_id = str(next(self._ids) * 7919)
        self._open_queries.add(query_id)
        query = {"id": query_id, "from": sender, "chat_instance": f"ci{chat}", "data": data, "message": message}
        return self._update("callback_query", query)

    def sticker(self, user_id: int, *, emoji: str = "👍") -> JSON:
        """An update with a sticker from a customer."""
        sticker = {
            **self._file("sticker"),
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
            "emoji": emoji,
        }
        return self._update("message", self._user_content(self.user(user_id), None, sticker=sticker))

    def photo(self, user_id: int, *, caption: str | None = None) -> JSON:
        """An update with a photo (two sizes) from a customer."""
        base = self._file("photo")
        sizes = [
            {**base, "file_id": base["file_id"] + "s", "width": 90, "height": 60, "file_size": 1200},
            {**base, "width": 1280, "height": 853, "file_size": 98_000},
        ]
        content: JSON = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        return self._update("message", self._user_content(self.user(user_id), None, **content))

    def voice(self, user_id: int, *, duration: int = 3) -> JSON:
        """An update with a voice note from a customer."""
        voice = {**self._file("voice"), "duration": duration, "mime_type": "audio/ogg", "file_size": 8000}
        return self._update("message", self._user_content(self.user(user_id), None, voice=voice))

    def document(
        self,
        user_id: int,
        *,
        file_name: str = "invoice.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
    ) -> JSON:
        """An update with a document from a customer."""
        doc = {**self._file("document"), "file_name": file_name, "mime_type": mime_type, "file_size": 20_480}
        content: JSON = {"document": doc}
        if caption is not None:
            content["caption"] = caption
        return self._update("message", self._user_content(self.user(user_id), None, **content))

    def location(self, user_id: int, *, latitude: float = 31.2304, longitude: float = 121.4737) -> JSON:
        """An update with a location from a customer."""
        location = {"latitude": latitude, "longitude": longitude}
        return self._update("message", self._user_content(self.user(user_id), None, location=location))

    def edited_message(self, user_id: int, message_id: int, text: str, *, chat_id: int | None = None) -> JSON:
        """An update editing an earlier customer message to `text`."""
        chat = chat_id if chat_id is not None else user_id
        sender = self.user(user_id)
        now = int(time.time())
        original = self._messages.get((chat, message_id), {})
        message: JSON = {
            "message_id": message_id,
            "date": original.get("date", now),
            "edit_date": now,
            "chat": self._chat(chat, sender),
            "from": sender,
            "text": text,
        }
        self._messages[(chat, message_id)] = message
        return self._update("edited_message", message)

    def group_message(
        self,
        chat_id: int,
        thread_id: int | None,
        user_id: int,
        text: str,
        *,
        first_name: str = "Staff",
        reply_to_message_id: int | None = None,
    ) -> JSON:
        """An update with a staff message in a forum supergroup topic (`thread_id` None: General topic)."""
        sender = self.user(user_id, first_name=first_name, language_code=None)
        chat = self._chat(chat_id)
        message = self._new_message(chat, sender, text=text)
        if entities := _command_entities(text):
            message["entities"] = entities
        self._thread(message, thread_id, reply_to_message_id)
        return self._update("message", message)

    # -- injection -----------------------------------------------------------------------------------------

    async def inject(self, update: JSON, *, secret_token: str | None = None) -> int | None:
        """Queue an update for getUpdates, or POST it to the webhook and return the HTTP status.

        `secret_token` overrides the header sent to the webhook (to test that a wrong one is rejected).
        """
        if self.webhook is not None:
            return await self._deliver(update, secret_token or self.webhook.secret_token)
        self._pending.append(_Pending(update))
        await self._notify()
        return None

    async def inject_duplicate(self, update: JSON) -> int | None:
        """Deliver an update again with the same update_id, even if getUpdates already confirmed it."""
        if self.webhook is not None:
            return await self._deliver(update, self.webhook.secret_token)
        self._pending.append(_Pending(update, forced=True))
        await self._notify()
        return None

    async def _deliver(self, update: JSON, secret_token: str | None) -> int:
        assert self.webhook is not None and self._client is not None
        headers = {SECRET_HEADER: secret_token} if secret_token else {}
        response = await self._client.post(self.webhook.url, json=update, headers=headers)
        self.webhook_deliveries.append(WebhookDelivery(update, secret_token, response.status_code))
        return response.status_code

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

    async def _record(self, call: Call) -> None:
        self._calls.append(call)
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def track(self) -> asyncio.Future[None]:
        """A future the close waits for, resolved when one request's handler is done."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._active.add(done)
        done.add_done_callback(self._active.discard)
        return done

    # -- methods -------------------------------------------------------------------------------------------

    async def _get_me(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False}

    async def _get_updates(self, params: JSON, files: dict[str, UploadedFile]) -> list[JSON]:
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        self._confirm(int(params.get("offset") or 0))
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = float(params.get("timeout") or 0)
        if not self._pending and timeout > 0 and not self._closing:
            try:
                async with asyncio.timeout(timeout), self._changed:
                    await self._changed.wait_for(lambda: bool(self._pending) or self._closing)
            except TimeoutError:
                pass
        batch = self._pending[:limit]
        self._pending = [p for p in self._pending if not (p.forced and p in batch)]
        return [p.update for p in batch]

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            self._pending = self._pending[offset:]
        elif offset > 0:
            self._pending = [p for p in self._pending if p.forced or p.update["update_id"] >= offset]

    async def _set_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        url = params.get("url") or ""
        if not url:
            self.webhook = None
            return True
        if not str(url).startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = Webhook(str(url), params.get("secret_token"), params)
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _delete_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _get_webhook_info(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        info: JSON = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook is not None:
            info["max_connections"] = self.webhook.params.get("max_connections", 40)
            if "allowed_updates" in self.webhook.params:
                info["allowed_updates"] = self.webhook.params["allowed_updates"]
        return info

    async def _send_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._chat(_required(params, "chat_id"))
        text = params.get("text")
        if text in (None, ""):
            raise ApiError(400, "Bad Request: message text is empty")
        _check_text(text)
        _check_reply_markup(params.get("reply_markup"))
        message = self._new_message(chat, self.bot_user, text=str(text))
        if params.get("entities"):
            message["entities"] = params["entities"]
        return self._finish_sent(message, params)

    async def _send_document(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._chat(_required(params, "chat_id"))
        upload = files.get("document")
        if upload is not None:
            document = {
                **self._file("document"),
                "file_name": upload.filename,
                "mime_type": upload.content_type,
                "file_size": len(upload.body),
            }
        elif params.get("document"):
            document = {"file_id": str(params["document"]), "file_unique_id": f"u{next(self._ids)}"}
        else:
            raise ApiError(400, "Bad Request: there is no document in the request")
        _check_text(params.get("caption"), caption=True)
        _check_reply_markup(params.get("reply_markup"))
        message = self._new_message(chat, self.bot_user, document=document)
        if params.get("caption"):
            message["caption"] = params["caption"]
        return self._finish_sent(message, params)

    async def _edit_message_text(self, params: JSON, files: dict[str, UploadedFile]) -> JSON | bool:
        if params.get("inline_message_id"):
            return True
        message = self._own_message(params, "edit")
        text = params.get("text")
        if text in (None, ""):
            raise ApiError(400, "Bad Request: message text is empty")
        _check_text(text)
        _check_reply_markup(params.get("reply_markup"))
        markup = _inline_markup(params.get("reply_markup"))
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise ApiError(400, NOT_MODIFIED)
        return self._edited(message, text=str(text), reply_markup=markup)

    async def _edit_message_reply_markup(self, params: JSON, files: dict[str, UploadedFile]) -> JSON | bool:
        if params.get("inline_message_id"):
            return True
        message = self._own_message(params, "edit")
        _check_reply_markup(params.get("reply_markup"))
        markup = _inline_markup(params.get("reply_markup"))
        if message.get("reply_markup") == markup:
            raise ApiError(400, NOT_MODIFIED)
        return self._edited(message, reply_markup=markup)

    async def _answer_callback_query(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        query_id = str(_required(params, "callback_query_id"))
        if query_id not in self._open_queries:
            raise ApiError(400, QUERY_INVALID)
        self._open_queries.discard(query_id)
        return True

    async def _send_chat_action(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        _required(params, "chat_id")
        if params.get("action") not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    async def _create_forum_topic(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._chat(_required(params, "chat_id"))
        name = str(_required(params, "name"))
        if len(name) > 128:
            raise ApiError(400, "Bad Request: TOPIC_NAME_INVALID")
        color = int(params.get("icon_color") or DEFAULT_ICON_COLOR)
        service = self._new_message(chat, self.bot_user, forum_topic_created={"name": name, "icon_color": color})
        thread_id = service["message_id"]
        service.update(message_thread_id=thread_id, is_topic_message=True)
        topic = ForumTopic(thread_id, name, color)
        self._topics[(chat["id"], thread_id)] = topic
        return topic.to_json()

    async def _close_forum_topic(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        return self._set_topic_closed(params, closed=True)

    async def _reopen_forum_topic(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        return self._set_topic_closed(params, closed=False)

    def _set_topic_closed(self, params: JSON, *, closed: bool) -> bool:
        key = (_int_param(params, "chat_id"), _int_param(params, "message_thread_id"))
        topic = self._topics.get(key)
        if topic is None:
            raise ApiError(400, "Bad Request: TOPIC_ID_INVALID")
        if topic.closed == closed:
            raise ApiError(400, "Bad Request: TOPIC_NOT_MODIFIED")
        topic.closed = closed
        return True

    async def _copy_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        source = self._source_message(params, "copy")
        chat = self._chat(_required(params, "chat_id"))
        content = {k: v for k, v in source.items() if k in COPYABLE_CONTENT}
        if "caption" in params:
            content["caption"] = params["caption"]
        _check_reply_markup(params.get("reply_markup"))
        message = self._new_message(chat, self.bot_user, **content)
        self._finish_sent(message, params)
        return {"message_id": message["message_id"]}

    async def _forward_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        source = self._source_message(params, "forward")
        chat = self._chat(_required(params, "chat_id"))
        content = {k: v for k, v in source.items() if k in COPYABLE_CONTENT}
        origin = {"type": "user", "sender_user": source.get("from", self.bot_user), "date": source["date"]}
        message = self._new_message(chat, self.bot_user, forward_origin=origin, **content)
        self._thread(message, params.get("message_thread_id"), None)
        return message

    async def _set_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        commands = _required(params, "commands")
        for command in commands:
            if not COMMAND_RE.match(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = list(commands)
        return True

    async def _get_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> list[JSON]:
        return self.commands.get(self._commands_key(params), [])

    async def _delete_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    @staticmethod
    def _commands_key(params: JSON) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _get_chat(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._chat(_required(params, "chat_id"))
        gifts = {
            "unlimited_gifts": True,
            "limited_gifts": True,
            "unique_gifts": True,
            "premium_subscription": True,
            "gifts_from_channels": True,
        }
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}

    async def _delete_message(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        key = (_int_param(params, "chat_id"), _int_param(params, "message_id"))
        if self._messages.pop(key, None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    # -- message helpers -----------------------------------------------------------------------------------

    def _chat(self, chat_id: Any, user: JSON | None = None) -> JSON:
        """The Chat object for an id, remembered once seen (private chats take the user's names)."""
        try:
            key = int(chat_id)
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        if key not in self._chats or (user is not None and key == user["id"]):
            if key > 0:
                chat: JSON = {"id": key, "type": "private", "first_name": (user or {}).get("first_name", "Customer")}
            elif str(key).startswith("-100"):
                chat = {"id": key, "type": "supergroup", "title": "Customer care", "is_forum": True}
            else:
                chat = {"id": key, "type": "group", "title": "Group"}
            self._chats[key] = chat
        return self._chats[key]

    def _new_message(self, chat: JSON, sender: JSON, **content: Any) -> JSON:
        counter = self._message_ids.setdefault(chat["id"], itertools.count(1))
        message: JSON = {"message_id": next(counter), "date": int(time.time()), "chat": chat, "from": sender}
        message.update(content)
        self._messages[(chat["id"], message["message_id"])] = message
        return message

    def _user_content(self, sender: JSON, chat_id: int | None, **content: Any) -> JSON:
        chat = self._chat(chat_id if chat_id is not None else sender["id"], sender)
        return self._new_message(chat, sender, **content)

    def _update(self, kind: str, payload: JSON) -> JSON:
        return {"update_id": next(self._update_ids), kind: payload}

    def _file(self, kind: str) -> JSON:
        n = next(self._ids)
        return {"file_id": f"fake-{kind}-{n}", "file_unique_id": f"u{kind[:2]}{n}"}

    def _thread(self, message: JSON, thread_id: Any, reply_to_message_id: Any) -> None:
        """Put a message in a forum topic: Telegram makes it a reply to the topic's creation message."""
        chat_id = message["chat"]["id"]
        reply_to = self._messages.get((chat_id, int(reply_to_message_id))) if reply_to_message_id else None
        if thread_id:
            thread = int(thread_id)
            message.update(message_thread_id=thread, is_topic_message=True)
            topic = self._topics.setdefault((chat_id, thread), ForumTopic(thread, f"Topic {thread}"))
            if reply_to is None:
                reply_to = self._messages.get((chat_id, thread)) or {
                    "message_id": thread,
                    "date": message["date"],
                    "chat": message["chat"],
                    "message_thread_id": thread,
                    "forum_topic_created": {"name": topic.name, "icon_color": topic.icon_color},
                }
        if reply_to is not None:
            message["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}

    def _finish_sent(self, message: JSON, params: JSON) -> JSON:
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id") if isinstance(reply, dict) else None
        self._thread(message, params.get("message_thread_id"), reply_to or params.get("reply_to_message_id"))
        if markup := _inline_markup(params.get("reply_markup")):
            message["reply_markup"] = markup
        return message

    def _own_message(self, params: JSON, verb: str) -> JSON:
        key = (_int_param(params, "chat_id"), _int_param(params, "message_id"))
        message = self._messages.get(key)
        if message is None:
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        if message.get("from", {}).get("id") != self.bot_user["id"]:
            raise ApiError(400, f"Bad Request: message can't be {verb}ed")
        return message

    def _source_message(self, params: JSON, verb: str) -> JSON:
        key = (_int_param(params, "from_chat_id"), _int_param(params, "message_id"))
        message = self._messages.get(key)
        if message is None:
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        if not any(k in message for k in COPYABLE_CONTENT):
            raise ApiError(400, f"Bad Request: message can't be {verb}ed")
        return message

    def _edited(self, message: JSON, **changes: Any) -> JSON:
        message.update({k: v for k, v in changes.items() if k != "reply_markup"}, edit_date=int(time.time()))
        if changes.get("reply_markup"):
            message["reply_markup"] = changes["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return message


def _inline_markup(markup: Any) -> JSON | None:
    """Only inline keyboards come back in Message.reply_markup; reply keyboards and removals do not."""
    return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None


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
