"""`carebot worker`: scheduled jobs and proactive messages on the Taskiq engine.

Every worker runs the cron triggers and a Taskiq receiver. A fire is put on the queue once (a Redis marker
per fire), any worker takes it, and `run_claimed` runs it once; due deliveries are sent by `send_due`
tasks, on as many workers as take them. Start one per machine, or several: they share the work.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import typer
from taskiq import AsyncBroker
from taskiq.api import run_receiver_task
from telegram import Bot

from actions.deliveries import Outgoing
from actions.outreach_guards import GuardPolicy, QuietHours
from actions.tracked_links import link_token
from bot.telegram.aiohttp_request import AiohttpRequest
from bot.telegram.console_desk import open_telegram_desk
from bot.telegram.outbound import LinkFor, TelegramOutreach, direct_link
from bot.telegram.sender import Bucket, Sender, TelegramLimits
from carebot.context import run, settings_of
from jobs.care_schedule import CareSchedule, outreach_jobs
from jobs.engine import WorkerTasks, is_embedded, kick_job, make_broker, wake_senders
from jobs.outreach import OutreachSender
from jobs.scheduler import DONE_SECONDS, Retry, ScheduledJob, build_scheduler, loyalty_jobs, run_claimed
from jobs.tickets import ticket_jobs
from runtime.services import Services, open_services, service_levels
from runtime.settings import ConsoleSettings, Settings
from storage.redis_state import DistributedLock, RateLimiter

logger = logging.getLogger(__name__)

SENDS_IN_FLIGHT = 8  # per sending loop
SENDING_LOOPS = 3  # batches in progress at once (one sends while another is prepared or recorded)
PAID_GROUPS_PER_SECOND = 20  # paid sends go in groups of rate / 20 (50 at 1,000/s): fewer transactions a message


@dataclass(frozen=True)
class SendingShape:
    """How a worker's sending loops batch and group rows for the configured rates (`OutreachSender` fields)."""

    batch_size: int
    concurrency: int
    loops: int
    paid_batch_size: int
    paid_concurrency: int

    @property
    def connections(self) -> int:
        """Enough for every loop's sends in flight: a send waiting for a connection could time out unsent."""
        return max(self.concurrency, self.paid_concurrency) * self.loops + 2


