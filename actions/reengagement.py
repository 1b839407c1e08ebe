"""Re-engagement: customers who drifted away get one personal message (their balance, points about to expire, a
reward within reach, a button back into the chat). A hold-out share is selected but never messaged, so the
report can show the uplift (return rate of those messaged against the hold-out).

One run a day, source `reengagement:<date>`: a rerun adds nothing. Customers are read a page of ids at a time
(selected in SQL, their recent orders and contacts looked up per page), and texts are rendered for one page at
once, so a million customers never sit in Python together.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, bindparam, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from actions.campaigns import reachable, statistics
from actions.deliveries import Planned, enqueue
from actions.errors import DomainError
from actions.rewards import active_rewards
from actions.segments import SEGMENTS
from storage.models import LANGUAGES, Customer, Delivery, LedgerEntry, Order, Reward, localized

SOURCE_PREFIX = "reengagement:"
BATCH_SIZE = 500
EXPIRING_WITHIN_DAYS = 30  # points "about to expire" in the message
STALE_AFTER = timedelta(days=2)  # a message about today's balance is not sent days late (worker downtime)
# Rows that are no contact for the cooldown: they never reached the customer. Every other row is: sent or
# possibly sent, still to go, or held out on purpose (a hold-out must not be picked up by tomorrow's run, or
# the comparison is lost). Written as NOT IN so that the ledger's status index is no candidate for the lookup
# by customer (with the ledger's statistics stale during a run, the planner would scan it for every page).
NO_CONTACT_STATUSES = ("failed", "blocked", "skipped")
POINTS_BUTTON = {"zh": "看看我的积分", "en": "See my points"}
# Month names written out in English: the worker's locale is not the customer's.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip


class BadReengagement(DomainError):
    """Run settings that make no sense: inactivity under a day, an unknown segment, a share outside 0-100."""


@dataclass(frozen=True)
class Inactivity:
    """Days without a visit and without an order after which a customer is re-engaged, per value segment
    (VIPs may be missed sooner than occasional buyers); `default_days` for the others and the unsegmented."""

    default_days: int
    by_segment: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, days in {"default": self.default_days, **self.by_segment}.items():
            if days < 1:
                raise BadReengagement(f"inactivity for {name}: {days} days; give at least 1 day")
        unknown = sorted(set(self.by_segment) - set(SEGMENTS))
        if unknown:
            raise BadReengagement(f"unknown segment {unknown[0]!r}; segments: {', '.join(SEGMENTS)}")

    def cutoff(self, segment: str | None, now: datetime) -> datetime:
        """Seen or ordered before this, a customer of the segment is inactive at `now`."""
        days = self.by_segment.get(segment, self.default_days) if segment is not None else self.default_days
        return now - timedelta(days=days)

    def earliest_cutoff(self, now: datetime) -> datetime:
        return now - timedelta(days=max([self.default_days, *self.by_segment.values()]))

    @classmethod
    def parse(cls, default_days: int, text: str) -> Inactivity:
        """From a setting such as "vip=30,lapsed=120" (empty: the default for everyone)."""
        by_segment: dict[str, int] = {}
        for part in filter(None, (piece.strip() for piece in text.split(","))):
            name, _, days = part.partition("=")
            if not days.strip().isdigit():
                raise BadReengagement(f"expected SEGMENT=DAYS, e.g. vip=30, not {part!r}")
            by_segment[name.strip()] = int(days)
        return cls(default_days, by_segment)


@dataclass(frozen=True)
class ReengagementRun:
    """One day's run: who counts as inactive, the cooldown, the hold-out share and where the rows go."""

    now: datetime
    source: str
    inactivity: Inactivity
    cooldown_days: int
    holdout_percent: int
    zone: tzinfo = UTC  # dates in texts for customers without a (valid) time zone of their own
    expiring_within_days: int = EXPIRING_WITHIN_DAYS


