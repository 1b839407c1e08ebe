"""The composition root of the Telegram bot: builds the Application, its services and its handlers.

Services (database, Redis, NLU client) are opened in `post_init` and closed in `post_shutdown`, and
handlers reach them through typed properties of `BotContext`, never through string keys or globals.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any, TypeVar

import uvicorn
from sqlalchemy import text
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CallbackContext, ContextTypes, ExtBot

from bot.conversation import TurnFailed
from bot.pipeline import Pipeline
from bot.staff import StaffDesk
from bot.telegram import updates
from bot.telegram.polling import DurablePoller
from bot.telegram.polling import polling as polled_updates
from bot.telegram.processing import PerChatUpdateProcessor
from bot.telegram.rendering import render_replies, send_outgoing
from bot.telegram.sender import Sender, TelegramLimits
from bot.telegram.staff import STARTUP_SWEEP, StaffRelay
from bot.telegram.staff_queue import StaffNoticeQueue
from bot.telegram.webhook import create_webhook_app, webhook_path, webhook_server
from runtime.logs import log_unexpected
from runtime.services import Services, open_services
from runtime.settings import Settings
from storage.redis_state import RateLimiter

logger = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 64
HEALTH_TIMEOUT_SECONDS = 2.0
T = TypeVar("T")
ServicesFactory = Callable[[Settings], AbstractAsyncContextManager[Services]]


class NotStarted(RuntimeError):
    """A service was used before `post_init` set it up."""


class BotData:
    """The process's objects shared by all handlers (PTB's `bot_data`, as a typed object)."""

    def __init__(self) -> None:
        self.resources = AsyncExitStack()
        self.services: Services | None = None
        self.pipeline: Pipeline | None = None
        self.staff_desk: StaffDesk | None = None
        self.sender: Sender | None = None
        self.staff: StaffRelay | None = None
        self.staff_queue: StaffNoticeQueue | None = None
        # Updates whose caller waits for the result (the webhook): update id -> succeeded so far.
        self.awaited: dict[int, bool] = {}


def _ready(value: T | None, name: str) -> T:
    if value is None:
        raise NotStarted(f"{name} is not set up: was post_init run?")
    return value


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """Handler context with typed access to the services, the pipeline, the sender and the staff relay."""

    @property
    def services(self) -> Services:
        return _ready(self.bot_data.services, "services")

    @property
    def pipeline(self) -> Pipeline:
        return _ready(self.bot_data.pipeline, "pipeline")

    def report_unfinished(self, update_id: int | None) -> None:
        """The update's effects are committed but its replies are not sent: a waiting webhook answers 500."""
        if update_id in self.bot_data.awaited:
            self.bot_data.awaited[update_id] = False

    @property
    def staff_queue(self) -> StaffNoticeQueue:
        return _ready(self.bot_data.staff_queue, "staff notice queue")

    @property
    def staff_desk(self) -> StaffDesk:
        return _ready(self.bot_data.staff_desk, "staff desk")

    @property
    def sender(self) -> Sender:
        return _ready(self.bot_data.sender, "sender")

    @property
    def staff(self) -> StaffRelay:
        return _ready(self.bot_data.staff, "staff relay")


BotApplication = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, None]


