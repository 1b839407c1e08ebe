"""Transport-neutral conversation types: what comes in from a customer and what goes back out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

IncomingKind = Literal[
    "text", "command", "callback", "sticker", "photo", "voice", "document", "location", "edited", "other"
]


@dataclass(frozen=True)
class Incoming:
    """One customer update, whatever the transport (Telegram, terminal)."""

    user_id: int
    chat_id: int
    kind: IncomingKind
    update_id: int | None = None
    first_name: str = ""
    username: str | None = None
    language_code: str | None = None
    text: str = ""
    command: str | None = None
    command_args: str = ""
    callback_data: str | None = None
    message_id: int | None = None  # the transport's id of this message, so media can be copied to staff


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # callback data, at most 64 bytes (checked when rendered)


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    document: Document | None = None


@dataclass(frozen=True)
class StaffNotice:
    """Something the staff group must see: a new handoff, a relayed customer message, a new ticket."""

    kind: Literal["handoff", "relay", "ticket"]
    customer_id: int
    text: str
    topic_id: int | None = None
    topic_name: str | None = None
    # (chat id, message id) of a customer's photo, file or voice message that the transport can copy
    # into the staff topic as it is; `text` is what staff see if the copy fails.
    copy_from: tuple[int, int] | None = None


@dataclass(frozen=True)
class Outcome:
    replies: tuple[Reply, ...] = ()
    staff_notices: tuple[StaffNotice, ...] = ()
    language: str = "zh"


@dataclass(frozen=True)
class StaffRelayResult:
    """What a staff message in a customer's topic produces."""

    customer_chat_id: int | None
    replies: tuple[Reply, ...] = ()
    staff_replies: tuple[Reply, ...] = field(default_factory=tuple)
    closed: bool = False
