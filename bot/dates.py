"""Birthdays as customers type them: 1990年3月5日, 90年3月5号, 3月5号, 1990-03-05, 1990.3.5, 90.3.5,
March 5 1990, 05/03/1990, 5/3/90.

Without a year the birthday is stored in BIRTHDAY_UNKNOWN_YEAR (a leap year, so 2月29日 fits):
greetings need only month and day. A two-digit year is a birth year: 00-29 are the 2000s unless that
date is still to come, everything else the 1900s (90年 is 1990, 05年 2005, 29年 1929 until 2029).
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
# The year: four digits, or two ("90年"), in Arabic or Chinese digits ("一九九〇年", "九零年").
ZH_DATE = re.compile(
    r"(?:(?<![\d零〇一二三四五六七八九])(\d{4}|\d{2}|[零〇一二三四五六七八九]{4}|[零〇一二三四五六七八九]{2})\s*年)?"
    r"\s*([\d一二三四五六七八九十]{1,3})\s*月\s*([\d一二三四五六七八九十]{1,3})\s*[日号號]?"
)
# Year first: 1990-03-05, 1990.3.5, and 90.3.5 (a first number above 31 cannot be a day).
NUMERIC = re.compile(r"(?<!\d)(\d{4}|3[2-9]|[4-9]\d)[-./](\d{1,2})[-./](\d{1,2})(?!\d)")
TWO_DIGIT_YEAR_PIVOT = 30  # 00-29 may be the 2000s (if not in the future), 30-99 are the 1900s


def parse_birthday(text: str, *, today: date) -> date | None:
    """The date a customer meant, or None when the text is not a plausible birthday."""
    found = _chinese(text, today) or _numeric(text, today) or _english(text, today)
    if found is None:
        return None
    if found.year != BIRTHDAY_UNKNOWN_YEAR and not (date(1900, 1, 1) <= found <= today):
        return None
    return found


def birth_year(two_digits: int, month: int, day: int, *, today: date) -> int:
    """The century of a two-digit birth year: the 2000s for 00-29 unless that birthday is still to come,
    else the 1900s."""
    if two_digits < TWO_DIGIT_YEAR_PIVOT:
        try:
            if date(2000 + two_digits, month, day) <= today:
                return 2000 + two_digits
        except ValueError:  # 2月29日 of a year that has none: the 1900s decide
            pass
    return 1900 + two_digits


def _chinese_number(token: str) -> int:
    if token.isdigit():
        return int(token)
    if len(token) in (2, 4) and all(char in CHINESE_DIGITS and char != "两" for char in token):
        return int("".join(str(CHINESE_DIGITS[char]) for char in token))  # digit by digit: 一九九〇, 九零
    if "十" in token:
        tens, _, ones = token.partition("十")
        return (CHINESE_DIGITS.get(tens, 1) if tens else 1) * 10 + (CHINESE_DIGITS.get(ones, 0) if ones else 0)
    return CHINESE_DIGITS.get(token, 0)


def _make(year: int | None, month: int, day: int, *, today: date, year_digits: int = 4) -> date | None:
    if year is not None and year_digits == 2:
        year = birth_year(year, month, day, today=today)
    try:
        return date(year or BIRTHDAY_UNKNOWN_YEAR, month, day)
    except ValueError:
        return None


def _chinese(text: str, today: date) -> date | None:
    match = ZH_DATE.search(text)
    if not match:
        return None
    year_token = match.group(1)
    year = _chinese_number(year_token) if year_token else None
    month, day = _chinese_number(match.group(2)), _chinese_number(match.group(3))
    return _make(year, month, day, today=today, year_digits=len(year_token or "0000"))


def _numeric(text: str, today: date) -> date | None:
    match = NUMERIC.search(text)
    if not match:
        return None
    year, month, day = (int(group) for group in match.groups())
    return _make(year, month, day, today=today, year_digits=len(match.group(1)))


def _english(text: str, today: date) -> date | None:
    if not re.search(r"\d", text):
        return None
    default = date(BIRTHDAY_UNKNOWN_YEAR, 1, 1)
    try:
        # Day first for 05/03/1990 unless that cannot be a date (as most of our customers write it).
        parsed = dateutil_parser.parse(text, fuzzy=True, dayfirst=True, default=_midnight(default))
    except (ValueError, OverflowError):
        return None
    if re.search(r"\b(19|20)\d{2}\b", text):
        return _make(parsed.year, parsed.month, parsed.day, today=today)
    if parsed.year != BIRTHDAY_UNKNOWN_YEAR:  # a two-digit year ("5/3/90"), which dateutil put in a century
        return _make(parsed.year % 100, parsed.month, parsed.day, today=today, year_digits=2)
    return _make(None, parsed.month, parsed.day, today=today)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)
