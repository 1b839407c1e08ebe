"""The shop's configuration (tier ladder, currencies, opening date), validated; the ladder is synced
into the database idempotently.

The ladder is reference data every customer needs (a new customer starts in the entry tier), so it
comes from the shop's own file at start-up rather than from the demo data. The currencies (points per
unit) and the opening date bound the orders the shop sends; the caller carries them to the loyalty rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Tier


class TierRule(BaseModel):
    """One rung of the ladder, as the shop writes it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_-]+$")
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    min_spend: Decimal = Field(ge=0, max_digits=12, decimal_places=2, allow_inf_nan=False)
    multiplier: Decimal = Field(gt=0, max_digits=4, decimal_places=2, allow_inf_nan=False)
    priority_service: bool = False
    benefits_zh: str = Field(default="", max_length=2000)
    benefits_en: str = Field(default="", max_length=2000)


CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
PointsPerUnit = Annotated[Decimal, Field(ge=0, le=10_000, max_digits=12, decimal_places=4, allow_inf_nan=False)]
DEFAULT_OPENED_ON = date(2000, 1, 1)


def _yuan_only() -> dict[str, Decimal]:
    return {"CNY": Decimal(1)}


class ShopRules(BaseModel):
    """The shop's configuration file: a ladder with distinct codes and thresholds, starting at 0; the
    currencies it takes with points per unit (default CNY = 1); the day it opened (older orders are typos)."""

    model_config = ConfigDict(extra="forbid")

    tiers: list[TierRule] = Field(min_length=1)
    currencies: dict[CurrencyCode, PointsPerUnit] = Field(default_factory=_yuan_only, min_length=1)
    opened_on: date = DEFAULT_OPENED_ON

    @model_validator(mode="after")
    def _one_ladder(self) -> ShopRules:
        codes = [tier.code for tier in self.tiers]
        if len(set(codes)) != len(codes):
            raise ValueError("each tier needs its own code")
        thresholds = [tier.min_spend for tier in self.tiers]
        if len(set(thresholds)) != len(thresholds):
            raise ValueError("two tiers have the same min_spend")
        if min(thresholds) != 0:
            raise ValueError("one tier must have min_spend = 0: new customers start there")
        return self


class InvalidShopRules(ValueError):
    """The shop's configuration is malformed; the message names each bad entry and what is expected."""


def parse_shop_rules(data: dict[str, Any]) -> ShopRules:
    """Validate the file's content, turning pydantic's errors into one readable message."""
    try:
        return ShopRules.model_validate(data)
    except ValidationError as error:
        problems = [f"{_where(item['loc'])}: {item['msg']}" for item in error.errors()]
        raise InvalidShopRules("\n  ".join(problems)) from None


def _where(location: tuple[int | str, ...]) -> str:
    """("tiers", 2, "min_spend") -> "tiers[3].min_spend" (entries counted from 1, as the shop reads them)."""
    parts: list[str] = []
    for part in location:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part + 1}]" if parts else f"[{part + 1}]"
        else:
            parts.append(part)
    return ".".join(parts) or "file"


@dataclass(frozen=True)
class SyncReport:
    added: int
    changed: int
    unchanged: int


async def sync_shop_rules(*, session: AsyncSession, rules: ShopRules) -> SyncReport:
    """Make the tiers table say what the file says; tiers missing from the file are kept (customers hold them)."""
    existing = {tier.code: tier for tier in await session.scalars(select(Tier))}
    added = changed = 0
    for rule in rules.tiers:
        tier = existing.get(rule.code)
        if tier is None:
            session.add(Tier(**rule.model_dump()))
            added += 1
        elif _apply(tier, rule):
            changed += 1
    await session.flush()
    return SyncReport(added=added, changed=changed, unchanged=len(rules.tiers) - added - changed)


def _apply(tier: Tier, rule: TierRule) -> bool:
    changed = False
    for name, value in rule.model_dump(exclude={"code"}).items():
        if getattr(tier, name) != value:
            setattr(tier, name, value)
            changed = True
    return changed
