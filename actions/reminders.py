"""Service reminders planned into the delivery ledger: points about to expire, and congratulations on a new tier.

Both are service messages (no marketing consent needed; the sender still waits out quiet hours).

- Expiry: one reminder per customer and month in which their soonest points expire (source
  `expiry:<YYYY-MM>`), so a daily run reminds once per expiring batch, not every day; the text names the
  soonest date and the month's total.
- Tier upgrades: orders from the API and the CSV import record each upgrade as a `tier.upgraded` audit row
  (`actions.tiers.evaluate_upgrade`); each row is congratulated once (source `tier_upgrade:<audit id>`), and
  only while the customer still holds that tier.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.campaigns import reachable
from actions.deliveries import Planned, enqueue
from actions.reengagement import (
    MONTHS,
    POINTS_BUTTON,
    among,
    customer_zone,
    day_text,
    points_facts,
    reward_sentence,
)
from actions.rewards import active_rewards
from storage.models import AuditLog, Customer, Delivery, LedgerEntry, Reward, Tier, localized

EXPIRY_PREFIX = "expiry:"
TIER_PREFIX = "tier_upgrade:"
BATCH_SIZE = 500
UPGRADE_LOOKBACK = timedelta(days=7)  # an older upgrade is not news any more
UPGRADE_STALE_AFTER = timedelta(days=3)
TIER_BUTTON = {"zh": "看看我的会员权益", "en": "See my membership"}


@dataclass(frozen=True)
class ExpiringBatch:
    """A customer's soonest expiring points: the month they fall in and what the reminder says."""

    month: tuple[int, int]  # (year, month) in the customer's zone
    first_at: datetime
    first_day: date
    first_points: int
    month_points: int

    @property
    def source(self) -> str:
        return f"{EXPIRY_PREFIX}{self.month[0]:04d}-{self.month[1]:02d}"


def expiring_customers(*, now: datetime, within_days: int) -> Select[int]:
    """Ids of customers a service message may reach whose points expire within the days (one page: add limits)."""
    return (
        select(LedgerEntry.customer_id)
        .join(Customer, Customer.id == LedgerEntry.customer_id)
        .where(
            *reachable("service"),
            LedgerEntry.remaining > 0,
            LedgerEntry.expires_at > now,
            LedgerEntry.expires_at <= now + timedelta(days=within_days),
        )
        .group_by(LedgerEntry.customer_id)
        .order_by(LedgerEntry.customer_id)
    )


async def plan_expiry_batch(
    session: AsyncSession,
    *,
    now: datetime,
    within_days: int,
    zone: tzinfo = UTC,
    after_id: int = 0,
    limit: int = BATCH_SIZE,
) -> tuple[int, int | None]:
    """Plan reminders for the next page of customers with expiring points (ids above `after_id`); how many
    new rows, and the last id seen (None: nothing left)."""
    # Both ids bounded, so the join starts at the page rather than at the first customer.
    page = (
        expiring_customers(now=now, within_days=within_days)
        .where(LedgerEntry.customer_id > after_id, Customer.id > after_id)
        .limit(limit)
    )
    ids = list(await session.scalars(page))
    if not ids:
        return 0, None
    customers = {c.id: c for c in await session.scalars(select(Customer).where(Customer.id.in_(ids)))}
    zones = {customer_id: customer_zone(customer, zone) for customer_id, customer in customers.items()}
    batches = await _soonest_batches(session, zones=zones, now=now, within_days=within_days)
    sent_before = select(Delivery.customer_id, Delivery.source).where(
        among(Delivery.customer_id, ids), Delivery.source.in_({batch.source for batch in batches.values()})
    )
    reminded = {(customer_id, source) for customer_id, source in await session.execute(sent_before)}
    due = {cid: batch for cid, batch in batches.items() if (cid, batch.source) not in reminded}
    if not due:
        return 0, ids[-1]
    facts = await points_facts(session, zones={cid: zones[cid] for cid in due}, now=now, within_days=within_days)
    rewards = await active_rewards(session=session)
    by_source: dict[str, list[Planned]] = defaultdict(list)
    for customer_id, batch in sorted(due.items()):
        customer = customers[customer_id]
        language = customer.language or "zh"
        today = now.astimezone(zones[customer_id])
        by_source[batch.source].append(
            Planned(
                customer_id=customer_id,
                text=expiry_text(customer, batch, facts[customer_id].balance, rewards, today=today),
                not_before=now,
                expires_at=batch.first_at,  # no reminder once the points are gone
                button_label=POINTS_BUTTON[localized("zh", "en", language)],
            )
        )
    planned = 0
    for source, items in by_source.items():
        planned += await enqueue(session, source=source, kind="service", planned=items)
    return planned, ids[-1]


async def plan_expiry_reminders(
    session: AsyncSession, *, now: datetime, within_days: int, zone: tzinfo = UTC, batch_size: int = BATCH_SIZE
) -> int:
    """Plan every due expiry reminder in this session (the caller commits); how many new rows."""
    total, after = 0, 0
    while True:
        planned, last = await plan_expiry_batch(
            session, now=now, within_days=within_days, zone=zone, after_id=after, limit=batch_size
        )
        total += planned
        if last is None:
            return total
        after = last


