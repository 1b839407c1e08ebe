"""Server-side console sessions in Redis: the browser holds only a random token (an HttpOnly cookie); Redis
holds who it is, their CSRF token and when the session started, under the token's SHA-256.

A session ends on logout, after `idle_seconds` without a request, after `max_seconds` in any case, and as soon
as the staff member is removed or gets a new password (the stored fingerprint no longer matches).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from redis.asyncio import Redis

SESSION_PREFIX = "carebot:console-session:"


@dataclass(frozen=True)
class StaffSession:
    """One signed-in browser."""

    staff_id: int
    csrf_token: str
    fingerprint: str
    started_at: float


class SessionStore:
    """Open, read and end console sessions."""

    def __init__(
        self,
        redis: Redis,
        *,
        idle_seconds: int = 8 * 3600,
        max_seconds: int = 12 * 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._idle = idle_seconds
        self._max = max_seconds
        self._clock = clock

    async def open(self, *, staff_id: int, fingerprint: str) -> tuple[str, StaffSession]:
        """A new session: the token for the cookie, and the session."""
        token = secrets.token_urlsafe(32)
        session = StaffSession(
            staff_id=staff_id, csrf_token=secrets.token_urlsafe(32), fingerprint=fingerprint, started_at=self._clock()
        )
        await self._redis.set(_key(token), json.dumps(asdict(session)), ex=self._idle)
        return token, session

    async def load(self, token: str) -> StaffSession | None:
        """The session of this token, its idle time renewed; None when unknown or expired."""
        if not token or len(token) > 128:
            return None
        raw = await self._redis.get(_key(token))
        if raw is None:
            return None
        session = StaffSession(**json.loads(raw))
        if self._clock() - session.started_at > self._max:
            await self.close(token)
            return None
        await self._redis.expire(_key(token), self._idle)
        return session

    async def close(self, token: str) -> None:
        """End the session (logout)."""
        await self._redis.delete(_key(token))


def _key(token: str) -> str:
    return SESSION_PREFIX + hashlib.sha256(token.encode()).hexdigest()
