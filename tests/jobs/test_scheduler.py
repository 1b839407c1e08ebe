"""The worker's schedule: jobs fire on their cron in the shop's zone, each fire runs on one worker only."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from redis.asyncio import Redis

from jobs.scheduler import ScheduledJob, _latest_fire, build_scheduler, loyalty_jobs, run_claimed
from storage.engine import SessionFactory
from storage.redis_state import DistributedLock

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


async def test_a_failing_job_is_logged_and_does_not_stop_the_worker(redis: Redis) -> None:
    async def body(now: datetime) -> None:
        raise RuntimeError("database went away")

    job = ScheduledJob("broken", "0 4 * * *", body)
    assert await run_claimed(job, fire_time=datetime(2026, 11, 23, tzinfo=UTC), lock=DistributedLock(redis)) is True


async def test_loyalty_jobs_run_nightly_in_the_shop_time_zone(redis: Redis, session_factory: SessionFactory) -> None:
    scheduler = build_scheduler(loyalty_jobs(session_factory), lock=DistributedLock(redis), timezone=SHANGHAI)
    after = datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)
    next_fires = {job.id: job.trigger.get_next_fire_time(None, after) for job in scheduler.get_jobs()}
    assert next_fires == {
        "expire_points": datetime(2026, 11, 24, 3, 10, tzinfo=SHANGHAI),
        "tier_downgrades": datetime(2026, 11, 24, 3, 30, tzinfo=SHANGHAI),
        "recompute_segments": datetime(2026, 11, 24, 4, 0, tzinfo=SHANGHAI),
    }


async def test_loyalty_jobs_run_against_the_database(redis: Redis, session_factory: SessionFactory) -> None:
    now = datetime(2026, 11, 23, 4, 0, tzinfo=SHANGHAI)
    for job in loyalty_jobs(session_factory):
        assert await run_claimed(job, fire_time=now, lock=DistributedLock(redis)) is True


def test_latest_fire_is_the_scheduled_time_not_the_wake_up_time() -> None:
    trigger = CronTrigger.from_crontab("*/5 * * * *", timezone=UTC)
    fire = _latest_fire(trigger)
    assert fire.minute % 5 == 0 and fire.second == 0
    assert fire <= datetime.now(UTC)
