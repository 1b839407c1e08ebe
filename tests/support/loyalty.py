"""Helpers for loyalty tests: the demo tier ladder, customers, rewards and ledger invariants."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.customers import new_referral_code
from actions.rules import LoyaltyRules
from storage.models import Customer, LedgerEntry, Reward, Tier

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
RULES = LoyaltyRules(expiry_months=12, birthday_bonus=100, referral_bonus=200)
LADDER = (
    ("basic", "普通会员", "Member", "0", "1.0", False),
    ("silver", "银卡会员", "Silver", "2000", "1.2", False),
    ("gold", "金卡会员", "Gold", "8000", "1.5", True),
    ("platinum", "白金会员", "Platinum", "20000", "2.0", True),
)


async def seed_ladder(session: AsyncSession) -> None:
    """The four demo tiers (idempotent)."""
    for code, name_zh, name_en, min_spend, multiplier, priority in LADDER:
        if await session.get(Tier, code) is None:
            session.add(
                Tier(
                    code=code,
                    name_zh=name_zh,
                    name_en=name_en,
                    min_spend=Decimal(min_spend),
                    multiplier=Decimal(multiplier),
                    priority_service=priority,
                )
            )
    await session.flush()


async def make_customer(session: AsyncSession, *, name: str = "王芳", **values: object) -> Customer:
    await seed_ladder(session)
    customer = Customer(name=name, referral_code=new_referral_code(), **values)
    session.add(customer)
    await session.flush()
    return customer


async def make_reward(
    session: AsyncSession, *, code: str = "CPN20", cost: int = 200, stock: int | None = None
) -> Reward:
    reward = Reward(code=code, name_zh="20元优惠券", name_en="20-yuan coupon", cost_points=cost, stock=stock)
    session.add(reward)
    await session.flush()
    return reward


async def ledger_sum(session: AsyncSession, customer_id: int) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.delta), 0)).where(LedgerEntry.customer_id == customer_id)
    )
    return int(total or 0)


async def open_earnings_sum(session: AsyncSession, customer_id: int) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.remaining), 0)).where(LedgerEntry.customer_id == customer_id)
    )
    return int(total or 0)


async def stored_balance(session: AsyncSession, customer_id: int) -> int:
    value = await session.scalar(select(Customer.points_balance).where(Customer.id == customer_id))
    assert value is not None
    return value
