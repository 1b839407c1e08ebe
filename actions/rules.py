"""Loyalty rules: how many points an order earns and when points expire; built from the settings by the caller."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_FLOOR, Decimal

# The most points one ledger entry may move and a balance may hold: the points columns are 32-bit
# integers (up to 2,147,483,647), and a balance plus one entry stays inside them.
MAX_POINTS = 1_000_000_000
DEFAULT_OPENED_AT = datetime(2000, 1, 1, tzinfo=UTC)


def _yuan_only() -> Mapping[str, Decimal]:
    return {"CNY": Decimal(1)}


@dataclass(frozen=True)
class LoyaltyRules:
    """The shop's loyalty parameters; tiers (thresholds, multipliers) live in the tiers table.

    `points_per_unit`: points per unit of each currency the shop takes (SHOP_CONFIG `[currencies]`);
    an order in another currency is refused. `opened_at`: orders before it are refused as typos.
    """

    points_per_unit: Mapping[str, Decimal] = field(default_factory=_yuan_only)
    expiry_months: int = 12
    birthday_bonus: int = 100
    referral_bonus: int = 200
    opened_at: datetime = DEFAULT_OPENED_AT

    def order_points(self, *, amount: Decimal, currency: str, multiplier: Decimal) -> int:
        """Points for an order: amount × the currency's rate × tier multiplier, rounded down to whole points."""
        rate = self.points_per_unit[currency]
        points = (amount * rate * multiplier).to_integral_value(rounding=ROUND_FLOOR)
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