@dataclass
class ReengagementReport:
    source: str
    selected: int = 0  # new rows this run: messaged + holdout
    messaged: int = 0
    holdout: int = 0

    def add(self, other: ReengagementReport) -> None:
        self.selected += other.selected
        self.messaged += other.messaged
        self.holdout += other.holdout

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "selected": self.selected, "messaged": self.messaged, "holdout": self.holdout}


@dataclass(frozen=True)
class PointsFacts:
    """What a message says about a customer's points at `now`."""

    balance: int
    expiring: list[tuple[date, int]]  # (day in the customer's zone, points), soonest first


def run_source(now: datetime, zone: tzinfo = UTC) -> str:
    return f"{SOURCE_PREFIX}{now.astimezone(zone).date().isoformat()}"


def new_run(
    *,
    now: datetime,
    inactive_days: int | Inactivity,
    cooldown_days: int,
    holdout_percent: int,
    seed_source: str | None = None,
    zone: tzinfo = UTC,
) -> ReengagementRun:
    """A run for `now`; its source (default `reengagement:<date in zone>`) also seeds the hold-out draw."""
    if not 0 <= holdout_percent <= 100:
        raise BadReengagement(f"hold-out share {holdout_percent}%: give 0 to 100")
    if cooldown_days < 0:
        raise BadReengagement(f"cooldown of {cooldown_days} days: give 0 or more")
    inactivity = inactive_days if isinstance(inactive_days, Inactivity) else Inactivity(inactive_days)
    return ReengagementRun(
        now=now,
        source=seed_source or run_source(now, zone),
        inactivity=inactivity,
        cooldown_days=cooldown_days,
        holdout_percent=holdout_percent,
        zone=zone,
    )


