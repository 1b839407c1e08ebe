"""Small pure helpers: birthdays, callback data, language choice."""

from __future__ import annotations

from datetime import date

import pytest

from bot import callbacks
from bot.dates import BIRTHDAY_UNKNOWN_YEAR, parse_birthday
from bot.language import choose_language

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1990年3月5日", date(1990, 3, 5)),
        ("我的生日是1990年3月5号", date(1990, 3, 5)),
        ("3月5号", date(BIRTHDAY_UNKNOWN_YEAR, 3, 5)),
        ("九月三十日", date(BIRTHDAY_UNKNOWN_YEAR, 9, 30)),
        ("一九九〇年二月十四日", date(1990, 2, 14)),
        ("1990-03-05", date(1990, 3, 5)),
        ("1990.3.5", date(1990, 3, 5)),
        ("March 5 1990", date(1990, 3, 5)),
        ("5 March 1990", date(1990, 3, 5)),
        ("05/03/1990", date(1990, 3, 5)),
        ("2月29日", date(BIRTHDAY_UNKNOWN_YEAR, 2, 29)),
        ("90年3月5号", date(1990, 3, 5)),  # a two-digit year is not a missing year
        ("我是90年3月5号出生的", date(1990, 3, 5)),
        ("九零年三月五日", date(1990, 3, 5)),
        ("90.3.5", date(1990, 3, 5)),
        ("5/3/90", date(1990, 3, 5)),
        ("5 March 90", date(1990, 3, 5)),
    ],
)
def test_common_birthday_forms(typed: str, expected: date) -> None:
    assert parse_birthday(typed, today=TODAY) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("05年3月5日", date(2005, 3, 5)),  # 00-29: the 2000s when that day has passed
        ("00年2月29日", date(2000, 2, 29)),
        ("26年3月5日", date(2026, 3, 5)),
        ("26年12月25日", date(1926, 12, 25)),  # 2026-12-25 is still to come (today is 2026-11-23)
        ("29年1月1日", date(1929, 1, 1)),
        ("30年1月1日", date(1930, 1, 1)),  # 30-99: the 1900s
        ("99年12月31日", date(1999, 12, 31)),
        ("1/1/29", date(1929, 1, 1)),  # dateutil's own rule (nearest century) would say 2029
        ("1/1/05", date(2005, 1, 1)),
    ],
)
def test_two_digit_birth_years(typed: str, expected: date) -> None:
    assert parse_birthday(typed, today=TODAY) == expected


@pytest.mark.parametrize("typed", ["hello", "2月30日", "2030-01-01", "1800-01-01", "13/13/1990", ""])
def test_impossible_birthdays_are_refused(typed: str) -> None:
    assert parse_birthday(typed, today=TODAY) is None


def test_callback_round_trip_and_forgeries() -> None:
    data = callbacks.encode("redeem", "pick", 12)
    assert data == "v1:redeem:pick:12"
    decoded = callbacks.decode(data)
    assert decoded is not None and decoded.area == "redeem" and decoded.parts == ("pick", "12")
    for forged in ("", "v2:redeem:pick:1", "v1", "v1:redeem:pick:1;DROP", "v1:a:" + "x" * 70, "v1:../x"):
        assert callbacks.decode(forged) is None, forged
    with pytest.raises(ValueError):
        callbacks.encode("x", "y" * 70)


@pytest.mark.parametrize(
    ("text", "saved", "code", "expected"),
    [
        ("积分", "en", "en-US", "zh"),
        ("points", "zh", "zh-hans", "en"),
        ("😀", "en", "zh", "en"),
        ("123", None, "zh-hans", "zh"),
        ("", None, "de", "zh"),
        ("", None, "en-GB", "en"),
        ("SO-20261101-007", "zh", "en", "zh"),  # an order number is no sign of English
        ("+86 138 0013 8000", "zh", "en", "zh"),
        ("iPhone 15 pro", "zh", "zh", "en"),
    ],
)
def test_language_order_script_then_saved_then_telegram(text: str, saved: str | None, code: str, expected: str) -> None:
    assert choose_language(text=text, saved=saved, language_code=code, default="zh") == expected
