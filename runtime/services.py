"""The services every process shares (bot, terminal chat, worker, console, CLI), opened in one place.

`open_services(settings)` is the one way to get a database engine, Redis and the NLU client, and it
applies the one rule for migrations at start: the embedded SQLite default is upgraded to head; any
other database must already be at head (`carebot db upgrade`), otherwise start-up stops and says so.
Then the shop's configuration (SHOP_CONFIG: the tier ladder) is synced into the database, so a fresh
install takes its first customer without demo data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from actions.rules import LoyaltyRules
from actions.shop_setup import ShopRules
from actions.sla import ALWAYS_OPEN, BusinessHours, SlaTargets, parse_holidays, parse_week
from nlu.client import NluClient, NluResult
from runtime.settings import Settings
from runtime.shop_config import load_shop_rules, sync_shop_config
from storage import migrate
from storage.engine import SessionFactory, create_engine, create_session_factory, is_sqlite
from storage.redis_state import DialogueStore, connect_redis


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
    nlu: Parser
    rules: LoyaltyRules
    timezone: ZoneInfo
    default_language: str = "zh"
    # PHONE_REGION: where a phone number without its country code is read ("" = by the customer's language).
    phone_region: str = ""
    bot_username: str = ""
    # Whether staff answer handoffs live in a staff group (the Telegram bot with STAFF_GROUP_ID). Without
    # one (the terminal chat, a bot without the group) a request for a person becomes a ticket instead.
    staff_group: bool = False
    clock: Callable[[], datetime] = field(default=utc_now)
    # How long a redelivered update's first delivery may still be sending its replies before they are resent.
    resend_after: timedelta = timedelta(seconds=30)
    # How long after a chat closes (or a ticket is resolved) the customer may rate it.
    rating_window: timedelta = timedelta(days=7)
    # Ticket promises are counted in these business hours (settings: BUSINESS_HOURS, TICKET_*_HOURS, …).
    business: BusinessHours = ALWAYS_OPEN
    targets: SlaTargets = field(default_factory=SlaTargets)
    # A resolved ticket is reopened when its customer writes again within this time (TICKET_REOPEN_DAYS).
    reopen_window: timedelta = timedelta(days=7)


def loyalty_rules(settings: Settings, shop: ShopRules | None = None) -> LoyaltyRules:
    """The loyalty rules the actions apply: the care settings, and the currencies (points per unit) and
    opening day (midnight in the shop's time zone) of the shop's configuration file (read unless given)."""
    care = settings.care
    shop = shop or load_shop_rules(care.shop_config)
    return LoyaltyRules(
        points_per_unit=dict(shop.currencies),
        expiry_months=care.points_expiry_months,
        birthday_bonus=care.birthday_bonus_points,
        referral_bonus=care.referral_bonus_points,
        opened_at=datetime.combine(shop.opened_on, time(), tzinfo=ZoneInfo(care.timezone)),
    )


def service_levels(settings: Settings) -> tuple[BusinessHours, SlaTargets]:
    """Business hours (BUSINESS_HOURS, BUSINESS_DAYS and BUSINESS_HOLIDAYS in TIMEZONE) and the ticket targets
    (first response and resolution, the shorter VIP ones)."""
    care = settings.care
    hours = BusinessHours(
        week=parse_week(care.business_hours, care.business_days),
        timezone=ZoneInfo(care.timezone),
        holidays=parse_holidays(care.business_holidays),
    )
    targets = SlaTargets(
        response_hours=care.ticket_response_hours,
        vip_response_hours=care.vip_ticket_response_hours,
        resolution_hours=care.ticket_resolution_hours,
        vip_resolution_hours=care.vip_ticket_resolution_hours,
    )
    return hours, targets


async def prepare_database(engine: AsyncEngine) -> None:
    """The one migration rule at start: upgrade the embedded SQLite database, require head elsewhere."""
    if is_sqlite(engine):
        await migrate.upgrade_engine(engine)
    else:
        await migrate.require_head(engine)


@asynccontextmanager
async def open_services(settings: Settings, *, nlu: Parser | None = None) -> AsyncIterator[Services]:
    """Engine, Redis and NLU client for one process, closed on exit; the database is checked first.

    `nlu`: another parser than the Rasa client at NLU_URL (a scripted fake in tests, a local server).
    """
    engine = create_engine(settings.database.database_url, echo=settings.database.database_echo)
    redis = connect_redis(settings.redis.redis_url)
    parser = nlu or NluClient(
        base_url=settings.nlu.nlu_url,
        timeout=settings.nlu.nlu_timeout_seconds,
        threshold=settings.nlu.nlu_confidence_threshold,
    )
    session_factory = create_session_factory(engine)
    try:
        await prepare_database(engine)
        shop = load_shop_rules(settings.care.shop_config)  # read once: synced, then the loyalty rules
        await sync_shop_config(session_factory, shop)
        business, targets = service_levels(settings)
        yield Services(
            engine=engine,
            session_factory=session_factory,
            redis=redis,
            dialogue=DialogueStore(redis, ttl_seconds=settings.bot.dialogue_ttl_seconds),
            nlu=parser,
            rules=loyalty_rules(settings, shop),
            timezone=ZoneInfo(settings.care.timezone),
            default_language=settings.care.default_language,
            phone_region=settings.care.phone_region,
            resend_after=timedelta(seconds=settings.bot.resend_unsent_after_seconds),
            rating_window=timedelta(days=settings.care.rating_days),
            business=business,
            targets=targets,
            reopen_window=timedelta(days=settings.care.ticket_reopen_days),
        )
    finally:
        await parser.aclose()
        await redis.aclose()
        await engine.dispose()
