"""Shared fast state in Redis: dialogue state, locks, outbound rate limits.

Everything here works on real Redis and on the in-process stand-in (fakeredis, with Lua),
so several bot replicas and workers can share it in production.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, NamedTuple, cast

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

MEMORY_URL = "memory://"
DIALOGUE_PREFIX = "carebot:dialogue:"
RATE_PREFIX = "carebot:rate:"


def connect_redis(url: str, *, max_connections: int = 64) -> Redis:
    """A client for `redis://…`, or an in-process stand-in for `memory://` (the embedded default).

    Past `max_connections` commands wait for a free connection (redis-py's default pool raises instead,
    which a paid broadcast's 150 sends in flight hit, and which read as "Redis unreachable")."""
    if url == MEMORY_URL:
        from fakeredis import FakeAsyncRedis

        return cast(Redis, FakeAsyncRedis(decode_responses=True))
    pool = BlockingConnectionPool.from_url(url, max_connections=max_connections, timeout=5, decode_responses=True)
    return Redis.from_pool(pool)  # the client owns the pool: aclose() closes it


class StateUnavailable(Exception):
    """Redis cannot be reached: the dialogue state can be neither read nor kept for now."""


class DialogueStore:
    """Per-chat dialogue state (active flow and its slots) as JSON, expiring after inactivity.

    Raises `StateUnavailable` when Redis is down, so the caller can answer without it and say so.
    """

    def __init__(self, redis: Redis, *, ttl_seconds: int, prefix: str = DIALOGUE_PREFIX) -> None:
        self._redis = redis
        self._ttl = ttl_seconds
        self._prefix = prefix

    async def load(self, chat_id: int) -> dict[str, Any]:
        try:
            raw = await self._redis.get(f"{self._prefix}{chat_id}")
        except (RedisError, OSError) as error:
            raise StateUnavailable() from error
        if not raw:
            return {}
        try:
            state = json.loads(raw)
        except ValueError:
            return {}
        return state if isinstance(state, dict) else {}

    async def save(self, chat_id: int, state: dict[str, Any]) -> None:
        if not state:
            await self.clear(chat_id)
            return
        try:
            await self._redis.set(f"{self._prefix}{chat_id}", json.dumps(state, ensure_ascii=False), ex=self._ttl)
        except (RedisError, OSError) as error:
            raise StateUnavailable() from error

    async def clear(self, chat_id: int) -> None:
        try:
            await self._redis.delete(f"{self._prefix}{chat_id}")
        except (RedisError, OSError) as error:
            raise StateUnavailable() from error


def chat_keys(chat_id: int) -> tuple[str, ...]:
    """Every key named after a chat: its dialogue state and its outbound rate bucket (`Sender`'s "chat:<id>")."""
    return (f"{DIALOGUE_PREFIX}{chat_id}", f"{RATE_PREFIX}chat:{chat_id}")


async def forget_chat(redis: Redis, chat_id: int) -> None:
    """Delete everything kept in Redis about one chat (a customer's erasure)."""
    await redis.delete(*chat_keys(chat_id))


_RELEASE_LOCK = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""

_RENEW_LOCK = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


class LockNotAcquired(Exception):
    """Another process holds the lock."""


class DistributedLock:
    """A Redis lock owned by a random token, so only its holder can release it."""

    def __init__(self, redis: Redis, *, prefix: str = "carebot:lock:") -> None:
        self._redis = redis
        self._prefix = prefix

    async def try_acquire(self, name: str, *, ttl_seconds: float) -> str | None:
        """The owner token if the lock was free, else None."""
        token = secrets.token_hex(16)
        acquired = await self._redis.set(f"{self._prefix}{name}", token, nx=True, px=int(ttl_seconds * 1000))
        return token if acquired else None

    async def release(self, name: str, token: str) -> bool:
        released = await self._redis.eval(_RELEASE_LOCK, 1, f"{self._prefix}{name}", token)
        return bool(released)

    async def renew(self, name: str, token: str, *, ttl_seconds: float) -> bool:
        """Extend the lock to `ttl_seconds` from now if `token` still holds it; False when it was lost."""
        renewed = await self._redis.eval(_RENEW_LOCK, 1, f"{self._prefix}{name}", token, int(ttl_seconds * 1000))
        return bool(renewed)

    async def is_held(self, name: str) -> bool:
        return bool(await self._redis.exists(f"{self._prefix}{name}"))

    @asynccontextmanager
    async def hold(self, name: str, *, ttl_seconds: float) -> AsyncIterator[None]:
        """Hold the lock for a block of work, or raise LockNotAcquired at once."""
        token = await self.try_acquire(name, ttl_seconds=ttl_seconds)
        if token is None:
            raise LockNotAcquired(name)
        try:
            yield
        finally:
            await self.release(name, token)


# A bucket's tokens and time now: what it held, plus what it earned since, at most its capacity.
_REFILLED = """
local function refilled(key, rate, capacity, now)
  local state = redis.call('hmget', key, 'tokens', 'at')
  local tokens = tonumber(state[1]) or capacity
  local at = tonumber(state[2]) or now
  if now > at then
    tokens = math.min(capacity, tokens + (now - at) * rate)
    at = now
  end
  return tokens, at
end
"""

# Token bucket: KEYS[1] bucket; ARGV: rate per second, capacity, now (seconds), cost.
# Returns the seconds to wait before the cost fits (0 when granted; the tokens are then taken).
_TOKEN_BUCKET = (
    _REFILLED
    + """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local tokens, at = refilled(KEYS[1], rate, capacity, now)
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
else
  wait = (cost - tokens) / rate
end
redis.call('hset', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('expire', KEYS[1], math.ceil(capacity / rate) + 1)
return tostring(wait)
"""
)


# One token from each bucket, all or none, unless a 429 pause is on (KEYS[1] holds its end). KEYS[2..] are
# the buckets, ARGV[1] the time, then each bucket's rate and capacity. Returns 0, or the seconds to wait.
_TAKE_ALL = (
    _REFILLED
    + """
local now = tonumber(ARGV[1])
local paused = tonumber(redis.call('get', KEYS[1]) or '0')
if paused > now then
  return tostring(paused - now)
end
local wait = 0
local states = {}
for i = 2, #KEYS do
  local rate = tonumber(ARGV[2 * i - 2])
  local capacity = tonumber(ARGV[2 * i - 1])
  local tokens, at = refilled(KEYS[i], rate, capacity, now)
  if tokens < 1 then
    wait = math.max(wait, (1 - tokens) / rate)
  end
  states[i] = {tokens, at, math.ceil(capacity / rate) + 1}
end
if wait > 0 then
  return tostring(wait)
end
for i = 2, #KEYS do
  redis.call('hset', KEYS[i], 'tokens', tostring(states[i][1] - 1), 'at', tostring(states[i][2]))
  redis.call('expire', KEYS[i], states[i][3])
end
return '0'
"""
)


class TokenRequest(NamedTuple):
    """One token wanted from the bucket `name`, which refills at `rate_per_second` up to `capacity`."""

    name: str
    rate_per_second: float
    capacity: float


class LocalTokenBuckets:
    """The same token buckets in this process's memory: the fallback while Redis is down."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}  # name -> (tokens, at)

    def _refilled(self, bucket: str, *, rate_per_second: float, capacity: float, now: float) -> tuple[float, float]:
        tokens, at = self._buckets.get(bucket, (capacity, now))
        if now > at:
            tokens, at = min(capacity, tokens + (now - at) * rate_per_second), now
        return tokens, at

    def try_take(self, bucket: str, *, rate_per_second: float, capacity: float, cost: float, now: float) -> float:
        tokens, at = self._refilled(bucket, rate_per_second=rate_per_second, capacity=capacity, now=now)
        wait = 0.0
        if tokens >= cost:
            tokens -= cost
        else:
            wait = (cost - tokens) / rate_per_second
        self._buckets[bucket] = (tokens, at)
        return wait

    def take_all(self, requests: Sequence[TokenRequest], *, now: float) -> float:
        """One token from each bucket, all or none: 0 when taken, else the seconds to wait."""
        states = [
            self._refilled(r.name, rate_per_second=r.rate_per_second, capacity=r.capacity, now=now) for r in requests
        ]
        wait = max(
            ((1 - tokens) / r.rate_per_second for r, (tokens, _) in zip(requests, states, strict=True)), default=0.0
        )
        if wait > 0:
            return wait
        for request, (tokens, at) in zip(requests, states, strict=True):
            self._buckets[request.name] = (tokens - 1, at)
        return 0.0


class RateLimiter:
    """Atomic token buckets in Redis, shared by every process that sends messages.

    While Redis is down each process keeps its own buckets (`LocalTokenBuckets`): customers still get
    answers, and one process alone stays within the limits (several together may exceed them for that time).
    """

    def __init__(self, redis: Redis, *, prefix: str = RATE_PREFIX, clock: Any = time.time) -> None:
        self._redis = redis
        self._prefix = prefix
        self._clock = clock
        self._local = LocalTokenBuckets()
        self._local_pause = 0.0
        self._warned_at = float("-inf")
        self._take_all = redis.register_script(_TAKE_ALL)

    async def take_all(self, requests: Sequence[TokenRequest]) -> float:
        """One token from each bucket, all or none, unless a 429 pause is on: 0 when taken, else the seconds
        to wait. One round trip to Redis, so a send costs one call whatever the number of limits."""
        now = self._clock()
        if self._local_pause > now:
            return float(self._local_pause - now)
        keys = [f"{self._prefix}paused_until", *(f"{self._prefix}{request.name}" for request in requests)]
        args = [now, *(value for request in requests for value in (request.rate_per_second, request.capacity))]
        try:
            wait = await self._take_all(keys=keys, args=args)
        except (RedisError, OSError) as error:
            self._warn(error, now)
            return self._local.take_all(requests, now=now)
        return float(wait)

    async def try_take(self, bucket: str, *, rate_per_second: float, capacity: float, cost: float = 1) -> float:
        """Take `cost` tokens if they are there and return 0, else return the seconds to wait."""
        now = self._clock()
        try:
            wait = await self._redis.eval(
                _TOKEN_BUCKET, 1, f"{self._prefix}{bucket}", rate_per_second, capacity, now, cost
            )
        except (RedisError, OSError) as error:
            self._warn(error, now)
            return self._local.try_take(bucket, rate_per_second=rate_per_second, capacity=capacity, cost=cost, now=now)
        return float(wait)

    async def pause_all(self, seconds: float) -> None:
        """Telegram answered 429: every process holds its sends for `seconds` (the longest pause wins)."""
        until = self._clock() + seconds
        self._local_pause = max(self._local_pause, until)
        try:
            current = await self._redis.get(f"{self._prefix}paused_until")
            if current is None or float(current) < until:
                await self._redis.set(f"{self._prefix}paused_until", until, ex=max(int(seconds) + 1, 1))
        except (RedisError, OSError) as error:
            self._warn(error, self._clock())

    async def paused_for(self) -> float:
        """Seconds left of a pause any process set after a 429 (0 when sends may go ahead)."""
        now = float(self._clock())
        until = self._local_pause
        try:
            shared = await self._redis.get(f"{self._prefix}paused_until")
        except (RedisError, OSError) as error:
            self._warn(error, now)
            shared = None
        if shared is not None:
            until = max(until, float(shared))
        return max(until - now, 0.0)

    def _warn(self, error: BaseException, now: float) -> None:
        if now - self._warned_at >= 60:  # once a minute, not once a message
            logger.warning("Redis unreachable (%s): rate limits are kept per process for now", type(error).__name__)
            self._warned_at = now
