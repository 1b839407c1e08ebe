"""The worker's schedule: cron-like jobs, each fire claimed in Redis so N workers run it once.

APScheduler decides *when*; a Redis claim per (job, fire time) decides *who*. The claim is short and
renewed while the job runs, so a worker that dies mid-job lets it lapse within `CLAIM_SECONDS`; the
other workers wait for the fire to be done and take it over then. A failed run releases the claim
and is retried after a growing pause (`Retry`), by this worker or another. A fire that succeeded (or
failed its last attempt) is marked done, so a slower worker that wakes for it later leaves it alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from jobs import housekeeping, loyalty
from runtime.logs import log_unexpected
from storage.engine import SessionFactory
from storage.redis_state import DistributedLock

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 90.0  # a running fire's claim, renewed every third of it; lapses this soon after a crash
DONE_SECONDS = 6 * 3600  # a finished fire stays marked: longer than any worker is late, shorter than a day

JobBody = Callable[[datetime], Awaitable[object]]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Retry:
    """At most `attempts` runs of one fire per worker; after the n-th failure wait first_delay × factor^(n-1)."""

    attempts: int = 4
    first_delay: float = 60.0
    factor: float = 4.0

    def delay_after(self, failures: int) -> float:
        return self.first_delay * self.factor ** (failures - 1)


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    cron: str  # minute hour day month day-of-week, in the shop's time zone
    body: JobBody


def loyalty_jobs(session_factory: SessionFactory) -> list[ScheduledJob]:
    """Nightly loyalty upkeep and housekeeping, after the shop closes and before customers wake up."""
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
        ScheduledJob(
            "prune_update_claims",
            "40 4 * * *",
            lambda now: housekeeping.prune_update_claims(session_factory=session_factory, now=now),
        ),
    ]


async def run_claimed(
    job: ScheduledJob,
    *,
    fire_time: datetime,
    lock: DistributedLock,
    retry: Retry = Retry(),
    sleep: Sleep = asyncio.sleep,
    claim_seconds: float = CLAIM_SECONDS,
) -> bool:
    """See the fire of a job done, running it here when no other worker holds it; True when this worker
    ran it successfully. `sleep` waits out a backoff or another worker's claim (injected by tests)."""
    claim = f"job:{job.name}:{fire_time.isoformat()}"
    done = f"{claim}:done"
    failures = 0
    for _ in range(int(DONE_SECONDS // claim_seconds)):
        token = await lock.try_acquire(claim, ttl_seconds=claim_seconds)
        if token is None:  # another worker runs it: look again once its claim would have lapsed
            logger.info("job %s at %s is claimed by another worker", job.name, fire_time.isoformat())
            await sleep(claim_seconds)
            continue
        if await lock.is_held(done):  # checked under the claim: the finisher marks done before releasing
            await lock.release(claim, token)
            return False
        succeeded = await _run_once(job, fire_time, lock=lock, claim=claim, token=token, claim_seconds=claim_seconds)
        failures += 0 if succeeded else 1
        if succeeded or failures >= retry.attempts:
            if not succeeded:
                logger.error("job %s at %s failed %d times: left to its next fire", job.name, fire_time, failures)
            await lock.try_acquire(done, ttl_seconds=DONE_SECONDS)
            await lock.release(claim, token)
            return succeeded
        await lock.release(claim, token)  # another worker may retry meanwhile
        await sleep(retry.delay_after(failures))
    return False


async def _run_once(
    job: ScheduledJob, fire_time: datetime, *, lock: DistributedLock, claim: str, token: str, claim_seconds: float
) -> bool:
    """One run under the claim, renewed meanwhile; False when the body failed (logged at the worker's edge)."""
    renewal = asyncio.create_task(_keep_claim(lock, claim, token, claim_seconds))
    logger.info("job %s started", job.name)
    try:
        await job.body(fire_time)
    except Exception as error:  # the worker's error edge: retried with backoff; the worker keeps going
        log_unexpected(logger, error, what=f"job {job.name}")
        return False
    finally:
        renewal.cancel()
        with suppress(asyncio.CancelledError):
            await renewal
    logger.info("job %s finished", job.name)
    return True


async def _keep_claim(lock: DistributedLock, claim: str, token: str, claim_seconds: float) -> None:
    while True:
        await asyncio.sleep(claim_seconds / 3)
        if not await lock.renew(claim, token, ttl_seconds=claim_seconds):
            logger.warning("job claim %s was lost while the job ran", claim)
            return


Dispatch = Callable[[ScheduledJob, datetime], Awaitable[None]]


def build_scheduler(jobs: list[ScheduledJob], *, dispatch: Dispatch, timezone: ZoneInfo) -> AsyncIOScheduler:
    """An APScheduler with one cron trigger per job; each fire is handed to `dispatch` (the worker puts it
    on the task queue, where `run_claimed` runs it once)."""
    scheduler = AsyncIOScheduler(timezone=timezone)
    for job in jobs:
        trigger = CronTrigger.from_crontab(job.cron, timezone=timezone)
        scheduler.add_job(_fire, trigger, args=[job, dispatch, trigger], id=job.name, coalesce=True, max_instances=1)
    return scheduler


async def _fire(job: ScheduledJob, dispatch: Dispatch, trigger: CronTrigger) -> None:
    # The scheduled fire time, not "now": every worker derives the same claim key for the same fire.
    await dispatch(job, _latest_fire(trigger))


def _latest_fire(trigger: CronTrigger) -> datetime:
    now = datetime.now(trigger.timezone)
    previous: datetime | None = None
    candidate = trigger.get_next_fire_time(None, now.replace(hour=0, minute=0, second=0, microsecond=0))
    while candidate is not None and candidate <= now:
        previous = candidate
        candidate = trigger.get_next_fire_time(candidate, candidate.replace(microsecond=1))
    return previous or now.replace(second=0, microsecond=0)
