"""`carebot worker`: the scheduled jobs (loyalty upkeep now; care and broadcasts later)."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import datetime

import typer

from carebot.context import run, settings_of
from jobs.scheduler import Retry, build_scheduler, loyalty_jobs, run_claimed
from runtime.services import Services, open_services
from runtime.settings import Settings
from storage.redis_state import DistributedLock

logger = logging.getLogger(__name__)


def worker_command(
    ctx: typer.Context,
    run_now: str = typer.Option("", "--run", help="run one job now (e.g. recompute_segments) and exit"),
) -> None:
    """Run the scheduler until interrupted; several workers may run, each fire runs once."""
    run(_work(settings_of(ctx), run_now))


async def _work(settings: Settings, run_now: str) -> None:
    async with open_services(settings) as services:
        await _run_jobs(services, run_now)


async def _run_jobs(services: Services, run_now: str) -> None:
    timezone = services.timezone
    jobs = loyalty_jobs(services.session_factory)
    lock = DistributedLock(services.redis)
    if run_now:
        chosen = [job for job in jobs if job.name == run_now]
        if not chosen:
            raise typer.BadParameter(f"unknown job {run_now!r}; jobs: {', '.join(job.name for job in jobs)}")
        # One attempt: the operator is watching and gets the failure now, not after the backoff.
        if not await run_claimed(chosen[0], fire_time=datetime.now(timezone), lock=lock, retry=Retry(attempts=1)):
            typer.echo(f"error: job {run_now} failed (the log above says why)", err=True)
            raise typer.Exit(1)
        return
    scheduler = build_scheduler(jobs, lock=lock, timezone=timezone)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    scheduler.start()
    logger.info("worker started: %s", ", ".join(f"{job.name} ({job.cron})" for job in jobs))
    await stop.wait()
    scheduler.shutdown(wait=False)


def register(app: typer.Typer) -> None:
    app.command("worker")(worker_command)
