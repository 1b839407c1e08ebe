"""Choosing the reply language: the message's script, then the saved choice, then Telegram's hint."""

from __future__ import annotations

import re

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_LETTER = re.compile(r"[A-Za-z]")


def language_of_text(text: str) -> str | None:
    """zh when the text has Chinese characters, en when it has Latin letters and none, else None."""
    if CJK.search(text):
        return "zh"
    if LATIN_LETTER.search(text):
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