def in_holdout(source: str, customer_id: int, percent: int) -> bool:
    """A stable draw per (run, customer): the same customers are held out however often a run is repeated."""
    digest = hashlib.sha256(f"{source}|{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 < percent * 100


def audience(run: ReengagementRun) -> Select[int]:
    """Ids of the customers a run selects: reachable for marketing, inactive for their segment's days (no
    visit, no order), and not contacted by any marketing message within the cooldown."""
    return select(Customer.id).where(
        *reachable("marketing"), _inactive(run.now, run.inactivity), ~_contacted_since(_cooldown_start(run))
    )


def _cooldown_start(run: ReengagementRun) -> datetime:
    return run.now - timedelta(days=run.cooldown_days)


def _inactive(now: datetime, inactivity: Inactivity, *, orders: bool = True) -> ColumnElement[bool]:
    branches = [
        and_(Customer.segment == segment, _quiet_since(now - timedelta(days=days), orders=orders))
        for segment, days in inactivity.by_segment.items()
    ]
    others = (
        or_(Customer.segment.is_(None), Customer.segment.not_in(list(inactivity.by_segment)))
        if inactivity.by_segment
        else true()
    )
    branches.append(and_(others, _quiet_since(now - timedelta(days=inactivity.default_days), orders=orders)))
    return or_(*branches)


def _quiet_since(cutoff: datetime, *, orders: bool) -> ColumnElement[bool]:
    # A customer never seen in the chat counts from their creation (a new import is not "inactive").
    seen = func.coalesce(Customer.last_seen_at, Customer.created_at) < cutoff
    if not orders:
        return seen
    ordered = exists().where(Order.customer_id == Customer.id, Order.ordered_at >= cutoff)
    return and_(seen, ~ordered)


def _contacted_since(since: datetime) -> ColumnElement[bool]:
    return exists().where(Delivery.customer_id == Customer.id, *_contact(since))


def _contact(since: datetime) -> list[ColumnElement[bool]]:
    return [
        Delivery.kind == "marketing",
        Delivery.status.not_in(NO_CONTACT_STATUSES),
        or_(Delivery.sent_at >= since, Delivery.created_at >= since),
    ]


async def _last_orders(session: AsyncSession, *, ids: Sequence[int], since: datetime) -> dict[int, datetime]:
    query = (
        select(Order.customer_id, func.max(Order.ordered_at))
        .where(among(Order.customer_id, ids), Order.ordered_at >= since)
        .group_by(Order.customer_id)
    )
    return {customer_id: last for customer_id, last in await session.execute(query)}


def among(column: SQLColumnExpression[int], ids: Sequence[int]) -> ColumnElement[bool]:
    """`column IN (ids)` with the ids written into the statement: a page's 500 parameters otherwise make the
    same statement every page, and PostgreSQL's cached generic plan then compares each ledger row with the
    whole list (0.6 s a page at 20,000 rows, against 30 ms with the list as a constant)."""
    return column.in_(bindparam(None, list(ids), expanding=True, literal_execute=True))


async def _contacted(session: AsyncSession, *, ids: Sequence[int], since: datetime) -> set[int]:
    query = select(Delivery.customer_id).where(among(Delivery.customer_id, ids), *_contact(since)).distinct()
    return set(await session.scalars(query))


async def audience_size(session: AsyncSession, *, run: ReengagementRun) -> int:
    return int(await session.scalar(select(func.count()).select_from(audience(run).subquery())) or 0)


async def plan_batch(
    session: AsyncSession, *, run: ReengagementRun, after_id: int = 0, limit: int = BATCH_SIZE
) -> tuple[ReengagementReport, int | None]:
    """Plan the next page of the audience (ids above `after_id`); the report and the last id seen (None: done).

    The page is read from customers alone; recent orders and the cooldown are then looked up for its ids. As
    anti-joins, each page would walk the whole orders index, and the ledger (growing during the run, with
    stale statistics) made the planner compare every pair.
    """
    page = (
        select(Customer.id, Customer.segment)
        .where(*reachable("marketing"), _inactive(run.now, run.inactivity, orders=False), Customer.id > after_id)
        .order_by(Customer.id)
        .limit(limit)
    )
    rows = list(await session.execute(page))
    report = ReengagementReport(run.source)
    if not rows:
        return report, None
    ids = [customer_id for customer_id, _ in rows]
    contacted = await _contacted(session, ids=ids, since=_cooldown_start(run))
    last_orders = await _last_orders(session, ids=ids, since=run.inactivity.earliest_cutoff(run.now))

    def still_away(customer_id: int, segment: str | None) -> bool:
        last = last_orders.get(customer_id)
        return last is None or last < run.inactivity.cutoff(segment, run.now)

    chosen = [
        customer_id
        for customer_id, segment in rows
        if customer_id not in contacted and still_away(customer_id, segment)
    ]
    planned = await render_batch(session, run=run, customer_ids=chosen) if chosen else []
    new = await enqueue(session, source=run.source, kind="marketing", planned=planned)
    if new == len(planned):
        report.holdout = sum(item.status == "holdout" for item in planned)
    else:  # another worker planned some of them meanwhile: count only this run's rows
        report.holdout = await _count_new_holdout(session, run=run, ids=chosen)
    report.selected, report.messaged = new, new - report.holdout
    return report, ids[-1]


async def _count_new_holdout(session: AsyncSession, *, run: ReengagementRun, ids: Sequence[int]) -> int:
    query = select(func.count()).where(
        Delivery.source == run.source,
        Delivery.customer_id.in_(ids),
        Delivery.created_at == run.now,
        Delivery.status == "holdout",
    )
    return int(await session.scalar(query) or 0)


async def plan_reengagement(
    session: AsyncSession,
    *,
    now: datetime,
    inactive_days: int | Inactivity,
    cooldown_days: int,
    holdout_percent: int,
    seed_source: str | None = None,
    zone: tzinfo = UTC,
    batch_size: int = BATCH_SIZE,
) -> ReengagementReport:
    """Plan a whole run in this session (the caller commits). The session keeps every page's customers, so
    large audiences go through `jobs.care`, which uses a session and a transaction per page."""
    run = new_run(
        now=now,
        inactive_days=inactive_days,
        cooldown_days=cooldown_days,
        holdout_percent=holdout_percent,
        seed_source=seed_source,
        zone=zone,
    )
    report, after = ReengagementReport(run.source), 0
    while True:
        batch, last = await plan_batch(session, run=run, after_id=after, limit=batch_size)
        report.add(batch)
        if last is None:
            return report
        after = last


async def render_batch(session: AsyncSession, *, run: ReengagementRun, customer_ids: Sequence[int]) -> list[Planned]:
    """The personal message of each customer (hold-out ones too: their rows show what they would have got)."""
    customers = list((await session.scalars(select(Customer).where(Customer.id.in_(customer_ids)))).all())
    zones = {customer.id: customer_zone(customer, run.zone) for customer in customers}
    facts = await points_facts(session, zones=zones, now=run.now, within_days=run.expiring_within_days)
    rewards = await active_rewards(session=session)
    planned = []
    for customer in sorted(customers, key=lambda item: item.id):
        language = customer.language or "zh"
        text = reengagement_text(customer, facts[customer.id], rewards, today=run.now.astimezone(zones[customer.id]))
        planned.append(
            Planned(
                customer_id=customer.id,
                text=text,
                not_before=run.now,
                expires_at=run.now + STALE_AFTER,
                button_label=POINTS_BUTTON[localized("zh", "en", language)],
                status="holdout" if in_holdout(run.source, customer.id, run.holdout_percent) else "pending",
            )
        )
    return planned


def customer_zone(customer: Customer, default: tzinfo) -> tzinfo:
    if customer.timezone:
        try:
            return ZoneInfo(customer.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return default
    return default


async def points_facts(
    session: AsyncSession, *, zones: Mapping[int, tzinfo], now: datetime, within_days: int
) -> dict[int, PointsFacts]:
    """Spendable balance and points expiring within the days, for a page of customers (three queries)."""
    ids = list(zones)
    balances = select(Customer.id, Customer.points_balance).where(Customer.id.in_(ids))
    stored = {customer_id: points for customer_id, points in await session.execute(balances)}
    expired = (
        select(LedgerEntry.customer_id, func.sum(LedgerEntry.remaining))
        .where(LedgerEntry.customer_id.in_(ids), LedgerEntry.remaining > 0, LedgerEntry.expires_at <= now)
        .group_by(LedgerEntry.customer_id)
    )
    due = {customer_id: int(points or 0) for customer_id, points in await session.execute(expired)}
    soon = await session.execute(
        select(LedgerEntry.customer_id, LedgerEntry.expires_at, LedgerEntry.remaining)
        .where(
            LedgerEntry.customer_id.in_(ids),
            LedgerEntry.remaining > 0,
            LedgerEntry.expires_at > now,
            LedgerEntry.expires_at <= now + timedelta(days=within_days),
        )
        .order_by(LedgerEntry.customer_id, LedgerEntry.expires_at)
    )
    per_day: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for customer_id, expires_at, remaining in soon:
        if expires_at is not None:
            per_day[customer_id][expires_at.astimezone(zones[customer_id]).date()] += remaining
    return {
        customer_id: PointsFacts(
            balance=max(stored.get(customer_id, 0) - due.get(customer_id, 0), 0),
            expiring=sorted(per_day[customer_id].items()),
        )
        for customer_id in ids
    }


def reengagement_text(customer: Customer, facts: PointsFacts, rewards: Sequence[Reward], *, today: datetime) -> str:
    """ "We've missed you": name, balance, points about to expire and when, a reward within reach."""
    language = customer.language or "zh"
    name = customer.name or localized("亲爱的顾客", "there", language)
    if language == "zh":
        parts = [f"{name}，好久不见，我们想您了！", balance_sentence(facts, language, today=today)]
        parts += [reward_sentence(facts.balance, rewards, language), "点下面的按钮看看您的积分吧。"]
        return "".join(part for part in parts if part)
    parts = [f"Hi {name}, it's been a while and we've missed you!", balance_sentence(facts, language, today=today)]
    parts += [reward_sentence(facts.balance, rewards, language), "Tap below to see your points."]
    return " ".join(part for part in parts if part)


def balance_sentence(facts: PointsFacts, language: str, *, today: datetime) -> str:
    if facts.balance == 0 and not facts.expiring:
        return localized(
            "您现在还没有积分，每笔订单都能攒积分。", "You have no points yet; every order earns some.", language
        )
    if not facts.expiring:
        return localized(f"您现在有 {facts.balance} 积分。", f"You have {facts.balance} points.", language)
    (first_day, first_points), rest = facts.expiring[0], facts.expiring[1:]
    first = day_text(first_day, language, today=today)
    if language == "zh":
        text = f"您现在有 {facts.balance} 积分，其中 {first_points} 积分将于{first}到期"
        if rest:
            last = day_text(rest[-1][0], language, today=today)
            text += f"，另有 {sum(points for _, points in rest)} 积分在{last}前到期"
        return text + "。"
    text = f"You have {facts.balance} points; {first_points} of them expire on {first}"
    if rest:
        text += f" and {sum(points for _, points in rest)} more by {day_text(rest[-1][0], language, today=today)}"
    return text + "."


def reward_sentence(balance: int, rewards: Sequence[Reward], language: str) -> str:
    """The cheapest reward the balance covers, else how many points the nearest one needs ("" without rewards)."""
    if not rewards:
        return ""
    affordable = [reward for reward in rewards if reward.cost_points <= balance]
    if affordable:
        reward = min(affordable, key=lambda item: (item.cost_points, item.id))
        return localized(
            f"这些积分已经可以兑换「{reward.name_zh}」。",
            f"That is already enough for “{reward.name_en}”.",
            language,
        )
    nearest = min(rewards, key=lambda item: (item.cost_points, item.id))
    missing = nearest.cost_points - balance
    return localized(
        f"再攒 {missing} 积分就能兑换「{nearest.name_zh}」。",
        f"{missing} more points and “{nearest.name_en}” is yours.",
        language,
    )


def day_text(day: date, language: str, *, today: datetime) -> str:
    """12月20日 / 20 December, with the year when it is not this year."""
    if language == "zh":
        return f"{day.year}年{day.month}月{day.day}日" if day.year != today.year else f"{day.month}月{day.day}日"
    text = f"{day.day} {MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if day.year != today.year else text


async def started_at(session: AsyncSession, *, source: str) -> datetime | None:
    """When a run (or any source) wrote its first row: the moment returns are counted from."""
    first = select(func.min(Delivery.created_at)).where(Delivery.source == source)
    value: datetime | None = await session.scalar(first)
    return value


async def report(session: AsyncSession, *, source: str) -> dict[str, Any]:
    """The ledger figures of a source with its uplift (return within 7 days, messaged against hold-out)."""
    return await statistics(session, source=source, started_at=await started_at(session, source=source))


async def preview(session: AsyncSession, *, run: ReengagementRun) -> dict[str, Any]:
    """What a run would plan now, without writing: the audience size, the hold-out share and one rendered
    text per language (the customers it would pick first)."""
    samples: dict[str, str] = {}
    for language in LANGUAGES:
        first = await session.scalar(
            audience(run).where(func.coalesce(Customer.language, "zh") == language).order_by(Customer.id).limit(1)
        )
        if first is not None:
            [planned] = await render_batch(session, run=run, customer_ids=[first])
            samples[language] = planned.text
    return {
        "source": run.source,
        "audience": await audience_size(session, run=run),
        "holdout_percent": run.holdout_percent,
        "samples": samples,
    }
