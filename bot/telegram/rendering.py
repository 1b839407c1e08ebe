"""Turn the pipeline's transport-neutral replies into Bot API messages.

Texts longer than Telegram's limit are split on paragraph, then line, then word boundaries; buttons
become inline keyboards (their callback data must fit Telegram's 64 bytes); documents are sent as files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.conversation import Button, Reply
from bot.telegram.sender import Sender, SendResult

MAX_MESSAGE_LENGTH = 4096  # Telegram counts UTF-16 code units
MAX_CALLBACK_DATA_BYTES = 64
_SEPARATORS = ("\n\n", "\n", " ")


class CallbackDataTooLong(ValueError):
    """A button's callback data does not fit Telegram's 64 bytes (a bug in the flow that made it)."""


@dataclass(frozen=True)
class TextMessage:
    text: str
    reply_markup: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class DocumentMessage:
    filename: str
    content: bytes


Outgoing = TextMessage | DocumentMessage


def telegram_length(text: str) -> int:
    """Length as Telegram measures it: UTF-16 code units (an emoji outside the BMP counts two)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Split into parts that each fit `limit`, preferring paragraph, then line, then word boundaries."""
    parts = (part.strip("\n") for part in _split(text, limit, 0))
    return [part for part in parts if part.strip()]


def _split(text: str, limit: int, level: int) -> list[str]:
    if telegram_length(text) <= limit:
        return [text]
    if level == len(_SEPARATORS):
        return _hard_cut(text, limit)
    separator = _SEPARATORS[level]
    pieces = text.split(separator)
    if len(pieces) == 1:
        return _split(text, limit, level + 1)
    parts: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{separator}{piece}" if current else piece
        if telegram_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        smaller = _split(piece, limit, level + 1)
        parts.extend(smaller[:-1])
        current = smaller[-1]
    if current:
        parts.append(current)
    return parts


def _hard_cut(text: str, limit: int) -> list[str]:
    """Cut a run with no spaces (long CJK text, a URL) at the limit, never inside a character."""
    parts: list[str] = []
    current: list[str] = []
    length = 0
    for character in text:
        width = telegram_length(character)
        if length + width > limit:
            parts.append("".join(current))
            current, length = [], 0
        current.append(character)
        length += width
    if current:
        parts.append("".join(current))
    return parts


def inline_keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """Rows of buttons as an inline keyboard; refuses callback data Telegram would reject."""
    keyboard = [[_inline_button(button) for button in row] for row in rows if row]
    return InlineKeyboardMarkup(keyboard) if keyboard else None


def _inline_button(button: Button) -> InlineKeyboardButton:
    size = len(button.data.encode("utf-8"))
    if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
        raise CallbackDataTooLong(f"callback data of {size} bytes (1-{MAX_CALLBACK_DATA_BYTES} allowed)")
    return InlineKeyboardButton(button.label, callback_data=button.data)


def render_reply(reply: Reply) -> list[Outgoing]:
    """One reply as Bot API messages: the text in parts, the keyboard under the last part, then a document."""
    markup = inline_keyboard(reply.buttons)
    parts = split_text(reply.text)
    messages: list[Outgoing] = [TextMessage(text=part) for part in parts[:-1]]
    if parts:
        messages.append(TextMessage(text=parts[-1], reply_markup=markup))
    if reply.document is not None:
        messages.append(DocumentMessage(filename=reply.document.filename, content=reply.document.content))
    return messages


def render_replies(replies: Iterable[Reply]) -> list[Outgoing]:
    return [message for reply in replies for message in render_reply(reply)]


async def send_outgoing(
    sender: Sender, chat_id: int, messages: Iterable[Outgoing], *, message_thread_id: int | None = None
) -> list[SendResult[Message]]:
    """Send rendered messages in order; stop at the first that fails (the rest would read out of context)."""
    results: list[SendResult[Message]] = []
    for message in messages:
        if isinstance(message, TextMessage):
            result = await sender.send_message(
                chat_id, message.text, reply_markup=message.reply_markup, message_thread_id=message_thread_id
            )
        else:
            result = await sender.send_document(
                chat_id, content=message.content, filename=message.filename, message_thread_id=message_thread_id
            )
        results.append(result)
        if not result.ok:
            break
    return results
