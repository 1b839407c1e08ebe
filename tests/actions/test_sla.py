"""Due times in business hours: hours outside opening time and closed days do not count."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from actions.sla import BusinessHours, SlaTargets, add_business_hours, resolution_due

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS = BusinessHours(opens=9, closes=18, days=frozenset({1, 2, 3, 4, 5}), timezone=SHANGHAI)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)  # 2026-12-07 is a Monday


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (local(7, 10), 2, local(7, 12)),  # inside the day
        (local(7, 17), 2, local(8, 10)),  # one hour today, one tomorrow
        (local(7, 7), 1, local(7, 10)),  # before opening: the clock starts at nine
        (local(7, 20), 1, local(8, 10)),  # after closing: tomorrow
        (local(11, 17), 2, local(14, 10)),  # Friday evening -> Monday
        (local(12, 12), 9, local(14, 18)),  # Saturday: nothing counts until Monday
        (local(7, 9), 9, local(7, 18)),  # exactly one working day ends at closing time
    ],
)
def test_business_hours_are_counted(start: datetime, hours: int, due: datetime) -> None:
    assert add_business_hours(start, hours, WEEKDAYS) == due


def test_the_answer_is_the_same_instant_in_utc() -> None:
    start = local(7, 17).astimezone(UTC)
    assert add_business_hours(start, 2, WEEKDAYS) == local(8, 10)
    assert add_business_hours(start, 2, WEEKDAYS).tzinfo == UTC


def test_vip_tickets_are_due_sooner() -> None:
    targets = SlaTargets(resolution_hours=18, vip_resolution_hours=4)
    vip = resolution_due(created_at=local(7, 9), priority_service=True, business=WEEKDAYS, targets=targets)
    other = resolution_due(created_at=local(7, 9), priority_service=False, business=WEEKDAYS, targets=targets)
    assert (vip, other) == (local(7, 13), local(8, 18))


def test_nonsense_hours_are_refused() -> None:
    with pytest.raises(ValueError):
        BusinessHours(opens=18, closes=9, days=frozenset({1}), timezone=SHANGHAI)
    with pytest.raises(ValueError):
        BusinessHours(opens=9, closes=18, days=frozenset(), timezone=SHANGHAI)
