"""Choosing the reply language: the message's script, then the saved choice, then Telegram's hint."""

from __future__ import annotations

import re

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_LETTER = re.compile(r"[A-Za-z]")
DIGIT = re.compile(r"[0-9]")


def language_of_text(text: str) -> str | None:
    """zh when the text has Chinese characters, en when it has Latin words, else None (no evidence).

    Words with digits in them are codes, not English: a Chinese customer typing an order number
    (SO-20261101-007) or a postcode keeps getting Chinese replies.
    """
    if CJK.search(text):
        return "zh"
    if any(LATIN_LETTER.search(word) for word in text.split() if not DIGIT.search(word)):
        return "en"
    return None


def language_of_code(language_code: str | None) -> str | None:
    if not language_code:
        return None
    code = language_code.lower()
    if code.startswith("zh"):
        return "zh"
    if code.startswith("en"):
        return "en"
    return None


def choose_language(*, text: str, saved: str | None, language_code: str | None, default: str) -> str:
    return language_of_text(text) or saved or language_of_code(language_code) or default
