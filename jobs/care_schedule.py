"""The proactive side of the worker's schedule: campaigns start on time, due deliveries wake the senders.

Greetings, birthdays, re-engagement and reminders plan rows in the delivery ledger on their own schedules
(jobs.greetings, jobs.care); this tick is what turns planned rows into sending loops.
"""

from __future__ import annotations

from datetime import datetime

from taskiq import AsyncBroker

from actions import campaigns, deliveries
from jobs.engine import wake_senders
from jobs.scheduler import ScheduledJob
from storage.engine import SessionFactory


async def outreach_tick(*, session_factory: SessionFactory, broker: AsyncBroker, now: datetime, senders: int) -> int:
    """Start campaigns whose time has come, close finished ones, and wake senders when rows are due;
    returns how many rows are due."""
    async with session_factory() as session, session.begin():
        await campaigns.start_due_campaigns(session, now=now)
        await campaigns.finish_sent_campaigns(session, now=now)
        due = await deliveries.due_count(session, now=now)
    if due:
        await wake_senders(broker, copies=min(senders, max(1, due // 100)))
    return due


def outreach_jobs(session_factory: SessionFactory, broker: AsyncBroker, *, senders: int = 2) -> list[ScheduledJob]:
    return [
        ScheduledJob(
            "outreach_tick",
            "* * * * *",
            lambda now: outreach_tick(session_factory=session_factory, broker=broker, now=now, senders=senders),
        ),
    ]
