"""Redis state on real Redis (TEST_REDIS_URL) or the in-process stand-in."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from storage.redis_state import (
    MEMORY_URL,
    DialogueStore,
    DistributedLock,
    LockNotAcquired,
    RateLimiter,
    StateUnavailable,
    TokenRequest,
    connect_redis,
)
from tests.nlu.stub_server import closed_port


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_dialogue_state_round_trip_and_expiry(redis: Redis) -> None:
    store = DialogueStore(redis, ttl_seconds=60)
    await store.save(5, {"flow": "complaint", "step": "category", "text": "杯子裂了"})
    assert await store.load(5) == {"flow": "complaint", "step": "category", "text": "杯子裂了"}
    assert 0 < await redis.ttl("carebot:dialogue:5") <= 60
    await store.clear(5)
    assert await store.load(5) == {}


async def test_corrupt_dialogue_state_reads_as_empty(redis: Redis) -> None:
    await redis.set("carebot:dialogue:9", "{not json")
    assert await DialogueStore(redis, ttl_seconds=60).load(9) == {}


async def test_lock_is_exclusive_and_released_only_by_its_owner(redis: Redis) -> None:
    lock = DistributedLock(redis)
    token = await lock.try_acquire("job:greetings", ttl_seconds=30)
    assert token is not None
    assert await lock.try_acquire("job:greetings", ttl_seconds=30) is None
    assert await lock.release("job:greetings", "someone-else") is False
    assert await lock.release("job:greetings", token) is True
    async with lock.hold("job:greetings", ttl_seconds=30):
        with pytest.raises(LockNotAcquired):
            async with lock.hold("job:greetings", ttl_seconds=30):
                pass


async def test_token_bucket_grants_burst_then_asks_to_wait(redis: Redis) -> None:
    clock = FakeClock()
    limiter = RateLimiter(redis, clock=clock)
    grants = [await limiter.try_take("chat:1", rate_per_second=1, capacity=3) for _ in range(3)]
    assert grants == [0, 0, 0]
    wait = await limiter.try_take("chat:1", rate_per_second=1, capacity=3)
    assert wait == pytest.approx(1.0)
    clock.now += 1.0
    assert await limiter.try_take("chat:1", rate_per_second=1, capacity=3) == 0


async def test_token_bucket_is_atomic_under_concurrency(redis: Redis) -> None:
    limiter = RateLimiter(redis, clock=FakeClock())
    waits = await asyncio.gather(*(limiter.try_take("global", rate_per_second=30, capacity=30) for _ in range(50)))
    assert sum(1 for wait in waits if wait == 0) == 30


CHAT = TokenRequest("chat:1", rate_per_second=1, capacity=1)
OVERALL = TokenRequest("overall", rate_per_second=30, capacity=2)


@pytest.mark.parametrize("shared", [True, False], ids=["redis", "in-process"])
async def test_take_all_takes_from_every_bucket_or_from_none(redis: Redis, shared: bool) -> None:
    clock = FakeClock()
    if not shared:
        redis = connect_redis(f"redis://127.0.0.1:{await closed_port()}/0")
    limiter = RateLimiter(redis, clock=clock)
    assert await limiter.take_all([CHAT, OVERALL]) == 0
    # The chat's bucket is empty: nothing is taken from the overall one while waiting for it.
    assert await limiter.take_all([CHAT, OVERALL]) == pytest.approx(1.0)
    other_chat = TokenRequest("chat:2", rate_per_second=1, capacity=1)
    assert await limiter.take_all([other_chat, OVERALL]) == 0
    assert await limiter.take_all([TokenRequest("chat:3", 1, 1), OVERALL]) == pytest.approx(1 / 30)
    clock.now += 1.0
    assert await limiter.take_all([CHAT, OVERALL]) == 0


async def test_take_all_waits_out_a_pause_any_process_set(redis: Redis) -> None:
    clock = FakeClock()
    await RateLimiter(redis, clock=clock).pause_all(5)
    limiter = RateLimiter(redis, clock=clock)  # another process: it learns of the pause from Redis
    assert await limiter.take_all([CHAT, OVERALL]) == pytest.approx(5.0)
    clock.now += 5.0
    assert await limiter.take_all([CHAT, OVERALL]) == 0


async def test_take_all_is_atomic_under_concurrency(redis: Redis) -> None:
    limiter = RateLimiter(redis, clock=FakeClock())
    requests = [[TokenRequest(f"chat:{n}", 1, 1), TokenRequest("global", 30, 30)] for n in range(50)]
    waits = await asyncio.gather(*(limiter.take_all(r) for r in requests))
    assert sum(1 for wait in waits if wait == 0) == 30


async def test_without_redis_rate_limits_are_kept_in_the_process() -> None:
    clock = FakeClock()
    limiter = RateLimiter(connect_redis(f"redis://127.0.0.1:{await closed_port()}/0"), clock=clock)
    waits = [await limiter.try_take("chat:1", rate_per_second=1, capacity=1) for _ in range(2)]
    assert waits == [0.0, 1.0]  # the same bucket arithmetic, in memory


async def test_without_redis_dialogue_state_is_unavailable_not_an_error() -> None:
    store = DialogueStore(connect_redis(f"redis://127.0.0.1:{await closed_port()}/0"), ttl_seconds=60)
    with pytest.raises(StateUnavailable):
        await store.load(5)
    with pytest.raises(StateUnavailable):
        await store.save(5, {"flow": {"name": "complaint"}})


async def test_more_concurrent_commands_than_connections_wait_for_one(redis_url: str) -> None:
    if redis_url == MEMORY_URL:
        pytest.skip("the in-process stand-in has no connection pool")
    client = connect_redis(redis_url, max_connections=4)
    try:
        limiter = RateLimiter(client, clock=FakeClock())
        requests = [[TokenRequest(f"chat:{n}", 1, 1), TokenRequest("bulk", 1000, 1000)] for n in range(200)]
        waits = await asyncio.gather(*(limiter.take_all(r) for r in requests))
        assert waits == [0.0] * 200
        assert int(await client.hget("carebot:rate:bulk", "tokens") or 0) == 800, "all taken in Redis, none locally"
    finally:
        await client.flushdb()
        await client.aclose()
