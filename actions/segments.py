"""Value segments and lifecycle stages from RFM (recency, frequency, monetary), stored on customers.

Recomputed set-based (two UPDATE statements, no per-customer Python), so a million customers take
seconds, not hours. Scores are quintiles among buyers: 5 = most recent / most frequent / highest spend.

Segments: vip (top fifth by 12-month spend, still buying), active, occasional, at_risk, lapsed, new.
Lifecycle (客户生命周期): exploration 考察期, formation 形成期, stability 稳定期, decline 退化期.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Select,
    String,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from actions.errors import DomainError
from actions.rules import add_months
from storage.models import Customer, Order

SEGMENTS = ("vip", "active", "occasional", "at_risk", "lapsed", "new")
LIFECYCLE_STAGES = ("exploration", "formation", "stability", "decline")
SORT_MEMORY = "256MB"


class UnknownSegment(DomainError):
    """Not one of the value segments."""


@dataclass(frozen=True)
class SegmentThresholds:
    """Day counts that separate the segments; the defaults suit a shop bought from every few months."""

    new_days: int = 90
    active_days: int = 90
    at_risk_after_days: int = 180
    lapsed_after_days: int = 365
    formation_orders: int = 2
    stability_orders: int = 5


@dataclass(frozen=True)
class SegmentReport:
    updated: int
    segments: dict[str, int]
    lifecycle: dict[str, int]


async def recompute_segments(
    *, session: AsyncSession, now: datetime, thresholds: SegmentThresholds | None = None
) -> SegmentReport:
    """Score every (not erased) customer and store segment, lifecycle stage and RFM score."""
    limits = thresholds or SegmentThresholds()
    if session.get_bind().dialect.name == "postgresql":
        # Three quintile sorts and a grouping over all orders: in memory instead of on disk (this transaction only).
        await session.execute(text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"))
    updated = await _update_buyers(session, now=now, limits=limits)
    updated += await _update_non_buyers(session, now=now, limits=limits)
    return SegmentReport(
        updated=updated,
        segments=await _counts(session, Customer.segment),
        lifecycle=await _counts(session, Customer.lifecycle_stage),
    )


def segment_members(segment: str) -> Select[int]:
    """Ids of the segment's customers, for broadcasts to join or stream (erased customers never)."""
    if segment not in SEGMENTS:
        raise UnknownSegment(f"no segment named {segment!r}")
    return select(Customer.id).where(Customer.segment == segment, Customer.erased_at.is_(None)).order_by(Customer.id)


async def customers_in_segment(*, session: AsyncSession, segment: str) -> list[int]:
    """Ids of the segment's customers."""
    return list((await session.scalars(segment_members(segment))).all())


async def _update_buyers(session: AsyncSession, *, now: datetime, limits: SegmentThresholds) -> int:
    window_start = add_months(now, -12)
    in_window = Order.ordered_at > window_start
    paid = (
        select(
            Order.customer_id.label("customer_id"),
            func.max(Order.ordered_at).label("last_at"),
            func.min(Order.ordered_at).label("first_at"),
            func.count().label("orders_total"),
            func.sum(case((in_window, 1), else_=0)).label("orders_12m"),
            func.sum(case((in_window, Order.amount), else_=0)).label("spend_12m"),
        )
        .where(Order.status == "paid", Order.ordered_at <= now)
        .group_by(Order.customer_id)
        .subquery("paid")
    )
    scored = select(
        paid,
        func.ntile(5).over(order_by=paid.c.last_at).label("r"),
        func.ntile(5).over(order_by=(paid.c.orders_12m, paid.c.orders_total)).label("f"),
        func.ntile(5).over(order_by=paid.c.spend_12m).label("m"),
    ).subquery("scored")
    s = scored.c

    def days(count: int) -> datetime:
        return now - timedelta(days=count)

    segment: ColumnElement[str] = case(
        (s.last_at <= days(limits.lapsed_after_days), "lapsed"),
        (s.last_at <= days(limits.at_risk_after_days), "at_risk"),
        (and_(s.m == 5, s.spend_12m > 0), "vip"),
        (and_(s.orders_total == 1, s.first_at > days(limits.new_days)), "new"),
        (and_(s.last_at > days(limits.active_days), s.orders_12m >= 2), "active"),
        else_="occasional",
    )
    stage: ColumnElement[str] = case(
        (s.last_at <= days(limits.at_risk_after_days), "decline"),
        (s.orders_total >= limits.stability_orders, "stability"),
        (s.orders_total >= limits.formation_orders, "formation"),
        else_="exploration",
    )
    rfm: ColumnElement[str] = s.r.cast(String) + s.f.cast(String) + s.m.cast(String)
    statement = (
        update(Customer)
        .where(Customer.id == s.customer_id, Customer.erased_at.is_(None), _differs(segment, stage, rfm))
        .values(segment=segment, lifecycle_stage=stage, rfm_score=rfm)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", await session.execute(statement)).rowcount


async def _update_non_buyers(session: AsyncSession, *, now: datetime, limits: SegmentThresholds) -> int:
    """Customers without a paid order: new while recently registered, lapsed after that."""
    has_paid = exists().where(Order.customer_id == Customer.id, Order.status == "paid", Order.ordered_at <= now)
    segment: ColumnElement[str] = case(
        (Customer.created_at > now - timedelta(days=limits.new_days), "new"), else_="lapsed"
    )
    stage: ColumnElement[str] = literal("exploration", String)
    statement = (
        update(Customer)
        .where(
            ~has_paid,
            Customer.erased_at.is_(None),
            or_(_differs(segment, stage, None), Customer.rfm_score.is_not(None)),
        )
        .values(segment=segment, lifecycle_stage="exploration", rfm_score=None)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", await session.execute(statement)).rowcount


def _differs(
    segment: ColumnElement[str], stage: ColumnElement[str], rfm: ColumnElement[str] | None
) -> ColumnElement[bool]:
    """Only rows whose values change are written (a re-run that changes nothing writes nothing)."""
    conditions = [Customer.segment.is_distinct_from(segment), Customer.lifecycle_stage.is_distinct_from(stage)]
    if rfm is not None:
        conditions.append(Customer.rfm_score.is_distinct_from(rfm))
    return or_(*conditions)


async def _counts(session: AsyncSession, column: Any) -> dict[str, int]:
    rows = await session.execute(
        select(column, func.count()).where(Customer.erased_at.is_(None), column.is_not(None)).group_by(column)
    )
    return {str(value): int(count) for value, count in rows.all()}
