"""Due times in business hours: hours outside opening time, closed days and holidays do not count."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from actions.sla import (
    BusinessHours,
    HolidayCalendar,
    InvalidBusinessHours,
    SlaTargets,
    add_business_hours,
    parse_holidays,
    parse_week,
    resolution_due,
    response_due,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS = BusinessHours.daily(opens=9, closes=18, days=range(1, 6), timezone=SHANGHAI)
# Monday to Friday with a lunch break, Saturday mornings, closed on Sunday.
SHOP = BusinessHours(week=parse_week("mon-fri 9-12,13:30-18; sat 10-14"), timezone=SHANGHAI)
# A late shop: open 18:00 to 02:00 every night.
NIGHTS = BusinessHours(week=parse_week("mon-sun 0-2,18-24"), timezone=SHANGHAI)


def local(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)  # 2026-12-07 is a Monday


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (local(7, 10), 2, local(7, 12)),  # inside the day
        (local(7, 17), 2, local(8, 10)),  # one hour today, one tomorrow
        (local(7, 7), 1, local(7, 10)),  # before opening: the clock starts at nine
        (local(7, 20), 1, local(8, 10)),  # after closing: tomorrow
        (local(11, 17), 2, local(14, 10)),  # Friday evening -> Monday
        (local(11, 20), 8, local(14, 17)),  # created Friday evening: nothing counts until Monday
        (local(12, 12), 9, local(14, 18)),  # Saturday: nothing counts until Monday
        (local(7, 9), 9, local(7, 18)),  # exactly one working day ends at closing time
        (local(8, 23, 30), 1, local(9, 10)),  # just before midnight: from nine the next morning
        (local(11, 17, 30), 18, local(15, 17, 30)),  # two working days over a weekend
    ],
)
def test_business_hours_are_counted(start: datetime, hours: int, due: datetime) -> None:
    assert add_business_hours(start, hours, WEEKDAYS) == due


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (local(7, 11), 2, local(7, 14, 30)),  # the lunch break does not count
        (local(11, 17), 3, local(12, 12)),  # Friday evening -> Saturday morning's short day
        (local(12, 13), 2, local(14, 10)),  # Saturday afternoon -> over Sunday -> Monday
        (local(13, 15), 1, local(14, 10)),  # created on the closed Sunday
    ],
)
def test_opening_hours_per_weekday(start: datetime, hours: int, due: datetime) -> None:
    assert add_business_hours(start, hours, SHOP) == due


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (local(7, 23, 30), 1, local(8, 0, 30)),  # across midnight, still open
        (local(7, 23), 4, local(8, 19)),  # 23-02 gives three hours, then the next evening
        (local(8, 1, 30), 1, local(8, 18, 30)),  # half an hour before closing at two, then the evening
        (local(8, 12), 0.5, local(8, 18, 30)),  # closed in the day
    ],
)
def test_a_shop_open_across_midnight(start: datetime, hours: float, due: datetime) -> None:
    assert add_business_hours(start, hours, NIGHTS) == due


def test_the_answer_is_the_same_instant_in_the_zone_of_the_start() -> None:
    start = local(7, 17).astimezone(UTC)
    assert add_business_hours(start, 2, WEEKDAYS) == local(8, 10)
    assert add_business_hours(start, 2, WEEKDAYS).tzinfo == UTC


def test_a_day_the_clocks_change_counts_its_real_hours() -> None:
    london = ZoneInfo("Europe/London")
    always = BusinessHours.daily(opens=0, closes=24, days=range(1, 8), timezone=london)
    start = datetime(2026, 3, 29, 0, 0, tzinfo=london)  # at 01:00 the clocks go forward to 02:00
    assert add_business_hours(start, 2, always) == datetime(2026, 3, 29, 3, 0, tzinfo=london)
    assert add_business_hours(start, 24, always) == datetime(2026, 3, 30, 1, 0, tzinfo=london)


def test_public_holidays_are_closed_and_make_up_days_open() -> None:
    china = BusinessHours(week=parse_week("mon-fri 9-18"), timezone=SHANGHAI, holidays=parse_holidays("CN"))
    # New Year's Day 2026 is a Thursday, and Friday the 2nd a day off made up for on Sunday the 4th (调休).
    assert add_business_hours(datetime(2025, 12, 31, 17, tzinfo=SHANGHAI), 2, china) == local(4, 10, month=1)
    assert china.windows_on(date(2026, 1, 4)) == ((9 * 60, 18 * 60),)
    assert china.windows_on(date(2026, 1, 3)) == ()  # an ordinary Saturday


def test_the_shops_own_closed_dates() -> None:
    calendar = parse_holidays("2026-12-08, 2026-12-09")
    assert calendar == HolidayCalendar(closed_dates=frozenset({date(2026, 12, 8), date(2026, 12, 9)}))
    closed = BusinessHours.daily(opens=9, closes=18, days=range(1, 6), timezone=SHANGHAI, calendar=calendar)
    assert add_business_hours(local(7, 17), 2, closed) == local(10, 10)


def test_vip_tickets_are_due_sooner() -> None:
    targets = SlaTargets(response_hours=8, vip_response_hours=2, resolution_hours=18, vip_resolution_hours=4)
    vip = resolution_due(created_at=local(7, 9), priority_service=True, business=WEEKDAYS, targets=targets)
    other = resolution_due(created_at=local(7, 9), priority_service=False, business=WEEKDAYS, targets=targets)
    assert (vip, other) == (local(7, 13), local(8, 18))
    friday = local(11, 17)

    def first_response(vip: bool, urgent: bool) -> datetime:
        return response_due(created_at=friday, priority_service=vip, urgent=urgent, business=WEEKDAYS, targets=targets)

    assert first_response(False, False) == local(14, 16)  # one hour on Friday, seven on Monday
    assert first_response(False, True) == local(14, 12)  # urgent: half the time
    assert first_response(True, False) == local(14, 10)
    assert first_response(True, True) == local(11, 18)  # at least an hour


@pytest.mark.parametrize(
    ("hours", "days", "week"),
    [
        ("9-18", "1-5", [((540, 1080),)] * 5 + [()] * 2),
        ("9:30-12,13-18:15", "1-1", [((570, 720), (780, 1095))] + [()] * 6),
        ("Mon-Fri 9-18; sat 10-16", "1-7", [((540, 1080),)] * 5 + [((600, 960),), ()]),
        ("1-3 8-20; sunday 0-24", "1-7", [((480, 1200),)] * 3 + [(), (), (), ((0, 1440),)]),
    ],
)
def test_opening_hours_are_read_from_the_settings(hours: str, days: str, week: list[tuple[object, ...]]) -> None:
    assert parse_week(hours, days) == tuple(week)


@pytest.mark.parametrize(
    "hours", ["", "18-9", "9-25", "9", "mon 9-18; mon 10-12", "fri-mon 9-18", "xyz 9-18", "9-12,11-14", "mon"]
)
def test_unreadable_opening_hours_are_refused(hours: str) -> None:
    with pytest.raises(InvalidBusinessHours):
        parse_week(hours)


@pytest.mark.parametrize("holidays", ["XX", "CN,US", "2026-13-01", "CN;2026"])
def test_unreadable_holidays_are_refused(holidays: str) -> None:
    with pytest.raises(InvalidBusinessHours):
        parse_holidays(holidays)


def test_nonsense_hours_are_refused() -> None:
    with pytest.raises(ValueError):
        BusinessHours.daily(opens=18, closes=9, days={1}, timezone=SHANGHAI)
    with pytest.raises(ValueError):
        BusinessHours.daily(opens=9, closes=18, days=set(), timezone=SHANGHAI)
