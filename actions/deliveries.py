"""The delivery ledger: every proactive message is a row, and senders only ever work from these rows.

pending → claimed (a worker's lease) → sending (committed just before the Bot API call) → sent / failed /
blocked / skipped (with a reason) / unknown. Rows are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL, so
several workers share a campaign without sending anything twice (SQLite runs one sender). A sweeper gives
lapsed claims back and turns lapsed `sending` rows into `unknown`: Telegram has no idempotency key, so a
message that may have gone out is never sent again automatically (a marketer may re-send those explicitly).
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, and_, bindparam, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from actions.errors import DomainError
from actions.outreach_guards import GuardPolicy, held_until, marketing_sent_this_week, refusal
from storage.models import Campaign, Customer, Delivery, Tier, localized

PLACEHOLDERS = frozenset({"name", "points", "tier"})
OPEN_STATUSES = ("pending", "claimed", "sending")
CLAIM_LEASE = timedelta(minutes=5)
SENDING_LEASE = timedelta(minutes=2)  # longer than any Bot API call with its retries


class BadTemplate(DomainError):
    """A message text with an unknown or malformed {placeholder}."""


@dataclass(frozen=True)
class Planned:
    """A message to put in the ledger for one customer (already in their language)."""

    customer_id: int
    text: str
    not_before: datetime
    expires_at: datetime | None = None
    button_label: str | None = None
    button_url: str | None = None
    status: str = "pending"  # or "holdout": selected, counted, never sent


@dataclass(frozen=True)
class Outgoing:
    """A row that passed its guards and is marked `sending`: what the transport sends."""

    delivery_id: int
    chat_id: int
    text: str
    button_label: str | None
    button_url: str | None
    paid: bool


@dataclass(frozen=True)
class Outcome:
    """What the transport reports for one `Outgoing`."""

    delivery_id: int
    status: str  # sent, blocked, failed, unknown, retry (never reached Telegram: pending again later)
    telegram_message_id: int | None = None
    reason: str | None = None


REACHED = frozenset({"sent", "unknown"})  # outcomes where the message reached (or may have reached) Telegram


@dataclass
class Preparation:
    outgoing: list[Outgoing] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    held: int = 0


def check_template(text: str) -> None:
    """Refuse a text whose placeholders are not {name}, {points} or {tier}, or whose braces do not pair."""
    try:
        fields = [name for _, name, spec, conversion in string.Formatter().parse(text) if name is not None]
    except ValueError as error:
        raise BadTemplate(f"malformed braces in {text[:40]!r}: {error} (write {{{{ and }}}} for a brace)") from None
    unknown = sorted({name for name in fields if name not in PLACEHOLDERS})
    if unknown:
        raise BadTemplate(f"unknown placeholder {{{unknown[0]}}}; use {{name}}, {{points}} or {{tier}}")


def render(template: str, *, customer: Customer, tier: Tier | None) -> str:
    """The template with the customer's name, points and tier filled in (in the customer's language)."""
    language = customer.language or "zh"
    name = customer.name or localized("顾客", "there", language)
    tier_name = tier.name_in(language) if tier is not None else customer.tier_code
    return template.format_map({"name": name, "points": customer.points_balance, "tier": tier_name})


async def enqueue(
    session: AsyncSession,
    *,
    source: str,
    kind: str,
    planned: Sequence[Planned],
    campaign_id: int | None = None,
    paid: bool = False,
) -> int:
    """Add rows for customers not yet in the ledger for `source`; returns how many were new."""
    if not planned:
        return 0
    rows = [
        {
            "source": source,
            "campaign_id": campaign_id,
            "customer_id": item.customer_id,
            "kind": kind,
            "status": item.status,
            "text": item.text,
            "button_label": item.button_label,
            "button_url": item.button_url,
            "paid": paid,
            "not_before": item.not_before,
            "expires_at": item.expires_at,
            "attempts": 0,
            "created_at": item.not_before,
        }
        for item in planned
    ]
    # One statement run for many parameter sets (SQLAlchemy batches it and caches it): a single VALUES list of
    # 500 rows is compiled afresh each time and took about a second on PostgreSQL; RETURNING counts the new rows.
    statement = _insert(session).on_conflict_do_nothing(index_elements=["source", "customer_id"]).returning(Delivery.id)
    return len((await session.execute(statement, rows)).all())


async def enqueue_selected(
    session: AsyncSession,
    *,
    source: str,
    campaign: Campaign,
    customers: Select[Any],
    now: datetime,
) -> int:
    """One INSERT … SELECT for a whole audience (texts are rendered when sent); a hold-out share, picked
    by a hash of the customer and campaign ids (stable, evenly spread), is recorded as `holdout`."""
    selected = customers.subquery()
    holdout = (selected.c.id * 7919 + campaign.id * 104729) % 100 < campaign.holdout_percent
    from_audience = select(
        literal(source),
        literal(campaign.id),
        selected.c.id,
        literal(campaign.kind),
        _status_case(holdout),
        literal(""),
        literal(campaign.paid_broadcast),
        literal(now),
        literal(0),
        literal(now),
    ).where(selected.c.id.is_not(None))  # SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT
    columns = [
        "source",
        "campaign_id",
        "customer_id",
        "kind",
        "status",
        "text",
        "paid",
        "not_before",
        "attempts",
        "created_at",
    ]
    statement = (
        _insert(session)
        .from_select(columns, from_audience)
        .on_conflict_do_nothing(index_elements=["source", "customer_id"])
    )
    result: Any = await session.execute(statement)
    return int(result.rowcount or 0)


def _status_case(holdout: ColumnElement[bool]) -> ColumnElement[str]:
    from sqlalchemy import case

    return case((holdout, literal("holdout")), else_=literal("pending"))


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Delivery)


async def claim_due(
    session: AsyncSession, *, worker: str, now: datetime, limit: int, lease: timedelta = CLAIM_LEASE
) -> list[int]:
    """Lease up to `limit` due rows to this worker (rows other workers hold are skipped, not waited for).
    Rows of a paused or cancelled campaign are not due."""
    due = (
        select(Delivery.id)
        .outerjoin(Campaign, Campaign.id == Delivery.campaign_id)
        .where(
            Delivery.status == "pending",
            Delivery.not_before <= now,
            or_(Delivery.campaign_id.is_(None), Campaign.status == "sending"),
        )
        .order_by(Delivery.not_before, Delivery.id)
        .limit(limit)
        .with_for_update(of=Delivery, skip_locked=True)
    )
    ids = list((await session.scalars(due)).all())
    if not ids:
        return []
    # Still pending: where rows cannot be locked (SQLite), a row another sender took meanwhile stays theirs.
    claimed = await session.scalars(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.status == "pending")
        .values(status="claimed", claimed_by=worker, lease_until=now + lease, attempts=Delivery.attempts + 1)
        .returning(Delivery.id)
    )
    return sorted(claimed.all())


async def prepare(
    session: AsyncSession,
    *,
    ids: Sequence[int],
    worker: str,
    now: datetime,
    policy: GuardPolicy,
    sending_lease: timedelta = SENDING_LEASE,
) -> Preparation:
    """Check each claimed row's guards now; give those that pass their final text and return them (still
    `claimed`: `mark_sending` marks each group just before it goes out). Refused rows become `skipped`
    with the reason; quiet hours put a row back until morning."""
    rows = (
        await session.execute(
            select(Delivery, Customer, Tier)
            .join(Customer, Customer.id == Delivery.customer_id)
            .outerjoin(Tier, Tier.code == Customer.tier_code)
            .where(Delivery.id.in_(ids), Delivery.status == "claimed", Delivery.claimed_by == worker)
            .order_by(Delivery.id)
        )
    ).all()
    campaigns = await _campaigns_of(session, [row[0] for row in rows])
    paid_left = await _paid_messages_left(session, campaigns.values(), preparing=ids)
    sent_this_week = await marketing_sent_this_week(
        session, customer_ids=[row[0].customer_id for row in rows if row[0].kind == "marketing"], now=now
    )
    result = Preparation()
    for delivery, customer, tier in rows:
        reason = _skip_reason(delivery, customer, now=now, policy=policy, sent_this_week=sent_this_week)
        if reason is not None:
            delivery.status, delivery.reason, delivery.lease_until = "skipped", reason, None
            result.skipped[reason] = result.skipped.get(reason, 0) + 1
            continue
        morning = held_until(customer, now=now, policy=policy)
        if morning is not None:
            delivery.status, delivery.not_before, delivery.claimed_by, delivery.lease_until = (
                "pending",
                morning,
                None,
                None,
            )
            delivery.attempts -= 1  # waiting for morning is not a failed attempt
            result.held += 1
            continue
        campaign = campaigns.get(delivery.campaign_id) if delivery.campaign_id else None
        if campaign is not None:
            _fill_from_campaign(delivery, campaign, customer=customer, tier=tier)
            if delivery.paid:  # past the campaign's cap of paid messages, the rest go at the free rate
                delivery.paid = paid_left.get(campaign.id, 0) > 0
                paid_left[campaign.id] = paid_left.get(campaign.id, 0) - delivery.paid
        if delivery.kind == "marketing":
            sent_this_week[customer.id] = sent_this_week.get(customer.id, 0) + 1
        delivery.lease_until = now + sending_lease  # prepared: still `claimed` until `mark_sending`
        assert customer.telegram_chat_id is not None  # refusal() says "no_chat" otherwise
        result.outgoing.append(
            Outgoing(
                delivery_id=delivery.id,
                chat_id=customer.telegram_chat_id,
                text=delivery.text,
                button_label=delivery.button_label,
                button_url=delivery.button_url,
                paid=delivery.paid,
            )
        )
    await session.flush()
    return result


def _skip_reason(
    delivery: Delivery, customer: Customer, *, now: datetime, policy: GuardPolicy, sent_this_week: Mapping[int, int]
) -> str | None:
    reason = refusal(customer, kind=delivery.kind)
    if reason is not None:
        return reason
    if delivery.expires_at is not None and now > delivery.expires_at:
        return "too_late"
    if delivery.kind == "marketing" and sent_this_week.get(customer.id, 0) >= policy.weekly_cap:
        return "weekly_cap"
    return None


async def _campaigns_of(session: AsyncSession, deliveries: Sequence[Delivery]) -> dict[int, Campaign]:
    ids = {delivery.campaign_id for delivery in deliveries if delivery.campaign_id is not None}
    if not ids:
        return {}
    found = await session.scalars(select(Campaign).where(Campaign.id.in_(ids)))
    return {campaign.id: campaign for campaign in found}


async def _paid_messages_left(
    session: AsyncSession, campaigns: Iterable[Campaign], *, preparing: Sequence[int]
) -> dict[int, int]:
    """How many more paid messages each paid campaign may send: its cap minus those paid for and those other
    senders hold as paid (counted as paid until they are sent, so the cap is never passed)."""
    caps = {campaign.id: campaign.paid_cap for campaign in campaigns if campaign.paid_broadcast}
    if not caps:
        return {}
    used = await session.execute(
        select(Delivery.campaign_id, func.count())
        .where(
            Delivery.campaign_id.in_(caps),
            Delivery.paid.is_(True),
            or_(
                Delivery.status.in_(("sending", "sent", "unknown")),
                and_(Delivery.status == "claimed", Delivery.id.not_in(preparing)),
            ),
        )
        .group_by(Delivery.campaign_id)
    )
    spent = {campaign_id: count for campaign_id, count in used.all()}
    return {campaign_id: cap - spent.get(campaign_id, 0) for campaign_id, cap in caps.items()}


def _fill_from_campaign(delivery: Delivery, campaign: Campaign, *, customer: Customer, tier: Tier | None) -> None:
    language = customer.language or "zh"
    delivery.text = render(localized(campaign.text_zh, campaign.text_en, language), customer=customer, tier=tier)
    label = localized(campaign.button_label_zh, campaign.button_label_en, language)
    delivery.button_label = label or None
    delivery.button_url = campaign.button_url if label else None


async def mark_sending(
    session: AsyncSession, *, ids: Sequence[int], worker: str, now: datetime, lease: timedelta
) -> set[int]:
    """Committed just before these rows go to the Bot API: from here a crash leaves them `unknown`. Returns
    the rows this worker still holds (one whose lease lapsed meanwhile may be another sender's now)."""
    marked = await session.scalars(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.status == "claimed", Delivery.claimed_by == worker)
        .values(status="sending", lease_until=now + lease, sent_at=now)
        .returning(Delivery.id)
    )
    return set(marked.all())


