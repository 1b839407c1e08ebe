"""Loyalty rules: how many points an order earns and when points expire; built from the settings by the caller."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal


@dataclass(frozen=True)
class LoyaltyRules:
    """The shop's loyalty parameters; tiers (thresholds, multipliers) live in the tiers table."""

    points_per_yuan: Decimal = Decimal(1)
    expiry_months: int = 12
    birthday_bonus: int = 100
    referral_bonus: int = 200

    def order_points(self, *, amount: Decimal, multiplier: Decimal) -> int:
        """Points for an order: amount × rate × tier multiplier, rounded down to whole points."""
        points = (amount * self.points_per_yuan * multiplier).to_integral_value(rounding=ROUND_FLOOR)
        return max(int(points), 0)

    def expiry_of(self, earned_at: datetime) -> datetime:
        """The instant points earned at `earned_at` expire: the same clock time `expiry_months` later."""
        return add_months(earned_at, self.expiry_months)


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months later, clamped to the month's last day (31 January + 1 month = 28/29 February)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
