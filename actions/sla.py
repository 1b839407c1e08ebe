"""Service-level due times counted in business hours (营业时间): an hour outside them does not count.

Opening hours are set per ISO weekday in the shop's time zone, with one or more windows a day
(`mon-fri 9-18; sat 10-16`, or `mon-fri 9:00-12:00,13:00-18:00`); a shop open late writes the night as two
days' windows (`fri 18-24; sat 0-2`). Public holidays from the `holidays` package (a country code such as
`CN`) and dates of the shop's own are closed; a weekend day that the country works instead of a holiday
(调休) opens with the hours of the first open weekday. The arithmetic is done in UTC, so a day on which the
clocks change counts its real hours.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays

MAX_DAYS = 366 * 2  # a due time further away than this means the hours are misconfigured
DAY_MINUTES = 24 * 60
DAY_NAMES = {"monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7}
Window = tuple[int, int]  # minutes after local midnight: opens, closes (1440 = midnight at the day's end)
_TIME = re.compile(r"^(\d{1,2})(?::([0-5]\d))?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COUNTRY = re.compile(r"^([A-Za-z]{2,3})(?:-([A-Za-z0-9]{1,4}))?$")


class InvalidBusinessHours(ValueError):
    """Opening hours, days or holidays that cannot be read; the message says what is expected."""


@dataclass(frozen=True)
class HolidayCalendar:
    """Closed dates: a country's public holidays (the `holidays` package, years filled in as they are asked
    about) and the shop's own dates; `works` tells the weekend days the country works instead (调休)."""

    country: str | None = None
    subdivision: str | None = None
    closed_dates: frozenset[date] = frozenset()

    @cached_property
    def _public(self) -> holidays.HolidayBase | None:
        if self.country is None:
            return None
        return holidays.country_holidays(self.country, subdiv=self.subdivision)

    def closed(self, day: date) -> bool:
        return day in self.closed_dates or (self._public is not None and day in self._public)

    def works(self, day: date) -> bool:
        """A weekend day the country works to make up for a holiday (China's 调休, e.g. Sunday 2026-01-04)."""
        public = self._public
        if public is None:
            return False
        _ = day in public  # fills in that year, with its working weekend days
        return day in getattr(public, "weekend_workdays", ())


@dataclass(frozen=True)
class BusinessHours:
    """Opening windows per ISO weekday (`week[0]` is Monday), in `timezone`, minus the holidays."""

    week: tuple[tuple[Window, ...], ...]
    timezone: ZoneInfo
    holidays: HolidayCalendar = field(default_factory=HolidayCalendar)

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise InvalidBusinessHours("opening hours are given for the seven days of the week")
        for windows in self.week:
            previous = 0
            for opens, closes in windows:
                if not previous <= opens < closes <= DAY_MINUTES:
                    raise InvalidBusinessHours("a day's windows open before they close, in order, within 0-24")
                previous = closes
        if not any(self.week):
            raise InvalidBusinessHours("the shop opens on at least one day of the week")

    @classmethod
    def daily(
        cls,
        *,
        opens: int,
        closes: int,
        days: Container[int],
        timezone: ZoneInfo,
        calendar: HolidayCalendar | None = None,
    ) -> BusinessHours:
        """The same whole hours on each of `days` (ISO weekdays)."""
        if not 0 <= opens < closes <= 24:
            raise InvalidBusinessHours("business hours open before they close, within 0-24")
        window = ((opens * 60, closes * 60),)
        week = tuple(window if weekday in days else () for weekday in range(1, 8))
        return cls(week=week, timezone=timezone, holidays=calendar or HolidayCalendar())

    def windows_on(self, day: date) -> tuple[Window, ...]:
        """The day's opening windows: none on a holiday; a worked weekend day has the first weekday's."""
        if self.holidays.closed(day):
            return ()
        windows = self.week[day.isoweekday() - 1]
        if not windows and self.holidays.works(day):
            return next((hours for hours in self.week[:5] if hours), ())
        return windows


ALWAYS_OPEN = BusinessHours(week=(((0, DAY_MINUTES),),) * 7, timezone=ZoneInfo("UTC"))


@dataclass(frozen=True)
class SlaTargets:
    """Business hours to the first response and to the resolution; priority service (VIP) gets the shorter
    ones, and an urgent ticket (high or critical) half the first-response time."""

    response_hours: float = 8
    vip_response_hours: float = 2
    resolution_hours: float = 24
    vip_resolution_hours: float = 8


def add_business_hours(start: datetime, hours: float, business: BusinessHours) -> datetime:
    """The moment `hours` business hours after `start` (aware), in the time zone of `start`."""
    remaining = timedelta(hours=hours)
    moment = start.astimezone(UTC)
    day = start.astimezone(business.timezone).date()
    for _ in range(MAX_DAYS):
        for opens, closes in business.windows_on(day):
            begin = max(moment, _at(day, opens, business.timezone))
            end = _at(day, closes, business.timezone)
            if begin < end:
                if remaining <= end - begin:
                    return (begin + remaining).astimezone(start.tzinfo)
                remaining -= end - begin
        day += timedelta(days=1)
    raise InvalidBusinessHours("no business hours found within two years")


def response_due(
    *, created_at: datetime, priority_service: bool, urgent: bool, business: BusinessHours, targets: SlaTargets
) -> datetime:
    """When a ticket's first response is promised: its target in business hours, halved (at least an hour)
    when urgent."""
    return add_business_hours(
        created_at, response_hours(priority_service=priority_service, urgent=urgent, targets=targets), business
    )