async def record_outcomes(
    session: AsyncSession, *, outcomes: Sequence[Outcome], now: datetime, retry_after: timedelta
) -> None:
    """Write what the transport reported, one statement per kind of outcome run for all its rows (a paid
    broadcast records a thousand a second); `retry` rows (never reached Telegram) go back to pending."""
    table = cast(Table, Delivery.__table__)
    still_sending = and_(table.c.id == bindparam("b_id"), table.c.status == "sending")
    by_kind: dict[str, list[dict[str, Any]]] = {"retry": [], "reached": [], "refused": []}
    for outcome in outcomes:
        kind = "retry" if outcome.status == "retry" else "reached" if outcome.status in REACHED else "refused"
        by_kind[kind].append(
            {"b_id": outcome.delivery_id, "b_status": outcome.status, "b_reason": outcome.reason}
            | ({"b_message_id": outcome.telegram_message_id} if kind == "reached" else {})
        )
    common: dict[str, Any] = {"lease_until": None, "reason": bindparam("b_reason")}
    values: dict[str, dict[str, Any]] = {
        "retry": common | {"status": "pending", "claimed_by": None, "sent_at": None, "not_before": now + retry_after},
        "reached": common | {"status": bindparam("b_status"), "telegram_message_id": bindparam("b_message_id")},
        "refused": common | {"status": bindparam("b_status"), "telegram_message_id": None, "sent_at": None},
    }
    for kind, rows in by_kind.items():
        if rows:
            await session.execute(update(table).where(still_sending).values(**values[kind]), rows)


