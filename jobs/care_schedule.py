"""The proactive side of the worker's schedule: campaigns start on time, due deliveries wake the senders.

Greetings, birthdays, re-engagement and reminders plan rows in the delivery ledger on their own schedules
(jobs.greetings, jobs.care); this tick is what turns planned rows into sending loops.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from taskiq import AsyncBroker

from actions import campaigns, deliveries
from actions.reengagement import Inactivity
from actions.rules import LoyaltyRules
from jobs.care import plan_reengagement_run, plan_service_reminders
from jobs.engine import wake_senders
from jobs.greetings import plan_care_greetings
from jobs.scheduler import ScheduledJob
from runtime.settings import OutreachSettings
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


@dataclass(frozen=True)
class CareSchedule:
    """What the care jobs need besides the store and the queue: the shop's zone, rules and outreach settings."""

    shop_zone: ZoneInfo
    rules: LoyaltyRules
    settings: OutreachSettings
    senders: int = 2  # sending loops woken at once when much is due (on whichever workers take them)


def outreach_jobs(session_factory: SessionFactory, broker: AsyncBroker, care: CareSchedule) -> list[ScheduledJob]:
    """Every minute the campaigns and senders; hourly the greetings (customers' mornings come at different
    hours across time zones; planning is idempotent); the re-engagement run and reminders in the morning."""
    late = timedelta(hours=care.settings.greeting_late_hours)
    inactivity = Inactivity.parse(care.settings.reengagement_inactive_days, care.settings.reengagement_segment_days)
    return [
        ScheduledJob(
            "outreach_tick",
            "* * * * *",
            lambda now: outreach_tick(session_factory=session_factory, broker=broker, now=now, senders=care.senders),
        ),
        ScheduledJob(
            "care_greetings",
            "5 * * * *",
            lambda now: plan_care_greetings(
                session_factory=session_factory, now=now, shop_zone=care.shop_zone, late_window=late, rules=care.rules
            ),
        ),
        ScheduledJob(
            "reengagement",
            "0 10 * * *",
            lambda now: plan_reengagement_run(
                session_factory=session_factory,
                now=now,
                settings=care.settings,
                inactivity=inactivity,
                zone=care.shop_zone,
            ),
        ),
        ScheduledJob(
            "service_reminders",
            "30 10 * * *",
            lambda now: plan_service_reminders(
                session_factory=session_factory, now=now, settings=care.settings, zone=care.shop_zone
            ),
        ),
    ]
