"""Membership tiers by spend over the last 12 months: upgrades on every order, downgrades by a job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actions.audit import record_audit
from actions.customers import NoTiers, get_customer
from actions.rules import add_months
from storage.models import Customer, Order, Tier

SPEND_WINDOW_MONTHS = 12


@dataclass(frozen=True)
class MembershipStatus:
    tier: Tier
    spend_12m: Decimal
    next_tier: Tier | None
    spend_to_next: Decimal | None


async def tier_ladder(*, session: AsyncSession) -> list[Tier]:
    """All tiers, lowest threshold first."""
    tiers = list((await session.scalars(select(Tier).order_by(Tier.min_spend, Tier.code))).all())
    if not tiers:
        raise NoTiers()
    return tiers


def spend_window_start(now: datetime) -> datetime:
    return add_months(now, -SPEND_WINDOW_MONTHS)


async def spend_12m(*, session: AsyncSession, customer_id: int, now: datetime) -> Decimal:
    """Paid order amounts of the last 12 months (refunded and cancelled orders do not count)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(Order.amount), 0)).where(
            Order.customer_id == customer_id,
            Order.status == "paid",
            Order.ordered_at > spend_window_start(now),
            Order.ordered_at <= now,
        )
    )
    return Decimal(total or 0)


def qualifying_tier(*, ladder: list[Tier], spend: Decimal) -> Tier:
    """The highest tier whose threshold the spend reaches (the lowest tier if none)."""
    reached = [tier for tier in ladder if tier.min_spend <= spend]
    return reached[-1] if reached else ladder[0]


def next_tier_after(*, ladder: list[Tier], tier: Tier) -> Tier | None:
    higher = [candidate for candidate in ladder if candidate.min_spend > tier.min_spend]
    return higher[0] if higher else None


async def membership_status(*, session: AsyncSession, customer_id: int, now: datetime) -> MembershipStatus:
    """The customer's tier, spend in the window, and how much more spend reaches the next tier."""
    customer = await get_customer(session=session, customer_id=customer_id)
    ladder = await tier_ladder(session=session)
    tier = next((candidate for candidate in ladder if candidate.code == customer.tier_code), ladder[0])
    spend = await spend_12m(session=session, customer_id=customer_id, now=now)
    following = next_tier_after(ladder=ladder, tier=tier)
    to_next = max(following.min_spend - spend, Decimal(0)) if following is not None else None
    return MembershipStatus(tier=tier, spend_12m=spend, next_tier=following, spend_to_next=to_next)


async def evaluate_upgrade(*, session: AsyncSession, customer: Customer, now: datetime) -> Tier | None:
    """Move the customer up when their spend reaches a higher tier; the new tier, or None.

    Never moves down: downgrades wait for the job, so a refund does not demote mid-year at once.
    """
    ladder = await tier_ladder(session=session)
    current = next((tier for tier in ladder if tier.code == customer.tier_code), ladder[0])
    reached = qualifying_tier(ladder=ladder, spend=await spend_12m(session=session, customer_id=customer.id, now=now))
    if reached.min_spend <= current.min_spend:
        return None
    customer.tier_code = reached.code
    record_audit(
        session,
        actor="system",
        action="tier.upgraded",
        customer_id=customer.id,
        details={"from": current.code, "to": reached.code},
        now=now,
    )
    await session.flush()
    return reached


async def downgrade_tiers(*, session: AsyncSession, now: datetime) -> dict[str, int]:
    """Move customers whose 12-month spend fell below their tier down to the tier it still reaches.

    Set-based: one query finds the customers above their spend, one UPDATE per target tier moves them.
    Returns how many customers moved to each tier.
    """
    ladder = await tier_ladder(session=session)
    spend = (
        select(Order.customer_id, func.sum(Order.amount).label("spend"))
        .where(Order.status == "paid", Order.ordered_at > spend_window_start(now), Order.ordered_at <= now)
        .group_by(Order.customer_id)
        .subquery()
    )
    customer_spend = func.coalesce(spend.c.spend, 0)
    above = (
        select(Customer.id, customer_spend)
        .join(Tier, Tier.code == Customer.tier_code)
        .outerjoin(spend, spend.c.customer_id == Customer.id)
        .where(Tier.min_spend > customer_spend, Customer.erased_at.is_(None))
    )
    moves: dict[str, list[int]] = {}
    for customer_id, amount in (await session.execute(above)).all():
        target = qualifying_tier(ladder=ladder, spend=Decimal(amount))
        moves.setdefault(target.code, []).append(customer_id)
    for code, ids in moves.items():
        for start in range(0, len(ids), 5000):
            await session.execute(
                update(Customer)
                .where(Customer.id.in_(ids[start : start + 5000]))
                .values(tier_code=code)
                .execution_options(synchronize_session="fetch")
            )
    await session.flush()
    return {code: len(ids) for code, ids in moves.items()}
