"""Birthdays as customers type them: 1990年3月5日, 3月5号, 1990-03-05, 1990.3.5, March 5 1990, 05/03/1990.

Without a year the birthday is stored in BIRTHDAY_UNKNOWN_YEAR (a leap year, so 2月29日 fits):
greetings need only month and day.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from dateutil import parser as dateutil_parser

BIRTHDAY_UNKNOWN_YEAR = 1904
CHINESE_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
ZH_DATE = re.compile(
    r"(?:(\d{4}|[零〇一二三四五六七八九]{4})\s*年)?\s*([\d一二三四五六七八九十]{1,3})\s*月\s*([\d一二三四五六七八九十]{1,3})\s*[日号號]?"
)
NUMERIC = re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})")


def parse_birthday(text: str, *, today: date) -> date | None:
    """The date a customer meant, or None when the text is not a plausible birthday."""
    found = _chinese(text) or _numeric(text) or _english(text)
    if found is None:
        return None
    if found.year != BIRTHDAY_UNKNOWN_YEAR and not (date(1900, 1, 1) <= found <= today):
        return None
    return found


def _chinese_number(token: str) -> int:
    if token.isdigit():
        return int(token)
    if len(token) == 4:  # a year written digit by digit: 一九九〇
        return int("".join(str(CHINESE_DIGITS[char]) for char in token))
    if "十" in token:
        tens, _, ones = token.partition("十")
        return (CHINESE_DIGITS.get(tens, 1) if tens else 1) * 10 + (CHINESE_DIGITS.get(ones, 0) if ones else 0)
    return CHINESE_DIGITS.get(token, 0)


def _make(year: int | None, month: int, day: int) -> date | None:
    try:
        return date(year or BIRTHDAY_UNKNOWN_YEAR, month, day)
    except ValueError:
        return None


def _chinese(text: str) -> date | None:
    match = ZH_DATE.search(text)
    if not match:
        return None
    year = _chinese_number(match.group(1)) if match.group(1) else None
    return _make(year, _chinese_number(match.group(2)), _chinese_number(match.group(3)))


def _numeric(text: str) -> date | None:
    match = NUMERIC.search(text)
    return _make(int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None


def _english(text: str) -> date | None:
    if not re.search(r"\d", text):
        return None
    default = date(BIRTHDAY_UNKNOWN_YEAR, 1, 1)
    try:
        # Day first for 05/03/1990 unless that cannot be a date (as most of our customers write it).
        parsed = dateutil_parser.parse(text, fuzzy=True, dayfirst=True, default=_midnight(default))
    except (ValueError, OverflowError):
        return None
    has_year = re.search(r"\b(19|20)\d{2}\b", text) is not None
    return _make(parsed.year if has_year else None, parsed.month, parsed.day)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)
