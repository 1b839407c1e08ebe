"""Rendering replies for Telegram: splitting long texts, inline keyboards, the 64-byte callback limit."""

from __future__ import annotations

import pytest

from bot.conversation import Button, Reply
from bot.telegram.rendering import (
    MAX_MESSAGE_LENGTH,
    CallbackDataTooLong,
    TextMessage,
    inline_keyboard,
    render_reply,
    split_text,
    telegram_length,
)


def test_short_text_is_one_part() -> None:
    assert split_text("您好！") == ["您好！"]


def test_splits_on_paragraphs_first() -> None:
    first, second = "a" * 3000, "b" * 3000
    assert split_text(f"{first}\n\n{second}") == [first, second]


def test_packs_paragraphs_that_fit_together() -> None:
    paragraphs = ["x" * 1000 for _ in range(6)]
    parts = split_text("\n\n".join(paragraphs))
    assert parts == ["\n\n".join(paragraphs[:4]), "\n\n".join(paragraphs[4:])]


def test_falls_back_to_lines_then_words() -> None:
    lines = "\n".join("line " * 100 for _ in range(20))  # one paragraph of 20 long lines
    parts = split_text(lines)
    assert len(parts) > 1
    assert all(telegram_length(part) <= MAX_MESSAGE_LENGTH for part in parts)
    assert all(not part.startswith("\n") for part in parts)
    assert "\n".join(parts) == lines


def test_cuts_text_without_spaces_at_the_limit() -> None:
    text = "积" * 10_000
    parts = split_text(text)
    assert [len(part) for part in parts] == [4096, 4096, 1808]
    assert "".join(parts) == text


def test_emoji_count_two_towards_the_limit() -> None:
    text = "🙂" * 3000  # 6000 UTF-16 code units
    parts = split_text(text)
    assert [telegram_length(part) for part in parts] == [4096, 1904]


def test_whitespace_only_parts_are_dropped() -> None:
    assert split_text("a" * 4090 + "\n\n\n\n\n\n" + "b" * 10) == ["a" * 4090, "b" * 10]
    assert split_text(" \n\n ") == []


def test_keyboard_rows_and_callback_data() -> None:
    markup = inline_keyboard([[Button("积分", "menu:points"), Button("Tier", "menu:tier")], [Button("人工", "human")]])
    assert markup is not None
    rows = markup.inline_keyboard
    assert [[button.text for button in row] for row in rows] == [["积分", "Tier"], ["人工"]]
    assert rows[0][0].callback_data == "menu:points"


def test_callback_data_of_64_bytes_is_accepted() -> None:
    assert inline_keyboard([[Button("ok", "x" * 64)]]) is not None


@pytest.mark.parametrize("data", ["x" * 65, "积" * 22, ""])  # 22 CJK characters are 66 bytes
def test_callback_data_over_64_bytes_or_empty_is_refused(data: str) -> None:
    with pytest.raises(CallbackDataTooLong):
        inline_keyboard([[Button("too long", data)]])


def test_no_buttons_no_keyboard() -> None:
    assert inline_keyboard([]) is None


def test_long_reply_keeps_the_keyboard_under_its_last_part() -> None:
    reply = Reply(text="a" * 4000 + "\n\n" + "b" * 200, buttons=((Button("Menu", "menu"),),))
    messages = render_reply(reply)
    assert all(isinstance(message, TextMessage) for message in messages)
    first, last = messages
    assert isinstance(first, TextMessage) and isinstance(last, TextMessage)
    assert first.reply_markup is None
    assert last.reply_markup is not None and last.text == "b" * 200
