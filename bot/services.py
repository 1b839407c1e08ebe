"""The services one conversation needs, built from the settings (Telegram app, terminal chat, tests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from actions.rules import LoyaltyRules
from carebot.loyalty import loyalty_rules
from carebot.settings import Settings
from nlu.client import NluClient, NluResult
from storage.engine import SessionFactory, create_engine, create_session_factory
from storage.redis_state import DialogueStore, UpdateDeduplicator, connect_redis


class Parser(Protocol):
    """Anything that turns a customer's text into intents (the Rasa client, or a scripted fake in tests)."""

    async def parse(self, text: str) -> NluResult: ...

    async def aclose(self) -> None: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    engine: AsyncEngine
    session_factory: SessionFactory
    redis: Redis
    dialogue: DialogueStore
    deduplicator: UpdateDeduplicator
    nlu: Parser
    rules: LoyaltyRules
    timezone: ZoneInfo
    default_language: str = "zh"
    bot_username: str = ""
    clock: Callable[[], datetime] = field(default=utc_now)

    async def close(self) -> None:
        await self.nlu.aclose()
        await self.redis.aclose()
        await self.engine.dispose()


async def open_services(settings: Settings, *, nlu: Parser | None = None) -> Services:
    """Engine, Redis and NLU client for one process; close them with `await services.close()`."""
    engine = create_engine(settings.database.database_url, echo=settings.database.database_echo)
    redis = connect_redis(settings.redis.redis_url)
    parser = nlu or NluClient(
        base_url=settings.nlu.nlu_url,
        timeout=settings.nlu.nlu_timeout_seconds,
        threshold=settings.nlu.nlu_confidence_threshold,
    )
    return Services(
        engine=engine,
        session_factory=create_session_factory(engine),
        redis=redis,
        dialogue=DialogueStore(redis, ttl_seconds=settings.bot.dialogue_ttl_seconds),
        deduplicator=UpdateDeduplicator(redis),
        nlu=parser,
        rules=loyalty_rules(settings),
        timezone=ZoneInfo(settings.care.timezone),
        default_language=settings.care.default_language,
    )
