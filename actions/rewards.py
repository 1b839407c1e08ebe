"""Rewards: the catalogue as customers see it, and redemption (points for a reward, with a code).

A redemption changes the points ledger through the shared writers of `actions.points`.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import datetime

from sqlalchemy import Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from actions.customers import REFERRAL_ALPHABET
from actions.errors import DomainError
from actions.points import (
    InsufficientPoints,
    append_entry,
    balance,
    change_balance,
    consume_earnings,
    expire_customer_points,
)
from storage.models import Delivery, Redemption, Reward


class UnknownReward(DomainError):
    """No active reward with that id."""


class RewardOutOfStock(DomainError):
    """The reward exists but none is left."""


def _offered() -> Select[Reward]:
    return (
        select(Reward)
        .where(Reward.active.is_(True), or_(Reward.stock.is_(None), Reward.stock > 0))
        .order_by(Reward.cost_points, Reward.id)
    )


async def active_rewards(*, session: AsyncSession) -> list[Reward]:
    """Active rewards in stock, cheapest first."""
    return list((await session.scalars(_offered())).all())


async def get_reward(*, session: AsyncSession, reward_id: int) -> Reward | None:
    """A reward by id, None when there is none (it may since have been withdrawn: see `redeem`)."""
    return await session.get(Reward, reward_id)


def _squeezed(text: str) -> str:
    """Lower case without spaces or hyphens: "20-yuan coupon" is found in "the 20 yuan coupon"."""
    return re.sub(r"[\s\-]+", "", unicodedata.normalize("NFKC", text).lower())


async def reward_named(*, session: AsyncSession, text: str) -> Reward | None:
    """The offered reward whose name (Chinese or English) the text contains, the longest name first."""
    squeezed = _squeezed(text)
    named = [
        (len(_squeezed(name)), reward)
        for reward in await active_rewards(session=session)
        for name in (reward.name_zh, reward.name_en)
        if name and _squeezed(name) in squeezed
    ]
    return max(named, key=lambda item: item[0])[1] if named else None


async def last_reward_sent(*, session: AsyncSession, customer_id: int, since: datetime) -> Reward | None:
    """The reward named in the latest proactive message sent to the customer since `since` (an expiry or
    re-engagement reminder says what the points could buy), None when it named none."""
    text = await session.scalar(
        select(Delivery.text)
        .where(Delivery.customer_id == customer_id, Delivery.status == "sent", Delivery.sent_at >= since)
        .order_by(Delivery.sent_at.desc())
        .limit(1)
    )
    return await reward_named(session=session, text=text) if text else None


async def affordable_rewards(*, session: AsyncSession, customer_id: int, now: datetime) -> list[Reward]:
    """Active rewards in stock that the customer's balance at `now` covers, cheapest first."""
    points = await balance(session=session, customer_id=customer_id, now=now)
    return list((await session.scalars(_offered().where(Reward.cost_points <= points))).all())


async def redeem(
    *, session: AsyncSession, customer_id: int, reward_id: int, idempotency_key: str, now: datetime
) -> Redemption:
    """Exchange points for a reward: balance and stock change together or not at all.

    The same idempotency key returns the first redemption again.
    """
    existing = await session.scalar(select(Redemption).where(Redemption.idempotency_key == idempotency_key))
    if existing is not None:
        if existing.customer_id != customer_id:
            raise ValueError("this idempotency key belongs to another customer's redemption")
        return existing
    reward = await session.get(Reward, reward_id)
    if reward is None or not reward.active:
        raise UnknownReward(f"no active reward with id {reward_id}")
    if reward.stock is not None and reward.stock <= 0:
        raise RewardOutOfStock(f"reward {reward.code} is out of stock")
    cost = reward.cost_points
    await expire_customer_points(session=session, customer_id=customer_id, now=now)
    balance_after = await change_balance(session, customer_id, -cost)
    if balance_after is None:
        raise InsufficientPoints(needed=cost, balance=await balance(session=session, customer_id=customer_id, now=now))
    if not await _take_from_stock(session, reward_id):
        await change_balance(session, customer_id, cost)  # undo inside this transaction: net no change
        raise RewardOutOfStock(f"reward {reward.code} is out of stock")
    await consume_earnings(session, customer_id, cost, first_from_entry_id=None)
    append_entry(
        session,
        customer_id=customer_id,
        idempotency_key=f"redeem:{idempotency_key}",
        reason="redemption",
        delta=-cost,
        balance_after=balance_after,
        now=now,
        note=reward.code,
    )
    redemption = Redemption(
        customer_id=customer_id,
        reward_id=reward_id,
        points=cost,
        code=_redemption_code(),
        idempotency_key=idempotency_key,
        created_at=now,
    )
    session.add(redemption)
    await session.flush()
    return redemption


async def _take_from_stock(session: AsyncSession, reward_id: int) -> bool:
    statement = (
        update(Reward)
        .where(Reward.id == reward_id, (Reward.stock.is_(None)) | (Reward.stock > 0))
        .values(stock=Reward.stock - 1)
        .returning(Reward.id)
        .execution_options(synchronize_session=False)
    )
    taken = (await session.execute(statement)).scalar_one_or_none() is not None
    if taken:
        loaded = session.sync_session.identity_map.get(identity_key(Reward, reward_id))
        if isinstance(loaded, Reward) and loaded.stock is not None:
            set_committed_value(loaded, "stock", loaded.stock - 1)
    return taken


def _redemption_code() -> str:
    return "R" + "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(9))
