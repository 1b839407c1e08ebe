"""Business hours, holidays and ticket targets from the settings, and the settings that cannot be read."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from actions.sla import HolidayCalendar, SlaTargets
from runtime.services import service_levels
from runtime.settings import SettingsError, load_settings


def test_hours_per_weekday_holidays_and_targets() -> None:
    settings = load_settings(
        BUSINESS_HOURS="mon-fri 9-12,13-18; sat 10-14",
        BUSINESS_HOLIDAYS="CN, 2026-12-24",
        TIMEZONE="Asia/Hong_Kong",
        TICKET_RESPONSE_HOURS="6",
        VIP_TICKET_RESPONSE_HOURS="1.5",
    )
    business, targets = service_levels(settings)
    assert business.week == ((((540, 720), (780, 1080)),) * 5) + (((600, 840),), ())
    assert business.timezone == ZoneInfo("Asia/Hong_Kong")
    assert business.holidays == HolidayCalendar(country="CN", closed_dates=frozenset({date(2026, 12, 24)}))
    assert targets == SlaTargets(response_hours=6, vip_response_hours=1.5, resolution_hours=24, vip_resolution_hours=8)


def test_the_simple_form_still_uses_business_days() -> None:
    business, targets = service_levels(load_settings(BUSINESS_HOURS="9-18", BUSINESS_DAYS="1-6"))
    assert business.week == (((540, 1080),),) * 6 + ((),)
    assert targets == SlaTargets()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BUSINESS_HOURS", "18-9"),
        ("BUSINESS_HOURS", "mon-fri 9-18; fri 10-12"),
        ("BUSINESS_HOLIDAYS", "Narnia"),
        ("TICKET_RESPONSE_HOURS", "0"),
    ],
)
def test_unreadable_settings_name_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        load_settings(**{variable: value})
