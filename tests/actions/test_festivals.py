"""The festival calendar agrees with published calendars for 2026-2030; default greetings are valid templates."""

from __future__ import annotations

from datetime import date

import holidays
import pytest

from actions.deliveries import check_template
from actions.festivals import FESTIVALS, festival_dates

# Written out by hand from Chinese almanac calendars, not computed with lunardate.
KNOWN = {
    2026: {
        "spring_festival": "2026-02-17", "lantern": "2026-03-03", "dragon_boat": "2026-06-19",
        "qixi": "2026-08-19", "mid_autumn": "2026-09-25", "double_ninth": "2026-10-18",
    },
    2027: {
        "spring_festival": "2027-02-06", "lantern": "2027-02-20", "dragon_boat": "2027-06-09",
        "qixi": "2027-08-08", "mid_autumn": "2027-09-15", "double_ninth": "2027-10-08",
    },
    2028: {
        "spring_festival": "2028-01-26", "lantern": "2028-02-09", "dragon_boat": "2028-05-28",
        "qixi": "2028-08-26", "mid_autumn": "2028-10-03", "double_ninth": "2028-10-26",
    },
    2029: {
        "spring_festival": "2029-02-13", "lantern": "2029-02-27", "dragon_boat": "2029-06-16",
        "qixi": "2029-08-16", "mid_autumn": "2029-09-22", "double_ninth": "2029-10-16",
    },
    2030: {
        "spring_festival": "2030-02-03", "lantern": "2030-02-17", "dragon_boat": "2030-06-05",
        "qixi": "2030-08-05", "mid_autumn": "2030-09-12", "double_ninth": "2030-10-05",
    },
}  # fmt: skip
YEARS = sorted(KNOWN)


@pytest.mark.parametrize("year", YEARS)
def test_lunar_festivals_fall_on_their_known_dates(year: int) -> None:
    found = {item.code: item.on_date.isoformat() for item in festival_dates(year)}
    assert {code: found[code] for code in KNOWN[year]} == KNOWN[year]


@pytest.mark.parametrize("year", YEARS)
def test_fixed_and_statutory_days(year: int) -> None:
    found = {item.code: item.on_date for item in festival_dates(year)}
    assert found["new_year"] == date(year, 1, 1)
    assert found["national_day"] == date(year, 10, 1)
    assert found["christmas"] == date(year, 12, 25)


@pytest.mark.parametrize("year", YEARS)
def test_lunardate_agrees_with_the_holidays_package(year: int) -> None:
    """Two independent calendar implementations give the same public-holiday festivals."""
    china = holidays.country_holidays("CN", years=year, language="en_US")
    found = {item.code: item.on_date for item in festival_dates(year)}
    for code, name in (
        ("spring_festival", "Chinese New Year (Spring Festival)"),
        ("dragon_boat", "Dragon Boat Festival"),
        ("mid_autumn", "Mid-Autumn Festival"),
    ):
        assert found[code] == min(china.get_named(name, lookup="exact")), code


def test_every_festival_once_a_year_in_date_order_with_valid_greetings() -> None:
    dates = festival_dates(2027)
    assert sorted(item.code for item in dates) == sorted(festival.code for festival in FESTIVALS)
    assert [item.on_date for item in dates] == sorted(item.on_date for item in dates)
    for item in dates:
        assert item.year == 2027 and item.on_date.year == 2027 and item.send_hour == 9
        assert item.audience_language in ("zh", "en", "all")
        for text in (item.text_zh, item.text_en):
            check_template(text)
            assert "{name}" in text and len(text) < 200
    audiences = {item.code: item.audience_language for item in dates}
    assert audiences["spring_festival"] == audiences["mid_autumn"] == "zh"
    assert audiences["christmas"] == "en" and audiences["new_year"] == "all"


def test_years_outside_the_lunar_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="1900-2099"):
        festival_dates(2100)
