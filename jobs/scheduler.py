"""The worker's schedule: cron-like jobs, each fire claimed in Redis so N workers run it once.

APScheduler decides *when*; a Redis claim per (job, fire time) decides *who*. The claim is
not released after the run, so a slower worker that wakes for the same fire finds it taken.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from jobs import loyalty
from runtime.logs import log_unexpected
from storage.engine import SessionFactory
from storage.redis_state import DistributedLock

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 6 * 3600  # longer than any job's run, shorter than the gap between two fires

JobBody = Callable[[datetime], Awaitable[object]]


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    cron: str  # minute hour day month day-of-week, in the shop's time zone
    body: JobBody


def loyalty_jobs(session_factory: SessionFactory) -> list[ScheduledJob]:
    """Nightly loyalty upkeep, after the shop closes and before customers wake up."""
    return [
        ScheduledJob(
            "expire_points", "10 3 * * *", lambda now: loyalty.expire_points(session_factory=session_factory, now=now)
        ),
        ScheduledJob(
            "tier_downgrades",
            "30 3 * * *",
            lambda now: loyalty.evaluate_tier_downgrades(session_factory=session_factory, now=now),
        ),
        ScheduledJob(
            "recompute_segments",
            "0 4 * * *",
            lambda now: loyalty.recompute_segments(session_factory=session_factory, now=now),
        ),
    ]


async def run_claimed(job: ScheduledJob, *, fire_time: datetime, lock: DistributedLock) -> bool:
    """Run one fire of a job unless another worker claimed it; True when this worker ran it."""
    token = await lock.try_acquire(f"job:{job.name}:{fire_time.isoformat()}", ttl_seconds=CLAIM_SECONDS)
    if token is None:
        logger.info("job %s at %s already claimed by another worker", job.name, fire_time.isoformat())
        return False
    logger.info("job %s started", job.name)
    try:
        await job.body(fire_time)
    except Exception as error:  # the worker's error edge: the next fire tries again; the worker keeps going
        log_unexpected(logger, error, what=f"job {job.name}")
        return True
    logger.info("job %s finished", job.name)
    return True


def build_scheduler(jobs: list[ScheduledJob], *, lock: DistributedLock, timezone: ZoneInfo) -> AsyncIOScheduler:
    """An APScheduler with one cron trigger per job; each fire goes through `run_claimed`."""
    scheduler = AsyncIOScheduler(timezone=timezone)
    for job in jobs:
        trigger = CronTrigger.from_crontab(job.cron, timezone=timezone)
        scheduler.add_job(_fire, trigger, args=[job, lock, trigger], id=job.name, coalesce=True, max_instances=1)
    return scheduler


async def _fire(job: ScheduledJob, lock: DistributedLock, trigger: CronTrigger) -> None:
    # The scheduled fire time, not "now": every worker derives the same claim key for the same fire.
    fire_time = _latest_fire(trigger)
    await run_claimed(job, fire_time=fire_time, lock=lock)


def _latest_fire(trigger: CronTrigger) -> datetime:
    now = datetime.now(trigger.timezone)
    previous: datetime | None = None
    candidate = trigger.get_next_fire_time(None, now.replace(hour=0, minute=0, second=0, microsecond=0))
    while candidate is not None and candidate <= now:
        previous = candidate
        candidate = trigger.get_next_fire_time(candidate, candidate.replace(microsecond=1))
    return previous or now.replace(second=0, microsecond=0)
