"""The one outbound sender: every message the bot sends (replies, staff relay, broadcasts) goes through it.

It keeps Telegram's limits with token buckets in Redis shared by all replicas (about 30 messages a
second in total, one a second per chat with a small burst, 20 a minute per group), waits and retries
when Telegram still answers 429 (`RetryAfter`), and marks customers who blocked the bot instead of
raising.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBDeprecationWarning

from actions.customers import mark_blocked
from storage.engine import SessionFactory
from storage.redis_state import RateLimiter, TokenRequest

logger = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Bucket:
    """A token bucket: `rate` tokens a second, at most `capacity` saved up for a burst."""

    rate_per_second: float
    capacity: float


@dataclass(frozen=True)
class TelegramLimits:
    """Telegram's documented flood limits (https://core.telegram.org/bots/faq#broadcasting-to-users)."""

    overall: Bucket = Bucket(rate_per_second=30, capacity=30)
    per_chat: Bucket = Bucket(rate_per_second=1, capacity=3)  # a reply split in a few parts may burst
    per_group: Bucket = Bucket(rate_per_second=20 / 60, capacity=5)
    # Paid broadcasts (allow_paid_broadcast, charged in Stars) may go up to 1,000 a second.
    paid_overall: Bucket = Bucket(rate_per_second=1000, capacity=1000)


@dataclass(frozen=True)
class SendResult(Generic[T]):
    """What happened to one outbound call: `value` on success, else why not (never an exception)."""

    value: T | None = None
    blocked: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.blocked


def is_group_chat(chat_id: int) -> bool:
    """Groups and supergroups have negative ids; private chats (customers) positive ones."""
    return chat_id < 0


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (PTB 22 warns while moving this to a timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def network_backoff_seconds(attempt: int) -> float:
    """0.5 s, 1 s, 2 s, … capped at 8 s: bounded waits before sending again after a failed connection."""
    return float(min(0.5 * 2 ** (attempt - 1), 8.0))


class Sender:
    """Rate-limited, retrying Bot API calls that return a `SendResult` instead of raising."""

    def __init__(
        self,
        bot: Bot,
        *,
        limiter: RateLimiter,
        session_factory: SessionFactory,
        limits: TelegramLimits | None = None,
        sleep: Sleep = asyncio.sleep,
        max_attempts: int = 3,
        max_retry_after_seconds: float = 60.0,
    ) -> None:
        self._bot = bot
        self._limiter = limiter
        self._session_factory = session_factory
        self._limits = limits or TelegramLimits()
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._max_retry_after = max_retry_after_seconds

    @property
    def bot(self) -> Bot:
        return self._bot

    async def send_message(
        self,
        chat_id: int,
        text: str,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
        message_thread_id: int | None = None,
    ) -> SendResult[Message]:
        """sendMessage within the limits."""
        return await self.call(
            chat_id,
            lambda: self._bot.send_message(
                chat_id=chat_id, text=text, reply_markup=reply_markup, message_thread_id=message_thread_id
            ),
        )

    async def send_document(
        self,
        chat_id: int,
        *,
        content: bytes,
        filename: str,
        message_thread_id: int | None = None,
    ) -> SendResult[Message]:
        """sendDocument within the limits (a fresh InputFile per attempt, so a retry re-uploads)."""
        return await self.call(
            chat_id,
            lambda: self._bot.send_document(
                chat_id=chat_id,
                document=InputFile(content, filename=filename),
                message_thread_id=message_thread_id,
            ),
        )

    async def call(self, chat_id: int, request: Callable[[], Awaitable[T]], *, paid: bool = False) -> SendResult[T]:
        """Run one Bot API request addressed to `chat_id`: wait for tokens, retry 429s, catch the rest.
        `paid` requests (paid broadcasts) count against the paid overall limit instead of the free one."""
        for attempt in range(1, self._max_attempts + 1):
            await self._take_tokens(chat_id, paid=paid)
            try:
                return SendResult(value=await request())
            except RetryAfter as error:
                wait = retry_after_seconds(error)
                if attempt == self._max_attempts or wait > self._max_retry_after:
                    logger.warning("flood control: giving up on chat %s after %d attempts", chat_id, attempt)
                    return SendResult(error="retry_after")
                logger.info("flood control: every sender waits %.1f s before retrying chat %s", wait, chat_id)
                await self._limiter.pause_all(wait)
            except Forbidden:
                return await self._forbidden(chat_id)
            except BadRequest as error:
                logger.error("Bot API refused a request to chat %s: %s", chat_id, _describe(error))
                return SendResult(error="bad_request")
            except TimedOut:
                # The request may have reached Telegram (no idempotency key exists): never sent twice.
                logger.warning("timed out sending to chat %s; not retried (Telegram may have it)", chat_id)
                return SendResult(error="timed_out")
            except NetworkError as error:  # the request never reached Telegram: safe to send again
                if attempt == self._max_attempts:
                    logger.warning("network error sending to chat %s: %s; giving up", chat_id, type(error).__name__)
                    return SendResult(error="network")
                await self._sleep(network_backoff_seconds(attempt))
            except TelegramError as error:
                logger.error("Telegram error sending to chat %s: %s", chat_id, type(error).__name__)
                return SendResult(error="telegram")
        return SendResult(error="retry_after")  # pragma: no cover - the loop always returns

    async def _take_tokens(self, chat_id: int, *, paid: bool = False) -> None:
        """Wait until no 429 pause is on and both the chat's bucket and the overall bucket grant a token
        (taken together, so a send waiting for one limit does not use up the other)."""
        chat_bucket = self._limits.per_group if is_group_chat(chat_id) else self._limits.per_chat
        overall = ("overall_paid", self._limits.paid_overall) if paid else ("overall", self._limits.overall)
        requests = [
            TokenRequest(name, bucket.rate_per_second, bucket.capacity)
            for name, bucket in ((f"chat:{chat_id}", chat_bucket), overall)
        ]
        while (wait := await self._limiter.take_all(requests)) > 0:
            await self._sleep(wait)

    async def _forbidden(self, chat_id: int) -> SendResult[Any]:
        if is_group_chat(chat_id):
            logger.error("the bot may not write to group %s (removed or lacking rights)", chat_id)
            return SendResult(error="forbidden")
        logger.info("chat %s blocked the bot; marking the customer", chat_id)
        async with self._session_factory() as session, session.begin():
            await mark_blocked(session=session, telegram_chat_id=chat_id)
        return SendResult(blocked=True)


def _describe(error: TelegramError) -> str:
    # Bot API error descriptions name the problem ("message is too long"), never the message text.
    return error.message
