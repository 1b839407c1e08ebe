"""The overdue-ticket job: open tickets past their first-response or resolution due time are announced in
the staff group once (marked in the same transaction as they are found, so two workers never both announce
one; a failed announcement is not repeated) and highlighted in the console.

`ticket_jobs` is what the worker schedules (every five minutes): it needs the session factory, the service
levels (`runtime.services.service_levels`) and a way to post, the Telegram desk's `announce_overdue`
(`bot/telegram/console_desk.py` `open_telegram_desk`); `carebot worker` schedules it when it has a bot token
and a staff group.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from actions.sla import BusinessHours, SlaTargets
from actions.ticket_desk import OverdueTicket, mark_overdue, ticket_times
from jobs.scheduler import ScheduledJob
from storage.engine import SessionFactory

Announce = Callable[[Sequence[OverdueTicket]], Awaitable[None]]


async def announce_overdue_tickets(
    *,
    session_factory: SessionFactory,
    now: datetime,
    timezone: ZoneInfo,
    business: BusinessHours,
    targets: SlaTargets,
    announce: Announce,
) -> int:
    """Mark the newly overdue tickets, then announce them; returns how many."""
    async with session_factory() as session, session.begin():
        tickets = await mark_overdue(session=session, now=now, business=business, targets=targets)
        overdue = []
        for ticket in tickets:
            times = ticket_times(ticket, now=now, business=business, targets=targets)
            missed = times.first_response_due if ticket.first_response_at is None else times.resolution_due
            due = missed.astimezone(timezone).strftime("%Y-%m-%d %H:%M")
            overdue.append(
                OverdueTicket(ticket_id=ticket.id, category=ticket.category, priority=ticket.priority, due=due)
            )
    if overdue:
        await announce(overdue)
    return len(overdue)


def ticket_jobs(
    session_factory: SessionFactory,
    *,
    timezone: ZoneInfo,
    business: BusinessHours,
    targets: SlaTargets,
    announce: Announce,
) -> list[ScheduledJob]:
    """The overdue-ticket check, every five minutes."""

    async def check(now: datetime) -> int:
        return await announce_overdue_tickets(
            session_factory=session_factory, now=now, timezone=timezone, business=business, targets=targets,
            announce=announce,
        )  # fmt: skip

    return [ScheduledJob("announce_overdue_tickets", "*/5 * * * *", check)]
