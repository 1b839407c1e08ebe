"""The Bot API's wire format: how parameters arrive, how errors answer, the limits Telegram checks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]

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
        "message_effect_id",
        "business_connection_id",
        "document",
        "thumbnail",
    }
)
# Fields that are JSON objects or arrays even when a client sends them JSON-encoded inside a JSON body.
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "reply_parameters",
        "link_preview_options",
    }
)
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


def decode_value(name: str, value: Any) -> Any:
    """Decode one form field (always a string) or one JSON-body field to the value it stands for."""
    if not isinstance(value, str) or name in STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def decode_params(raw: dict[str, Any]) -> JSON:
    """Decode all fields of a request (form, multipart, query string or JSON body)."""
    return {name: decode_value(name, value) for name, value in raw.items()}


def required(params: JSON, name: str) -> Any:
    """A parameter that must be present and not empty."""
    if params.get(name) in (None, ""):
        raise ApiError(400, f"Bad Request: {name} is empty")
    return params[name]


def int_param(params: JSON, name: str) -> int:
    """A required integer parameter (ids arrive as numbers or numeric strings)."""
    value = required(params, name)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"Bad Request: wrong parameter {name}") from None


def check_reply_markup(markup: Any) -> None:
    """Telegram refuses callback data that is empty or longer than 64 bytes."""
    if not isinstance(markup, dict):
        return
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def check_text(text: Any, *, caption: bool = False) -> None:
    """Telegram refuses texts over 4096 characters and captions over 1024."""
    limit = MAX_CAPTION if caption else MAX_TEXT
    if text is not None and len(str(text)) > limit:
        raise ApiError(
            400, "Bad Request: message caption is too long" if caption else "Bad Request: message is too long"
        )


def inline_markup(markup: Any) -> JSON | None:
    """Only inline keyboards come back in Message.reply_markup; reply keyboards and removals do not."""
    return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None
