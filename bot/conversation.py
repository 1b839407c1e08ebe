"""Transport-neutral conversation types: what comes in from a customer and what goes back out."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

MAX_TEXT = 4000  # longer messages are cut before NLU and storage; Telegram itself allows 4096
# Control and direction-override characters, and lone surrogates (valid JSON escapes that no database
# or Redis can store as UTF-8).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
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
    file_id: str | None = None  # the transport's id of a photo's file, kept with a ticket it is attached to


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
    """Something the staff group must see: a new handoff, a relayed customer message, a new ticket, or that a
    customer erased their data (the transport then deletes the staff topics of erased customers)."""

    kind: Literal["handoff", "relay", "ticket", "erased"]
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
    repeated: bool = False  # the update was processed before (a redelivery): no effect happened again
    in_flight: bool = False  # a repeat while the first delivery may still be sending: answer it later

    def to_record(self) -> dict[str, Any]:
        """JSON for the update's claim, kept until the replies are sent (a document is kept as its text only)."""
        return {
            "language": self.language,
            "replies": [
                {"text": reply.text, "buttons": [[[b.label, b.data] for b in row] for row in reply.buttons]}
                for reply in self.replies
            ],
            "staff_notices": [asdict(notice) for notice in self.staff_notices],
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Outcome:
        """The outcome stored by `to_record`, to send again after a crash; marked as a repeat."""
        replies = tuple(
            Reply(item["text"], tuple(tuple(Button(label, data) for label, data in row) for row in item["buttons"]))
            for item in record.get("replies", [])
        )
        notices = tuple(
            StaffNotice(**{**item, "copy_from": tuple(item["copy_from"]) if item.get("copy_from") else None})
            for item in record.get("staff_notices", [])
        )
        return cls(replies=replies, staff_notices=notices, language=str(record.get("language", "zh")), repeated=True)


@dataclass(frozen=True)
class StaffRelayResult:
    """What a staff message in a customer's topic produces."""

    customer_chat_id: int | None
    replies: tuple[Reply, ...] = ()
    staff_replies: tuple[Reply, ...] = field(default_factory=tuple)
    closed: bool = False


class TurnFailed(Exception):
    """An update could not be handled (its transaction was rolled back); raised from the cause.

    The transport's error edge logs the cause (redacted) and sends `apology` to the chat the update came
    from, in the language the conversation was in.
    """

    def __init__(self, *, update_id: int | None, apology: Reply) -> None:
        super().__init__(f"update {update_id} failed")
        self.update_id = update_id
        self.apology = apology


def clean_text(raw: str) -> str:
    """Strip control and direction-override characters, collapse blank runs, cap the length."""
    return CONTROL_CHARACTERS.sub("", raw).strip()[:MAX_TEXT]