async def sweep_lapsed(session: AsyncSession, *, now: datetime) -> tuple[int, int]:
    """Give lapsed claims back (they never reached the Bot API) and mark lapsed sends `unknown`."""
    released: Any = await session.execute(
        update(Delivery)
        .where(Delivery.status == "claimed", Delivery.lease_until < now)
        .values(status="pending", claimed_by=None, lease_until=None)
    )
    unknown: Any = await session.execute(
        update(Delivery)
        .where(Delivery.status == "sending", Delivery.lease_until < now)
        .values(status="unknown", reason="lease_lapsed", lease_until=None)
    )
    return int(released.rowcount or 0), int(unknown.rowcount or 0)


async def next_lease_end(session: AsyncSession) -> datetime | None:
    """When the first lease held on an open row ends (another sender's, or a dead one's), if any."""
    value: datetime | None = await session.scalar(
        select(func.min(Delivery.lease_until)).where(Delivery.status.in_(("claimed", "sending")))
    )
    return value


async def due_count(session: AsyncSession, *, now: datetime) -> int:
    """Rows a sender could claim now (used to decide whether to wake more senders)."""
    value = await session.scalar(
        select(func.count())
        .select_from(Delivery)
        .outerjoin(Campaign, Campaign.id == Delivery.campaign_id)
        .where(
            Delivery.status == "pending",
            Delivery.not_before <= now,
            or_(Delivery.campaign_id.is_(None), Campaign.status == "sending"),
        )
    )
    return int(value or 0)


async def resend_unknown(session: AsyncSession, *, source: str, now: datetime) -> int:
    """A marketer's explicit choice: send the `unknown` rows of a source again (they may arrive twice)."""
    result: Any = await session.execute(
        update(Delivery)
        .where(Delivery.source == source, Delivery.status == "unknown")
        .values(status="pending", reason="resent", not_before=now, claimed_by=None, lease_until=None, sent_at=None)
    )
    return int(result.rowcount or 0)


async def record_button_press(
    session: AsyncSession, *, delivery_id: int, customer_id: int, now: datetime
) -> str | None:
    """Count the first press of a delivery's button, only by the customer it was sent to; the delivery's
    source (what the message was about), or None for a forged or foreign id."""
    delivery = await session.scalar(
        select(Delivery).where(Delivery.id == delivery_id, Delivery.customer_id == customer_id)
    )
    if delivery is None:
        return None
    if delivery.button_pressed_at is None:
        delivery.button_pressed_at = now
        await session.flush()
    return delivery.source
