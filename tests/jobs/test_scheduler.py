"""The worker's schedule: jobs fire on their cron in the shop's zone, each fire runs on one worker only."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from redis.asyncio import Redis

from jobs.scheduler import Retry, ScheduledJob, _latest_fire, build_scheduler, loyalty_jobs, run_claimed
from storage.engine import SessionFactory
from storage.redis_state import DistributedLock
from tests.support.loyalty import seed_ladder

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_a_fire_runs_on_exactly_one_of_several_workers(redis: Redis) -> None:
    runs: list[datetime] = []

    async def body(now: datetime) -> None:
        runs.append(now)

    job = ScheduledJob("count", "0 4 * * *", body)
    fire = datetime(2026, 11, 23, 4, 0, tzinfo=SHANGHAI)
    workers = [DistributedLock(redis) for _ in range(3)]
    ran = [await run_claimed(job, fire_time=fire, lock=lock) for lock in workers]
    assert ran == [True, False, False]
    assert runs == [fire]
    assert await run_claimed(job, fire_time=fire.replace(day=24), lock=workers[1]) is True


FIRE = datetime(2026, 11, 23, 4, 0, tzinfo=SHANGHAI)
CLAIM = f"job:flaky:{FIRE.isoformat()}"


class Pauses:
    """The scheduler's waits, recorded instead of slept; `during` runs while it would wait."""

    def __init__(self, during: object = None) -> None:
        self.seconds: list[float] = []
        self.during = during

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        if callable(self.during):
            await self.during()


async def test_a_failed_fire_releases_its_claim_and_is_retried_with_backoff(redis: Redis) -> None:
    lock = DistributedLock(redis)
    attempts: list[datetime] = []
    claim_free_between: list[bool] = []

    async def body(now: datetime) -> None:
        attempts.append(now)
        if len(attempts) < 3:
            raise RuntimeError("database went away")

    async def between() -> None:
        claim_free_between.append(not await lock.is_held(CLAIM))

    pauses = Pauses(between)
    job = ScheduledJob("flaky", "0 4 * * *", body)
    assert await run_claimed(job, fire_time=FIRE, lock=lock, retry=Retry(first_delay=60, factor=4), sleep=pauses)
    assert attempts == [FIRE] * 3
    assert pauses.seconds == [60, 240] and claim_free_between == [True, True]
    assert await run_claimed(job, fire_time=FIRE, lock=DistributedLock(redis), sleep=Pauses()) is False
    assert len(attempts) == 3  # done: a late worker leaves it alone


async def test_attempts_are_bounded_and_the_worker_keeps_going(redis: Redis) -> None:
    runs: list[datetime] = []

    async def body(now: datetime) -> None:
        runs.append(now)
        raise RuntimeError("database went away")

    job = ScheduledJob("flaky", "0 4 * * *", body)
    pauses = Pauses()
    assert (
        await run_claimed(job, fire_time=FIRE, lock=DistributedLock(redis), retry=Retry(attempts=3), sleep=pauses)
        is False
    )
    assert len(runs) == 3 and pauses.seconds == [60, 240]
    assert await run_claimed(job, fire_time=FIRE, lock=DistributedLock(redis), sleep=Pauses()) is False
    assert len(runs) == 3  # given up for this fire; the next fire is a new chance


async def test_another_worker_takes_a_fire_whose_run_failed(redis: Redis) -> None:
    runs: list[str] = []

    def job_run_by(worker: str, *, fail: bool) -> ScheduledJob:
        async def body(now: datetime) -> None:
            runs.append(worker)
            if fail:
                raise RuntimeError("this worker's database connection broke")

        return ScheduledJob("flaky", "0 4 * * *", body)

    async def other_worker_wakes() -> None:
        assert await run_claimed(job_run_by("b", fail=False), fire_time=FIRE, lock=DistributedLock(redis))

    first = job_run_by("a", fail=True)
    ran = await run_claimed(first, fire_time=FIRE, lock=DistributedLock(redis), sleep=Pauses(other_worker_wakes))
    assert ran is False and runs == ["a", "b"]  # "a" found the fire done after its backoff


async def test_a_worker_that_dies_mid_job_leaves_the_fire_to_another(redis: Redis) -> None:
    dead = DistributedLock(redis)
    assert await dead.try_acquire(CLAIM, ttl_seconds=0.2) is not None  # claimed, then the worker died
    runs: list[datetime] = []

    async def body(now: datetime) -> None:
        runs.append(now)

    survivor = ScheduledJob("flaky", "0 4 * * *", body)
    waits = Pauses(lambda: asyncio.sleep(0.25))  # the survivor waits out the dead worker's claim
    assert await run_claimed(survivor, fire_time=FIRE, lock=DistributedLock(redis), sleep=waits, claim_seconds=0.2)
    assert runs == [FIRE] and waits.seconds == [0.2]


async def test_the_claim_is_short_and_renewed_while_the_job_runs(redis: Redis) -> None:
    lock = DistributedLock(redis)
    held: list[bool] = []

    async def body(now: datetime) -> None:
        await asyncio.sleep(0.5)  # the job's work, longer than the claim
        held.append(await lock.is_held(CLAIM))
        ttl = await redis.pttl(f"carebot:lock:{CLAIM}")
        held.append(0 < ttl <= 300)

    job = ScheduledJob("flaky", "0 4 * * *", body)
    assert await run_claimed(job, fire_time=FIRE, lock=lock, claim_seconds=0.3)
    assert held == [True, True]
    assert not await lock.is_held(CLAIM) and await lock.is_held(f"{CLAIM}:done")


@pytest.mark.parametrize("attempts", [1, 2])
def test_backoff_grows(attempts: int) -> None:
    assert Retry(first_delay=10, factor=3).delay_after(attempts) == 10 * 3 ** (attempts - 1)


async def test_loyalty_jobs_run_nightly_in_the_shop_time_zone(redis: Redis, session_factory: SessionFactory) -> None:
    async def dispatch(job: ScheduledJob, fire_time: datetime) -> None:
        await run_claimed(job, fire_time=fire_time, lock=DistributedLock(redis))

    scheduler = build_scheduler(loyalty_jobs(session_factory), dispatch=dispatch, timezone=SHANGHAI)
    after = datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)
    next_fires = {job.id: job.trigger.get_next_fire_time(None, after) for job in scheduler.get_jobs()}
    assert next_fires == {
        "expire_points": datetime(2026, 11, 24, 3, 10, tzinfo=SHANGHAI),
        "tier_downgrades": datetime(2026, 11, 24, 3, 30, tzinfo=SHANGHAI),
        "recompute_segments": datetime(2026, 11, 24, 4, 0, tzinfo=SHANGHAI),
        "prune_update_claims": datetime(2026, 11, 24, 4, 40, tzinfo=SHANGHAI),
    }


async def test_loyalty_jobs_run_against_the_database(redis: Redis, session_factory: SessionFactory) -> None:
    async with session_factory() as session, session.begin():
        await seed_ladder(session)  # synced from the shop's configuration at start-up
    now = datetime(2026, 11, 23, 4, 0, tzinfo=SHANGHAI)
    for job in loyalty_jobs(session_factory):
        assert await run_claimed(job, fire_time=now, lock=DistributedLock(redis), sleep=Pauses()) is True


def test_latest_fire_is_the_scheduled_time_not_the_wake_up_time() -> None:
    trigger = CronTrigger.from_crontab("*/5 * * * *", timezone=UTC)
    fire = _latest_fire(trigger)
    assert fire.minute % 5 == 0 and fire.second == 0
    assert fire <= datetime.now(UTC)
