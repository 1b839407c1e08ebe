"""The staff desk end to end: the real bot polling the fake Bot API and the console app with its Telegram
channel, sharing the test database and Redis; helpers to escalate a customer and read what they got."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial

from fastapi import FastAPI
from sqlalchemy import select, update

from bot.telegram.console_desk import open_telegram_desk
from console.app import create_app
from runtime.settings import Settings
from storage.engine import SessionFactory
from storage.models import Customer, Handoff
from tests.bot.telegram.conftest import RunningBot
from tests.bot.telegram.harness import Conversation


@dataclass
class Desk:
    """The running bot, the console app (started by the caller) and the shop's database."""

    bot: RunningBot
    app: FastAPI
    shop: SessionFactory

    def customer(self, user_id: int, language_code: str) -> Conversation:
        return self.bot.customer(user_id, language_code)

    async def make_vip(self, telegram_user_id: int) -> None:
        """Move a customer to the gold tier (priority service)."""
        async with self.shop() as session, session.begin():
            await session.execute(
                update(Customer).where(Customer.telegram_user_id == telegram_user_id).values(tier_code="gold")
            )

    async def handoff_of(self, telegram_user_id: int) -> Handoff:
        """The customer's latest handoff."""
        async with self.shop() as session:
            handoff = await session.scalar(
                select(Handoff)
                .join(Customer, Customer.id == Handoff.customer_id)
                .where(Customer.telegram_user_id == telegram_user_id)
                .order_by(Handoff.id.desc())
            )
        assert handoff is not None
        return handoff


@asynccontextmanager
async def running_desk(
    start_bot: Callable[[str], object], settings: Settings, shop: SessionFactory, nlu_url: str
) -> AsyncIterator[Desk]:
    """The bot polling (keyword router when `nlu_url` is down) and the console app, not yet serving."""
    async with start_bot(nlu_url) as bot:  # type: ignore[attr-defined]
        app = create_app(settings, channel_factory=partial(open_telegram_desk, settings))
        yield Desk(bot=bot, app=app, shop=shop)