def response_hours(*, priority_service: bool, urgent: bool, targets: SlaTargets) -> float:
    """Business hours to the first response: the VIP or the usual target, halved (at least 1) when urgent."""
    hours = targets.vip_response_hours if priority_service else targets.response_hours
    return max(1.0, hours / 2) if urgent else hours


def resolution_due(
    *, created_at: datetime, priority_service: bool, business: BusinessHours, targets: SlaTargets
) -> datetime:
    """When a ticket should be resolved: its target in business hours after it was opened."""
    hours = targets.vip_resolution_hours if priority_service else targets.resolution_hours
    return add_business_hours(created_at, hours, business)


def parse_week(hours: str, days: str = "1-7") -> tuple[tuple[Window, ...], ...]:
    """Opening windows per weekday from BUSINESS_HOURS: either hours alone (`9-18`, on BUSINESS_DAYS `days`)
    or days with their hours, `;`-separated (`mon-fri 9-12,13:30-18; sat 10-16`)."""
    spec = hours.strip().lower()
    if not spec:
        raise InvalidBusinessHours("expected opening hours such as 9-18 or 'mon-fri 9-18; sat 10-16'")
    week: list[tuple[Window, ...] | None] = [None] * 7
    if spec[0].isdigit() and " " not in spec and ";" not in spec:
        windows = _windows(spec)
        for weekday in _days(days):
            week[weekday - 1] = windows
    else:
        for entry in filter(None, (part.strip() for part in spec.split(";"))):
            day_part, _, window_part = entry.partition(" ")
            windows = _windows(window_part.strip())
            for weekday in _days(day_part):
                if week[weekday - 1] is not None:
                    raise InvalidBusinessHours(f"{_day_name(weekday)} is given twice")
                week[weekday - 1] = windows
    result = tuple(windows or () for windows in week)
    if not any(result):
        raise InvalidBusinessHours("the shop opens on at least one day of the week")
    return result


def parse_holidays(spec: str) -> HolidayCalendar:
    """BUSINESS_HOLIDAYS: comma-separated, a country (`CN`, or with a subdivision: `US-CA`) whose public holidays
    are closed, and/or the shop's own closed dates (`2026-12-24`); empty: no holidays."""
    country: str | None = None
    subdivision: str | None = None
    dates: set[date] = set()
    for item in filter(None, (part.strip() for part in spec.split(","))):
        if _DATE.match(item):
            try:
                dates.add(date.fromisoformat(item))
            except ValueError:
                raise InvalidBusinessHours(f"{item} is not a date") from None
            continue
        found = _COUNTRY.match(item)
        if found is None or country is not None:
            raise InvalidBusinessHours("expected one country code (CN, US-CA) and/or dates like 2026-12-24")
        country, subdivision = found.group(1).upper(), found.group(2) and found.group(2).upper()
        try:
            holidays.country_holidays(country, subdiv=subdivision)
        except NotImplementedError:
            raise InvalidBusinessHours(f"the holidays package has no calendar for {item}") from None
    return HolidayCalendar(country=country, subdivision=subdivision, closed_dates=frozenset(dates))


def _windows(spec: str) -> tuple[Window, ...]:
    windows = []
    for part in filter(None, (piece.strip() for piece in spec.split(","))):
        start, dash, end = part.partition("-")
        if not dash:
            raise InvalidBusinessHours(f"expected OPEN-CLOSE such as 9-18 or 9:30-18:00, not {part!r}")
        windows.append((_minutes(start), _minutes(end)))
    if not windows:
        raise InvalidBusinessHours("expected OPEN-CLOSE such as 9-18 or 9:30-18:00")
    windows.sort()
    previous = 0
    for opens, closes in windows:
        if not previous <= opens < closes:
            raise InvalidBusinessHours(f"windows open before they close and do not overlap: {spec!r}")
        previous = closes
    return tuple(windows)


def _minutes(spec: str) -> int:
    found = _TIME.match(spec.strip())
    if found is None:
        raise InvalidBusinessHours(f"expected a time such as 9, 09:30 or 24, not {spec!r}")
    minutes = int(found.group(1)) * 60 + int(found.group(2) or 0)
    if minutes > DAY_MINUTES:
        raise InvalidBusinessHours(f"a time of day is 0:00 to 24:00, not {spec!r}")
    return minutes


def _days(spec: str) -> list[int]:
    days: list[int] = []
    for part in filter(None, (piece.strip() for piece in spec.split(","))):
        first, _, last = part.partition("-")
        start, end = _weekday(first), _weekday(last or first)
        if start > end:
            raise InvalidBusinessHours(f"a range of days runs Monday to Sunday: {part!r}")
        days.extend(range(start, end + 1))
    if not days:
        raise InvalidBusinessHours("expected days such as mon-fri, sat or 1-5")
    return days


def _weekday(spec: str) -> int:
    spec = spec.strip().lower()
    if spec.isdigit() and 1 <= int(spec) <= 7:
        return int(spec)
    for name, number in DAY_NAMES.items():
        if len(spec) >= 3 and name.startswith(spec):  # mon, tues, friday
            return number
    raise InvalidBusinessHours(f"expected a day (mon … sun, or 1-7 with Monday = 1), not {spec!r}")


def _day_name(weekday: int) -> str:
    return next(name.capitalize() for name, number in DAY_NAMES.items() if number == weekday)


def _at(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """The instant (UTC) of `minutes` after local midnight of `day` (1440: the next midnight)."""
    whole_days, rest = divmod(minutes, DAY_MINUTES)
    local = datetime.combine(day + timedelta(days=whole_days), time(rest // 60, rest % 60), tzinfo=zone)
    return local.astimezone(UTC)
