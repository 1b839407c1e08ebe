"""Service-level due times counted in business hours (营业时间): an hour outside them does not count.

Business hours are the same every open day, in the shop's time zone, e.g. 9:00-18:00 Monday to Saturday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 366 * 2  # a due time further away than this means the hours are misconfigured


@dataclass(frozen=True)
class BusinessHours:
    """Open from `opens` to `closes` (whole hours, local time) on `days` (ISO weekdays, Monday = 1)."""

    opens: int
    closes: int
    days: frozenset[int]
    timezone: ZoneInfo

    def __post_init__(self) -> None:
        if not 0 <= self.opens < self.closes <= 24:
            raise ValueError("business hours open before they close, within 0-24")
        if not self.days or not self.days <= set(range(1, 8)):
            raise ValueError("business days are ISO weekdays 1-7, at least one")


@dataclass(frozen=True)
class SlaTargets:
    """Business hours to resolve a ticket: priority service (VIP) gets the shorter target."""

    resolution_hours: int = 24
    vip_resolution_hours: int = 8


def add_business_hours(start: datetime, hours: float, business: BusinessHours) -> datetime:
    """The moment `hours` business hours after `start` (aware), in UTC terms of the same instant."""
    remaining = timedelta(hours=hours)
    local = start.astimezone(business.timezone)
    for _ in range(MAX_DAYS):
        day = local.date()
        if day.isoweekday() in business.days:
            opens = datetime.combine(day, time(business.opens), tzinfo=business.timezone)
            closes = (
                datetime.combine(day + timedelta(days=1), time(0), tzinfo=business.timezone)
                if business.closes == 24
                else datetime.combine(day, time(business.closes), tzinfo=business.timezone)
            )
            begin = max(local, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(start.tzinfo)
                remaining -= available
        local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=business.timezone)
    raise ValueError("no business hours found within two years")


def resolution_due(
    *, created_at: datetime, priority_service: bool, business: BusinessHours, targets: SlaTargets
) -> datetime:
    """When a ticket should be resolved: its target in business hours after it was opened."""
    hours = targets.vip_resolution_hours if priority_service else targets.resolution_hours
    return add_business_hours(created_at, hours, business)