def sending_shape(rate_per_second: float, paid_rate_per_second: float) -> SendingShape:
    """About a second of sending per batch; paid groups sized to the paid rate, so that the two database
    transactions around each group stay few at 1,000 messages a second."""
    return SendingShape(
        batch_size=max(int(rate_per_second), 1),
        concurrency=SENDS_IN_FLIGHT,
        loops=SENDING_LOOPS,
        paid_batch_size=max(int(paid_rate_per_second), 1),
        paid_concurrency=max(SENDS_IN_FLIGHT, int(paid_rate_per_second) // PAID_GROUPS_PER_SECOND),
    )


def worker_command(
    ctx: typer.Context,
    run_now: str = typer.Option("", "--run", help="run one job now (e.g. recompute_segments) and exit"),
    send_now: bool = typer.Option(False, "--send-now", help="send what is due now, once, and exit"),
) -> None:
    """Run the scheduler and the task receiver until interrupted; several workers share the work."""
    run(_work(settings_of(ctx), run_now, send_now), uv=True)


async def _work(settings: Settings, run_now: str, send_now: bool) -> None:
    async with (
        open_services(settings) as services,
        outreach_sender(settings, services) as outreach,
        AsyncExitStack() as stack,
    ):
        broker = make_broker(settings.redis.redis_url)
        care = CareSchedule(shop_zone=services.timezone, rules=services.rules, settings=settings.outreach)
        jobs = loyalty_jobs(services.session_factory) + outreach_jobs(services.session_factory, broker, care)
        if outreach is not None and settings.bot.staff_group_id is not None:  # overdue tickets go to the group
            desk = await stack.enter_async_context(open_telegram_desk(settings, services))
            business, targets = service_levels(settings)
            jobs += ticket_jobs(
                services.session_factory,
                timezone=services.timezone,
                business=business,
                targets=targets,
                announce=desk.announce_overdue,
            )
        lock = DistributedLock(services.redis)
        tasks = WorkerTasks(jobs={job.name: job for job in jobs}, lock=lock, outreach=outreach)
        tasks.register(broker)
        if run_now:
            await _run_one(jobs, run_now, lock=lock, timezone=services.timezone)
        elif send_now:
            await _send_now(outreach)
        else:
            await _serve(broker, jobs, lock=lock, timezone=services.timezone)


async def _send_now(outreach: OutreachSender | None) -> None:
    if outreach is None:
        typer.echo("error: set TELEGRAM_BOT_TOKEN to send (nothing was sent)", err=True)
        raise typer.Exit(1)
    report = await outreach.send_due(drain=True)
    typer.echo(f"sent {report.sent}, blocked {report.blocked}, failed {report.failed}, unknown {report.unknown}")


async def _run_one(jobs: list[ScheduledJob], name: str, *, lock: DistributedLock, timezone: ZoneInfo) -> None:
    chosen = [job for job in jobs if job.name == name]
    if not chosen:
        raise typer.BadParameter(f"unknown job {name!r}; jobs: {', '.join(job.name for job in jobs)}")
    # One attempt: the operator is watching and gets the failure now, not after the backoff.
    if not await run_claimed(chosen[0], fire_time=datetime.now(timezone), lock=lock, retry=Retry(attempts=1)):
        typer.echo(f"error: job {name} failed (the log above says why)", err=True)
        raise typer.Exit(1)


async def _serve(broker: AsyncBroker, jobs: list[ScheduledJob], *, lock: DistributedLock, timezone: ZoneInfo) -> None:
    async def dispatch(job: ScheduledJob, fire_time: datetime) -> None:
        # Every worker's trigger fires; the first to mark the fire puts it on the queue.
        if await lock.try_acquire(f"queued:{job.name}:{fire_time.isoformat()}", ttl_seconds=DONE_SECONDS):
            await kick_job(broker, job=job.name, fire_time=fire_time)

    await broker.startup()
    receiver = None if is_embedded(broker) else asyncio.create_task(run_receiver_task(broker, max_async_tasks=20))
    scheduler = build_scheduler(jobs, dispatch=dispatch, timezone=timezone)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    scheduler.start()
    await wake_senders(broker)  # after a restart: release lapsed leases and finish what was under way
    logger.info("worker %s started: %s", _worker_name(), ", ".join(f"{job.name} ({job.cron})" for job in jobs))
    await stop.wait()
    scheduler.shutdown(wait=False)
    if receiver is not None:
        receiver.cancel()
        with suppress(asyncio.CancelledError):
            await receiver
    await broker.shutdown()


@asynccontextmanager
async def outreach_sender(settings: Settings, services: Services) -> AsyncIterator[OutreachSender | None]:
    """The sending loop over a bot of its own, or None without a bot token (nothing can be sent)."""
    if not settings.bot.telegram_bot_token:
        logger.warning("no TELEGRAM_BOT_TOKEN: proactive messages stay in the ledger until a worker has one")
        yield None
        return
    rates = settings.outreach
    shape = sending_shape(rates.outreach_rate_per_second, rates.paid_rate_per_second)
    bot = Bot(
        settings.bot.telegram_bot_token,
        base_url=settings.bot.telegram_base_url,
        request=AiohttpRequest(connection_pool_size=shape.connections),
    )
    limits = TelegramLimits(
        overall=steady(rates.outreach_rate_per_second), paid_overall=steady(rates.paid_rate_per_second)
    )
    async with bot:
        sender = Sender(
            bot, limiter=RateLimiter(services.redis), session_factory=services.session_factory, limits=limits
        )
        yield OutreachSender(
            session_factory=services.session_factory,
            transport=TelegramOutreach(sender, link_for=link_maker(settings.console)),
            policy=guard_policy(settings),
            worker=_worker_name(),
            **asdict(shape),
            lease=timedelta(seconds=rates.outreach_lease_seconds),
        )


MAX_BURST = 100  # messages; at 1,000/s a third of a second (333) arrived in clumps that drew 429s


def steady(rate: float) -> Bucket:
    """A bucket for bulk sending with a third of a second of burst, at most MAX_BURST messages: a send that
    waited for its token and then for the network may arrive together with later ones, and Telegram counts
    arrivals."""
    return Bucket(rate_per_second=rate, capacity=max(1.0, min(rate / 3, MAX_BURST)))


def link_maker(console: ConsoleSettings) -> LinkFor:
    """Link buttons through the console's /go/ page (presses counted) when it has a public address."""
    if not console.tracks_links:
        return direct_link

    def counted(item: Outgoing) -> str:
        if item.delivery_id <= 0:  # a test send has no delivery to count the press on
            return direct_link(item)
        return f"{console.public_url}/go/{link_token(item.delivery_id, console.link_secret)}"

    return counted


def guard_policy(settings: Settings) -> GuardPolicy:
    care = settings.care
    return GuardPolicy(
        quiet_hours=QuietHours.parse(care.quiet_hours),
        weekly_cap=care.marketing_per_week,
        default_timezone=ZoneInfo(care.timezone),
    )


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def register(app: typer.Typer) -> None:
    app.command("worker")(worker_command)
