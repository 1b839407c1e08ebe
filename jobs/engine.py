"""The task engine: Taskiq, with a Redis Streams broker (acknowledged messages) shared by every worker on
every machine, or its in-memory broker when the process runs embedded (REDIS_URL=memory://).

Two tasks exist. `run_job` runs one fire of a scheduled job under its Redis claim (jobs.scheduler), so a fire
runs once however many workers there are. `send_due` sends what the delivery ledger holds that is due.
The queue only wakes workers: the ledger in the database says what must be sent, so a lost or repeated
wake-up changes nothing (a repeated one finds nothing to claim; a lost one is made up by the next tick).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from taskiq import AsyncBroker, InMemoryBroker
from taskiq.kicker import AsyncKicker
from taskiq_redis import RedisStreamBroker

from jobs.outreach import OutreachSender
from jobs.scheduler import ScheduledJob, run_claimed
from storage.redis_state import MEMORY_URL, DistributedLock

logger = logging.getLogger(__name__)

RUN_JOB = "carebot.run_job"
SEND_DUE = "carebot.send_due"
STREAM = "carebot:tasks"
# A task a killed worker had taken is handed to another worker after this long unacknowledged.
REDELIVER_AFTER_MS = 5 * 60 * 1000


def make_broker(redis_url: str) -> AsyncBroker:
    """The Redis Streams broker for a real Redis; the in-memory one for the embedded stand-in."""
    if redis_url == MEMORY_URL:
        return InMemoryBroker()
    return RedisStreamBroker(
        url=redis_url,
        queue_name=STREAM,
        consumer_group_name="carebot-workers",
        idle_timeout=REDELIVER_AFTER_MS,
        unacknowledged_lock_timeout=REDELIVER_AFTER_MS / 1000,
        maxlen=10_000,
    )


def is_embedded(broker: AsyncBroker) -> bool:
    return isinstance(broker, InMemoryBroker)


async def kick_job(broker: AsyncBroker, *, job: str, fire_time: datetime) -> None:
    kicker: AsyncKicker[Any, Any] = AsyncKicker(RUN_JOB, broker, {})
    await kicker.kiq(job, fire_time.isoformat())


async def wake_senders(broker: AsyncBroker, *, copies: int = 1) -> None:
    """Ask `copies` sending loops to run (on whichever workers take them; leases keep them apart)."""
    for _ in range(copies):
        await AsyncKicker(SEND_DUE, broker, {}).kiq()


@dataclass
class WorkerTasks:
    """What a worker does when a task reaches it; `register` makes this broker's workers run them."""

    jobs: dict[str, ScheduledJob]
    lock: DistributedLock
    outreach: OutreachSender | None  # None: no bot token, so nothing is sent (loyalty jobs still run)

    def register(self, broker: AsyncBroker) -> None:
        async def run_job(name: str, fire_time: str) -> bool:
            return await self.run_job(name, fire_time)

        async def send_due() -> dict[str, Any]:
            return await self.send_due()

        broker.register_task(run_job, task_name=RUN_JOB)
        broker.register_task(send_due, task_name=SEND_DUE)

    async def run_job(self, name: str, fire_time: str) -> bool:
        job = self.jobs.get(name)
        if job is None:  # a task from a newer or older version of the schedule
            logger.warning("task for unknown job %r ignored", name)
            return False
        return await run_claimed(job, fire_time=datetime.fromisoformat(fire_time), lock=self.lock)

    async def send_due(self) -> dict[str, Any]:
        if self.outreach is None:
            logger.warning("deliveries are due but this worker has no TELEGRAM_BOT_TOKEN to send them")
            return {}
        report = await self.outreach.send_due()
        if report.sent or report.blocked or report.failed or report.unknown:
            logger.info(
                "outreach: %d sent, %d blocked, %d failed, %d unknown, %d held, skipped %s",
                report.sent,
                report.blocked,
                report.failed,
                report.unknown,
                report.held,
                report.skipped or "none",
            )
        return {"sent": report.sent, "blocked": report.blocked, "failed": report.failed}
