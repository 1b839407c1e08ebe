"""Care jobs: plan the day's re-engagement and the service reminders into the delivery ledger (the sending
loop of `jobs.outreach` sends them). Each page of customers is its own transaction, so a crash keeps what
was planned and a rerun (same day, same sources) adds only what is missing."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, tzinfo
from typing import Any

from actions import reengagement, reminders
from runtime.settings import OutreachSettings
from storage.engine import SessionFactory

logger = logging.getLogger(__name__)


async def plan_reengagement_run(
    *,
    session_factory: SessionFactory,
    now: datetime,
    settings: OutreachSettings,
    inactivity: reengagement.Inactivity | None = None,
    zone: tzinfo = UTC,
    batch_size: int = reengagement.BATCH_SIZE,
) -> dict[str, Any]:
    """Plan today's re-engagement run (source `reengagement:<date>`); its counts. `inactivity` overrides the
    single REENGAGEMENT_INACTIVE_DAYS with days per segment; `zone` is the shop's (dates in texts, run date)."""
    run = reengagement.new_run(
        now=now,
        inactive_days=inactivity or reengagement.Inactivity(settings.reengagement_inactive_days),
        cooldown_days=settings.reengagement_cooldown_days,
        holdout_percent=settings.reengagement_holdout_percent,
        zone=zone,
    )
    total, after = reengagement.ReengagementReport(run.source), 0
    while True:
        async with session_factory() as session, session.begin():
            batch, last = await reengagement.plan_batch(session, run=run, after_id=after, limit=batch_size)
        total.add(batch)
        if last is None:
            break
        after = last
    logger.info("re-engagement %s: %d messaged, %d held out", run.source, total.messaged, total.holdout)
    return total.as_dict()


async def plan_service_reminders(
    *,
    session_factory: SessionFactory,
    now: datetime,
    settings: OutreachSettings,
    zone: tzinfo = UTC,
    batch_size: int = reminders.BATCH_SIZE,
) -> dict[str, int]:
    """Plan points-expiry reminders (EXPIRY_REMINDER_DAYS ahead, once per expiring month) and congratulations
    on tier upgrades recorded by orders; how many new rows of each."""
    expiry, after = 0, 0
    while True:
        async with session_factory() as session, session.begin():
            planned, last = await reminders.plan_expiry_batch(
                session,
                now=now,
                within_days=settings.expiry_reminder_days,
                after_id=after,
                limit=batch_size,
                zone=zone,
            )
        expiry += planned
        if last is None:
            break
        after = last
    async with session_factory() as session, session.begin():
        upgrades = await reminders.plan_tier_congratulations(session, now=now)
    logger.info("service reminders: %d expiry reminders, %d tier congratulations", expiry, upgrades)
    return {"expiry_reminders": expiry, "tier_congratulations": upgrades}
