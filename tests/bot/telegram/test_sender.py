"""The outbound sender: waits computed by the shared rate limiter, 429 retries, blocked customers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from actions.customers import find_or_create_by_telegram
from bot.telegram.sender import Bucket, Sender, TelegramLimits
from storage.engine import SessionFactory
from storage.models import Customer, Tier
from storage.redis_state import RateLimiter
from tests.support.clock import FakeClock
from tests.support.fake_bot_api import FakeBotApi


def make_sender(
    redis: Redis, session_factory: SessionFactory, clock: FakeClock, bot: Bot | None = None, **limits: Bucket
) -> Sender:
    return Sender(
        bot,  # type: ignore[arg-type]  # None: the test passes its own requests to `call`
        limiter=RateLimiter(redis, clock=clock),
        session_factory=session_factory,
        limits=TelegramLimits(**limits),
        sleep=clock.sleep,
    )


async def test_per_chat_limit_waits_the_time_the_limiter_computes(
    redis: Redis, session_factory: SessionFactory
) -> None:
    clock = FakeClock()
    sender = make_sender(redis, session_factory, clock, per_chat=Bucket(rate_per_second=1, capacity=1))
    sent_at: list[float] = []

    async def request() -> str:
        sent_at.append(clock.now)
        return "ok"

    results = [await sender.call(42, request) for _ in range(3)]

    assert all(result.ok and result.value == "ok" for result in results)
    assert sent_at == [1_000.0, 1_001.0, 1_002.0]
    assert clock.sleeps == [1.0, 1.0]


async def test_chats_do_not_wait_for_each_other(redis: Redis, session_factory: SessionFactory) -> None:
    clock = FakeClock()
    sender = make_sender(redis, session_factory, clock, per_chat=Bucket(rate_per_second=1, capacity=1))

    async def request() -> None:
        return None

    for chat_id in (1, 2, 3):
        await sender.call(chat_id, request)

    assert clock.sleeps == []


async def test_group_limit_is_twenty_a_minute(redis: Redis, session_factory: SessionFactory) -> None:
    clock = FakeClock()
    sender = make_sender(redis, session_factory, clock, per_group=Bucket(rate_per_second=20 / 60, capacity=1))

    async def request() -> None:
        return None

    await sender.call(-100123, request)
    await sender.call(-100123, request)

    assert clock.sleeps == [3.0]


async def test_overall_limit_applies_across_chats(redis: Redis, session_factory: SessionFactory) -> None:
    clock = FakeClock()
    sender = make_sender(redis, session_factory, clock, overall=Bucket(rate_per_second=30, capacity=2))

    async def request() -> None:
        return None

    for chat_id in (1, 2, 3):
        await sender.call(chat_id, request)

    assert sum(clock.sleeps) == pytest.approx(1 / 30)


async def test_retry_after_waits_as_told_then_retries(redis: Redis, session_factory: SessionFactory) -> None:
    clock = FakeClock()
    sender = make_sender(redis, session_factory, clock)
    calls = 0

    async def request() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RetryAfter(7)
        return "sent"

    result = await sender.call(42, request)

    assert result.ok and result.value == "sent"
    assert calls == 2
    assert 7.0 in clock.sleeps


async def test_retry_after_gives_up_after_bounded_attempts(redis: Redis, session_factory: SessionFactory) -> None:
    clock = FakeClock()
    sender = make_sender(redis, session_factory, clock)
    calls = 0

    async def request() -> None:
        nonlocal calls
        calls += 1
        raise RetryAfter(1)

    result = await sender.call(42, request)

    assert not result.ok and result.error == "retry_after"
    assert calls == 3


async def test_forbidden_marks_the_customer_blocked(redis: Redis, session_factory: SessionFactory) -> None:
    async with session_factory() as session, session.begin():
        session.add(Tier(code="basic", name_zh="普通", name_en="Member", min_spend=Decimal(0), multiplier=Decimal(1)))
        customer, _ = await find_or_create_by_telegram(
            session=session,
            telegram_user_id=5001,
            chat_id=5001,
            name="Lin",
            username=None,
            language_code="zh",
            now=datetime.now(UTC),
        )
    sender = make_sender(redis, session_factory, FakeClock())

    async def request() -> None:
        raise Forbidden("Forbidden: bot was blocked by the user")

    result = await sender.call(5001, request)

    assert result.blocked and not result.ok
    async with session_factory() as session:
        assert await session.scalar(select(Customer.blocked_bot).where(Customer.id == customer.id)) is True


async def test_bad_request_is_a_result_not_an_exception(redis: Redis, session_factory: SessionFactory) -> None:
    sender = make_sender(redis, session_factory, FakeClock())

    async def request() -> None:
        raise BadRequest("Bad Request: message text is empty")

    result = await sender.call(42, request)

    assert result.error == "bad_request"


async def test_a_429_from_the_bot_api_is_waited_out_and_retried(
    redis: Redis, session_factory: SessionFactory, fake_bot_api: FakeBotApi, fake_bot: Bot
) -> None:
    clock = FakeClock()
    sender = Sender(
        fake_bot, limiter=RateLimiter(redis, clock=clock), session_factory=session_factory, sleep=clock.sleep
    )
    fake_bot_api.fail_next("sendMessage", 429, retry_after=4)

    result = await sender.send_message(42, "您好")

    assert result.ok and result.value is not None and result.value.text == "您好"
    assert [call.status for call in fake_bot_api.calls("sendMessage")] == [429, 200]
    assert clock.sleeps == [4.0]


async def test_a_customer_who_blocked_the_bot_is_marked_not_raised(
    redis: Redis, session_factory: SessionFactory, fake_bot_api: FakeBotApi, fake_bot: Bot
) -> None:
    async with session_factory() as session, session.begin():
        session.add(Tier(code="basic", name_zh="普通", name_en="Member", min_spend=Decimal(0), multiplier=Decimal(1)))
        customer, _ = await find_or_create_by_telegram(
            session=session,
            telegram_user_id=5002,
            chat_id=5002,
            name="Ann",
            username=None,
            language_code="en",
            now=datetime.now(UTC),
        )
    clock = FakeClock()
    sender = Sender(
        fake_bot, limiter=RateLimiter(redis, clock=clock), session_factory=session_factory, sleep=clock.sleep
    )
    fake_bot_api.block_user(5002)

    result = await sender.send_message(5002, "Hello")

    assert result.blocked
    async with session_factory() as session:
        assert await session.scalar(select(Customer.blocked_bot).where(Customer.id == customer.id)) is True


async def test_a_failed_connection_is_retried_with_bounded_backoff(
    redis: Redis, session_factory: SessionFactory
) -> None:
    clock = FakeClock()
    sender = make_sender(redis, session_factory, clock)
    attempts: list[float] = []

    async def request() -> str:
        attempts.append(clock.now)
        if len(attempts) < 3:
            raise NetworkError("connection refused")  # never reached Telegram
        return "sent"

    result = await sender.call(42, request)

    assert result.ok and result.value == "sent"
    assert clock.sleeps == [0.5, 1.0]


async def test_network_errors_give_up_after_the_last_attempt(redis: Redis, session_factory: SessionFactory) -> None:
    clock = FakeClock()
    sender = make_sender(redis, session_factory, clock)

    async def request() -> str:
        raise NetworkError("connection reset")

    result = await sender.call(42, request)
    assert result.error == "network" and len(clock.sleeps) == 2


async def test_a_timeout_is_not_sent_again(redis: Redis, session_factory: SessionFactory) -> None:
    clock = FakeClock()
    sender = make_sender(redis, session_factory, clock)
    calls: list[int] = []

    async def request() -> str:
        calls.append(1)
        raise TimedOut()  # Telegram may have received it: sending again could say it twice

    result = await sender.call(42, request)
    assert result.error == "timed_out" and calls == [1] and clock.sleeps == []