async def _soonest_batches(
    session: AsyncSession, *, zones: dict[int, tzinfo], now: datetime, within_days: int
) -> dict[int, ExpiringBatch]:
    # A month past the window, so the soonest month's total is whole even when it ends after the window.
    rows = await session.execute(
        select(LedgerEntry.customer_id, LedgerEntry.expires_at, LedgerEntry.remaining)
        .where(
            LedgerEntry.customer_id.in_(list(zones)),
            LedgerEntry.remaining > 0,
            LedgerEntry.expires_at > now,
            LedgerEntry.expires_at <= now + timedelta(days=within_days + 31),
        )
        .order_by(LedgerEntry.customer_id, LedgerEntry.expires_at, LedgerEntry.id)
    )
    earnings: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for customer_id, expires_at, remaining in rows:
        if expires_at is not None:
            earnings[customer_id].append((expires_at, remaining))
    batches = {}
    for customer_id, items in earnings.items():
        zone = zones[customer_id]
        first_at = items[0][0]
        first_day = first_at.astimezone(zone).date()
        month = (first_day.year, first_day.month)
        same_month = [(at.astimezone(zone).date(), points) for at, points in items]
        same_month = [(day, points) for day, points in same_month if (day.year, day.month) == month]
        batches[customer_id] = ExpiringBatch(
            month=month,
            first_at=first_at,
            first_day=first_day,
            first_points=sum(points for day, points in same_month if day == first_day),
            month_points=sum(points for _, points in same_month),
        )
    return batches


def expiry_text(
    customer: Customer, batch: ExpiringBatch, balance: int, rewards: Sequence[Reward], *, today: datetime
) -> str:
    """When points expire and how many, the balance, and what they could still buy."""
    language = customer.language or "zh"
    first = day_text(batch.first_day, language, today=today)
    more = batch.month_points > batch.first_points
    if language == "zh":
        name = customer.name or "亲爱的顾客"
        text = f"{name}，温馨提醒：您有 {batch.first_points} 积分将于{first}到期"
        if more:
            text += f"，{batch.month[1]}月共有 {batch.month_points} 积分到期"
        return (
            text + f"。您现在共有 {balance} 积分。" + reward_sentence(balance, rewards, language) + "到期前记得使用哦。"
        )
    name = customer.name or "there"
    text = f"Hi {name}, a friendly reminder: {batch.first_points} of your points expire on {first}"
    if more:
        text += f" ({batch.month_points} in all during {MONTHS[batch.month[1] - 1]})"
    parts = [text + f". You have {balance} points in all.", reward_sentence(balance, rewards, language)]
    return " ".join(part for part in [*parts, "Use them before they expire."] if part)


async def plan_tier_congratulations(
    session: AsyncSession, *, now: datetime, lookback: timedelta = UPGRADE_LOOKBACK
) -> int:
    """Congratulate each recorded upgrade of the last days once, if the customer still holds that tier; how
    many new rows. Upgrades are few, so the recorded events are read whole."""
    events = (
        await session.execute(
            select(AuditLog.id, AuditLog.target_id, AuditLog.details)
            .where(
                AuditLog.action == "tier.upgraded",
                AuditLog.target_type == "customer",
                AuditLog.created_at >= now - lookback,
                AuditLog.created_at <= now,
            )
            .order_by(AuditLog.id)
        )
    ).all()
    planned = 0
    for start in range(0, len(events), BATCH_SIZE):
        planned += await _congratulate(session, events=events[start : start + BATCH_SIZE], now=now)
    return planned


async def _congratulate(session: AsyncSession, *, events: Sequence[Any], now: datetime) -> int:
    sources = {f"{TIER_PREFIX}{event_id}": event_id for event_id, _, _ in events}
    done = set(await session.scalars(select(Delivery.source).where(Delivery.source.in_(list(sources)))))
    wanted = {
        int(target): (f"{TIER_PREFIX}{event_id}", (details or {}).get("to"))
        for event_id, target, details in events
        if f"{TIER_PREFIX}{event_id}" not in done and str(target).isdigit()
    }
    if not wanted:
        return 0
    rows = await session.execute(
        select(Customer, Tier)
        .join(Tier, Tier.code == Customer.tier_code)
        .where(Customer.id.in_(list(wanted)), *reachable("service"))
    )
    planned = 0
    for customer, tier in rows:
        source, reached = wanted[customer.id]
        if reached != tier.code:  # moved again since (down, or further up: that upgrade has its own event)
            continue
        language = customer.language or "zh"
        item = Planned(
            customer_id=customer.id,
            text=tier_text(customer, tier),
            not_before=now,
            expires_at=now + UPGRADE_STALE_AFTER,
            button_label=TIER_BUTTON[localized("zh", "en", language)],
        )
        planned += await enqueue(session, source=source, kind="service", planned=[item])
    return planned


def tier_text(customer: Customer, tier: Tier) -> str:
    language = customer.language or "zh"
    benefits = tier.benefits_in(language).strip()
    if language == "zh":
        text = f"恭喜{customer.name or '您'}升级为{tier.name_zh}！"
        text += f"您现在享有：{benefits}。" if benefits else ""
        return text + "感谢您一直以来的支持。"
    name = f", {customer.name}" if customer.name else ""
    text = f"Congratulations{name}: you have moved up to {tier.name_en}!"
    text += f" Your benefits now: {benefits}." if benefits else ""
    return text + " Thank you for shopping with us."