def build_application(
    settings: Settings, *, services_factory: ServicesFactory = open_services, limits: TelegramLimits | None = None
) -> BotApplication:
    """The bot's Application, pointed at TELEGRAM_BASE_URL (the fake Bot API in tests). `limits` are
    Telegram's flood limits by default (a benchmark lifts them to measure the bot's own capacity)."""
    staff_group_id = settings.bot.staff_group_id
    # PTB 22 is moving durations (RetryAfter.retry_after) to timedelta; opt in rather than be warned.
    os.environ.setdefault("PTB_TIMEDELTA", "true")

    async def post_init(application: BotApplication) -> None:
        data = application.bot_data
        services = await data.resources.enter_async_context(services_factory(settings))
        services.bot_username = application.bot.username  # getMe ran in initialize(): referral deep links
        services.staff_group = staff_group_id is not None  # without one, a request for a person is a ticket
        data.services = services
        data.pipeline = Pipeline(services)
        data.staff_desk = StaffDesk(services)
        data.sender = Sender(
            application.bot,
            limiter=RateLimiter(services.redis),
            session_factory=services.session_factory,
            limits=limits,
        )
        data.staff = StaffRelay(data.sender, desk=data.staff_desk, staff_group_id=staff_group_id)
        data.staff_queue = StaffNoticeQueue(data.staff.deliver)
        data.staff_queue.start()
        data.staff_queue.put((STARTUP_SWEEP,))  # topics of customers erased from the command line meanwhile

    async def post_stop(application: BotApplication) -> None:
        # Still able to send here (shutdown comes next): post what staff notices are queued.
        if application.bot_data.staff_queue is not None:
            await application.bot_data.staff_queue.aclose()

    async def post_shutdown(application: BotApplication) -> None:
        data = application.bot_data
        await data.resources.aclose()
        data.services = data.pipeline = data.staff_desk = data.sender = data.staff = data.staff_queue = None

    context_types = ContextTypes(context=BotContext, bot_data=BotData)
    application: BotApplication = (
        ApplicationBuilder()
        .token(settings.bot.telegram_bot_token)
        .base_url(settings.bot.telegram_base_url)
        .context_types(context_types)
        .concurrent_updates(PerChatUpdateProcessor(MAX_CONCURRENT_UPDATES))
        .job_queue(None)
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    updates.register(application, staff_group_id=staff_group_id)
    application.add_error_handler(on_error)
    return application


async def on_error(update: object, context: BotContext) -> None:
    """The bot's one error edge: log the failure (update id, type, redacted stack) and apologise in the chat."""
    error = context.error
    if error is None:
        return
    update_id = update.update_id if isinstance(update, Update) else None
    failure = error.__cause__ if isinstance(error, TurnFailed) and error.__cause__ is not None else error
    log_unexpected(logger, failure, what=f"update {update_id}")
    context.report_unfinished(update_id)
    if isinstance(error, TurnFailed) and isinstance(update, Update) and update.effective_chat is not None:
        message = update.effective_message
        thread_id = message.message_thread_id if message is not None and message.is_topic_message else None
        await send_outgoing(
            context.sender, update.effective_chat.id, render_replies((error.apology,)), message_thread_id=thread_id
        )


async def process_and_report(application: BotApplication, update: Update) -> bool:
    """Process one update now, in its chat's order, and say whether it went through without an error."""
    awaited = application.bot_data.awaited
    awaited[update.update_id] = True
    try:
        await application.update_processor.process_update(update, application.process_update(update))
        return awaited[update.update_id]
    finally:
        del awaited[update.update_id]


async def check_health(application: BotApplication) -> dict[str, bool]:
    """Whether the database and Redis answer, for /healthz."""
    services = application.bot_data.services
    if services is None:
        return {"database": False, "redis": False}
    return {
        "database": await _probe(_ping_database(services)),
        "redis": await _probe(services.redis.ping()),
    }


async def _ping_database(services: Services) -> None:
    async with services.session_factory() as session:
        await session.execute(text("SELECT 1"))


async def _probe(check: Awaitable[Any]) -> bool:
    try:
        await asyncio.wait_for(check, HEALTH_TIMEOUT_SECONDS)
    except Exception as error:  # any failure means "not reachable"; the type is enough to diagnose
        logger.warning("health check failed: %s", type(error).__name__)
        return False
    return True


@asynccontextmanager
async def running(
    application: BotApplication, *, polling: bool = False, poll_timeout: float = 30, poll_retry_seconds: float = 5.0
) -> AsyncIterator[None]:
    """Run the Application inside an existing event loop, in the order `run_polling` uses.

    initialize → post_init → start → (durable polling); on exit: stop polling and let what is in
    progress finish → stop → post_stop → shutdown → post_shutdown. Used by `carebot bot` (both modes),
    the end-to-end tests and the benchmarks.
    """
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        try:
            if polling:
                async with polled_updates(_durable_poller(application, poll_timeout, poll_retry_seconds)):
                    yield
            else:
                yield
        finally:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


def _durable_poller(application: BotApplication, timeout: float, retry_seconds: float) -> DurablePoller:
    services = _ready(application.bot_data.services, "services")
    return DurablePoller(
        application,
        process=lambda update: process_and_report(application, update),
        session_factory=services.session_factory,
        timeout=timeout,
        retry_seconds=retry_seconds,
    )


async def serve_polling(application: BotApplication, *, stop: asyncio.Event | None = None) -> None:
    """Long polling (every update processed at least once) until Ctrl-C, SIGTERM or `stop`."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with running(application, polling=True):
        logger.info("polling Telegram for updates")
        await stop.wait()


async def serve_webhook(
    application: BotApplication,
    settings: Settings,
    *,
    sockets: list[socket.socket] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Register the webhook with Telegram and serve /telegram and /healthz until Ctrl-C, SIGTERM or `stop`.

    `sockets`: already listening sockets to serve on instead of WEBHOOK_LISTEN:WEBHOOK_PORT.
    """
    bot_settings = settings.bot
    web = create_webhook_app(
        application.bot,
        process=lambda update: process_and_report(application, update),
        secret_token=bot_settings.webhook_secret,
        health=lambda: check_health(application),
        path=webhook_path(bot_settings.webhook_url),
    )
    server = webhook_server(web, host=bot_settings.webhook_listen, port=bot_settings.webhook_port)
    async with running(application):
        await application.bot.set_webhook(
            url=bot_settings.webhook_url, secret_token=bot_settings.webhook_secret, allowed_updates=Update.ALL_TYPES
        )
        logger.info("serving the webhook on %s:%d", bot_settings.webhook_listen, bot_settings.webhook_port)
        watcher = asyncio.create_task(_exit_on(stop, server)) if stop is not None else None
        try:
            await server.serve(sockets=sockets)
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher


async def _exit_on(stop: asyncio.Event, server: uvicorn.Server) -> None:
    await stop.wait()
    server.should_exit = True
