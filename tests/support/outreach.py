"""Building blocks for the outreach tests and benchmarks: an operator's empty shop, customers in bulk, a
campaign started, and a sending loop wired to the fake Bot API through the bot's real sender."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from redis.asyncio import Redis
from sqlalchemy import insert, select
from telegram import Bot

from actions import campaigns
from actions.outreach_guards import GuardPolicy, QuietHours
from bot.telegram.aiohttp_request import AiohttpRequest
from bot.telegram.outbound import LinkFor, TelegramOutreach, direct_link
from bot.telegram.sender import Sender, TelegramLimits
from carebot.commands.worker import sending_shape, steady
from jobs.outreach import OutreachSender, utc_now
from runtime.settings import DEFAULT_SHOP_CONFIG
from runtime.shop_config import load_shop_rules, sync_shop_config
from storage.engine import SessionFactory
from storage.models import Campaign, Customer
from storage.redis_state import RateLimiter
from tests.support.fake_bot_api import FakeBotApi

SHANGHAI = ZoneInfo("Asia/Shanghai")
NO_QUIET_HOURS = QuietHours(start=0, end=0)


async def empty_shop(session_factory: SessionFactory) -> None:
    """Where an operator starts: migrated tables and the shop's configuration file, nothing else."""
    await sync_shop_config(session_factory, load_shop_rules(DEFAULT_SHOP_CONFIG))


async def add_customers(
    session_factory: SessionFactory, count: int, *, first_chat: int, **attributes: Any
) -> list[int]:
    """`count` customers with private chats first_chat, first_chat+1, …; consenting Chinese speakers unless
    `attributes` say otherwise. Returns their chat ids."""
    chats = list(range(first_chat, first_chat + count))
    defaults: dict[str, Any] = {"language": "zh", "marketing_consent": True, "tier_code": "basic"}
    rows = [
        defaults
        | {"telegram_user_id": chat, "telegram_chat_id": chat, "name": f"顾客{chat}", "points_balance": chat % 500}
        | attributes
        for chat in chats
    ]
    async with session_factory() as session, session.begin():
        await session.execute(insert(Customer), rows)
    return chats


async def start_campaign(session_factory: SessionFactory, *, now: datetime | None = None, **fields: Any) -> Campaign:
    """Create a campaign as a marketer would, schedule it for now, and let it start (audience in the ledger)."""
    moment = now or datetime.now(UTC)
    draft = campaigns.parse_draft(
        {"name": "双十二", "text_zh": "{name}，您有{points}积分", "text_en": "{name}, you have {points} points"}
        | fields
    )
    async with session_factory() as session, session.begin():
        campaign = await campaigns.create_campaign(session, draft=draft, actor="marketer:test", now=moment)
        await campaigns.schedule(session, campaign=campaign, at=moment, now=moment)
        await campaigns.start_due_campaigns(session, now=moment)
    return campaign


async def campaign_status(session_factory: SessionFactory, campaign_id: int) -> str:
    async with session_factory() as session:
        status = await session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
    assert status is not None
    return status


@asynccontextmanager
async def outreach_sender(
    api: FakeBotApi,
    session_factory: SessionFactory,
    redis: Redis,
    *,
    rate: float = 1000,
    worker: str = "worker-1",
    quiet_hours: QuietHours = NO_QUIET_HOURS,
    weekly_cap: int = 10,
    clock: Callable[[], datetime] = utc_now,
    batch_size: int | None = None,
    link_for: LinkFor = direct_link,
) -> AsyncIterator[OutreachSender]:
    """A sending loop as the worker builds it, at `rate` messages a second (the fake enforces the same)."""
    shape = sending_shape(rate, 1000)
    if batch_size is not None:
        shape = replace(shape, batch_size=batch_size)
    async with Bot(
        api.token, base_url=api.base_url, request=AiohttpRequest(connection_pool_size=shape.connections)
    ) as bot:
        sender = Sender(
            bot,
            limiter=RateLimiter(redis),
            session_factory=session_factory,
            limits=TelegramLimits(overall=steady(rate), paid_overall=steady(1000)),
        )
        yield OutreachSender(
            session_factory=session_factory,
            transport=TelegramOutreach(sender, link_for=link_for),
            policy=GuardPolicy(quiet_hours=quiet_hours, weekly_cap=weekly_cap, default_timezone=SHANGHAI),
            worker=worker,
            **asdict(shape),
            clock=clock,
        )
