"""Reports for staff: how fast chats and tickets are answered, how many meet their SLA, what customers
rated (CSAT), by day, by agent and by category; and one row per conversation for a CSV export.

Figures are computed from the rows of the period in Python: periods are days or weeks, not years.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.sla import BusinessHours, SlaTargets
from actions.ticket_desk import ticket_times
from storage.models import Handoff, Staff, Ticket

# Cells a spreadsheet would run as a formula (CSV injection): prefixed with an apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Figures:
    """Counts and times of one group (the whole period, an agent, a category)."""

    count: int = 0
    first_response_minutes: float | None = None  # median
    resolution_hours: float | None = None  # median
    sla_met_percent: float | None = None
    csat_average: float | None = None
    ratings: int = 0


@dataclass
class Report:
    """A period's figures."""

    since: date
    until: date
    chats: Figures = field(default_factory=Figures)
    tickets: Figures = field(default_factory=Figures)
    csat_distribution: dict[int, int] = field(default_factory=dict)
    chats_per_day: dict[date, int] = field(default_factory=dict)
    by_agent: dict[str, Figures] = field(default_factory=dict)
    by_category: dict[str, Figures] = field(default_factory=dict)


@dataclass(frozen=True)
class ConversationRow:
    """One staff conversation (handoff), as the CSV export has it."""

    handoff_id: int
    customer_id: int
    opened_at: datetime
    accepted_at: datetime | None
    closed_at: datetime | None
    agent: str
    wait_minutes: float | None
    handling_minutes: float | None
    rating: int | None
    status: str


async def conversation_rows(*, session: AsyncSession, since: datetime, until: datetime) -> list[ConversationRow]:
    """Every conversation opened in [since, until), oldest first."""
    query = (
        select(Handoff, Staff.name)
        .outerjoin(Staff, Staff.id == Handoff.staff_id)
        .where(Handoff.opened_at >= since, Handoff.opened_at < until)
        .order_by(Handoff.opened_at, Handoff.id)
    )
    rows = []
    for handoff, agent in (await session.execute(query)).all():
        rows.append(
            ConversationRow(
                handoff_id=handoff.id,
                customer_id=handoff.customer_id,
                opened_at=handoff.opened_at,
                accepted_at=handoff.accepted_at,
                closed_at=handoff.closed_at,
                agent=agent or "",
                wait_minutes=_minutes(handoff.opened_at, handoff.accepted_at),
                handling_minutes=_minutes(handoff.accepted_at, handoff.closed_at),
                rating=handoff.rating,
                status=handoff.status,
            )
        )
    return rows


async def build_report(
    *,
    session: AsyncSession,
    since: datetime,
    until: datetime,
    timezone: ZoneInfo,
    business: BusinessHours,
    targets: SlaTargets,
    now: datetime,
) -> Report:
    """The figures of conversations and tickets opened in [since, until)."""
    chats = await conversation_rows(session=session, since=since, until=until)
    tickets = list(
        (
            await session.scalars(
                select(Ticket).where(
                    Ticket.created_at >= since, Ticket.created_at < until, Ticket.category != "feedback"
                )
            )
        ).all()
    )
    last_day = (until - timedelta(microseconds=1)).astimezone(timezone).date()  # `until` itself is excluded
    report = Report(since=since.astimezone(timezone).date(), until=last_day)
    report.chats = _chat_figures(chats)
    per_day: Counter[date] = Counter(chat.opened_at.astimezone(timezone).date() for chat in chats)
    report.chats_per_day = dict(sorted(per_day.items()))
    by_agent: defaultdict[str, list[ConversationRow]] = defaultdict(list)
    for chat in chats:
        if chat.agent:
            by_agent[chat.agent].append(chat)
    report.by_agent = {agent: _chat_figures(rows) for agent, rows in sorted(by_agent.items())}
    report.tickets = _ticket_figures(tickets, business=business, targets=targets, now=now)
    by_category: defaultdict[str, list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        by_category[ticket.category].append(ticket)
    report.by_category = {
        category: _ticket_figures(rows, business=business, targets=targets, now=now)
        for category, rows in sorted(by_category.items())
    }
    ratings = [chat.rating for chat in chats if chat.rating] + [t.rating for t in tickets if t.rating]
    report.csat_distribution = {score: ratings.count(score) for score in range(1, 6)}
    return report


def csv_cell(value: object) -> str:
    """A value for a CSV cell, with formula-like text made inert ('=1+1 -> '=1+1)."""
    text = "" if value is None else value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _chat_figures(chats: list[ConversationRow]) -> Figures:
    ratings = [chat.rating for chat in chats if chat.rating]
    return Figures(
        count=len(chats),
        first_response_minutes=_median(chat.wait_minutes for chat in chats),
        resolution_hours=_median(chat.handling_minutes / 60 for chat in chats if chat.handling_minutes is not None),
        csat_average=round(statistics.fmean(ratings), 2) if ratings else None,
        ratings=len(ratings),
    )


def _ticket_figures(tickets: list[Ticket], *, business: BusinessHours, targets: SlaTargets, now: datetime) -> Figures:
    met = judged = 0
    for ticket in tickets:
        times = ticket_times(ticket, now=now, business=business, targets=targets)
        answered_in_time = ticket.first_response_at is not None and ticket.first_response_at <= ticket.sla_due_at
        resolved_in_time = ticket.resolved_at is not None and ticket.resolved_at <= times.resolution_due
        if ticket.resolved_at is not None or times.overdue:  # judged once resolved, or once already missed
            judged += 1
            met += answered_in_time and resolved_in_time
    ratings = [ticket.rating for ticket in tickets if ticket.rating]
    return Figures(
        count=len(tickets),
        first_response_minutes=_median(_minutes(t.created_at, t.first_response_at) for t in tickets),
        resolution_hours=_median(
            (t.resolved_at - t.created_at).total_seconds() / 3600 for t in tickets if t.resolved_at is not None
        ),
        sla_met_percent=round(100 * met / judged, 1) if judged else None,
        csat_average=round(statistics.fmean(ratings), 2) if ratings else None,
        ratings=len(ratings),
    )


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60, 1)


def _median(values: Iterable[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return round(statistics.median(present), 1) if present else None
