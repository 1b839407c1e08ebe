"""The reward catalogue as customers see it: what is on offer and what their points already cover."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.points import balance
from storage.models import Reward


def _offered() -> Select[Reward]:
    return (
        select(Reward)
        .where(Reward.active.is_(True), or_(Reward.stock.is_(None), Reward.stock > 0))
        .order_by(Reward.cost_points, Reward.id)
    )


async def active_rewards(*, session: AsyncSession) -> list[Reward]:
    """Active rewards in stock, cheapest first."""
    return list((await session.scalars(_offered())).all())


async def affordable_rewards(*, session: AsyncSession, customer_id: int) -> list[Reward]:
    """Active rewards in stock that the customer's balance covers, cheapest first."""
    points = await balance(session=session, customer_id=customer_id)
    return list((await session.scalars(_offered().where(Reward.cost_points <= points))).all())
