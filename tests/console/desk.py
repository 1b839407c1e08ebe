"""The staff desk end to end: the real bot polling the fake Bot API and the console app with its Telegram
channel, sharing the test database and Redis; helpers to escalate a customer and read what they got."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from fastapi import FastAPI
from sqlalchemy import select, update

from actions.handoff import claim_handoff, close_handoff, rate_handoff
from actions.staff import find_staff
from actions.ticket_desk import change_status
from actions.tickets import create_ticket, rate_ticket
from bot.telegram.console_desk import open_telegram_desk
from console.app import create_app
from jobs.tickets import announce_overdue_tickets
from nlu.training_data import known_intents
from runtime.services import open_services, service_levels
from runtime.settings import PROJECT_ROOT, Settings
from storage.engine import SessionFactory
from storage.models import Customer, Handoff, Ticket
from tests.bot.telegram.conftest import RunningBot
from tests.bot.telegram.harness import Conversation


@dataclass
class Desk:
    """The running bot, the console app (started by the caller) and the shop's database."""

    bot: RunningBot
    app: FastAPI
    shop: SessionFactory
    settings: Settings

    def customer(self, user_id: int, language_code: str) -> Conversation:
        return self.bot.customer(user_id, language_code)

    async def make_vip(self, telegram_user_id: int) -> None:
        """Move a customer to the gold tier (priority service)."""
        async with self.shop() as session, session.begin():
            await session.execute(
                update(Customer).where(Customer.telegram_user_id == telegram_user_id).values(tier_code="gold")
            )

    async def open_ticket(self, telegram_user_id: int, description: str, *, age: timedelta) -> int:
        """A delivery ticket of the customer's, opened `age` ago; its id."""
        async with self.shop() as session, session.begin():
            customer_id = await session.scalar(select(Customer.id).where(Customer.telegram_user_id == telegram_user_id))
            assert customer_id is not None
            ticket = await create_ticket(
                session=session, customer_id=customer_id, category="delivery", description=description,
                order_ref=None, now=datetime.now(UTC) - age,
            )  # fmt: skip
            return ticket.id

    async def run_overdue_job(self) -> int:
        """One run of the worker's overdue-ticket job, posting through the Telegram desk as the worker does;
        how many tickets it announced."""
        business, targets = service_levels(self.settings)
        async with open_services(self.settings) as services, open_telegram_desk(self.settings, services) as desk:
            return await announce_overdue_tickets(
                session_factory=services.session_factory, now=datetime.now(UTC), timezone=services.timezone,
                business=business, targets=targets, announce=desk.announce_overdue,
            )  # fmt: skip

    async def rated_chat(self, telegram_user_id: int, *, staff: str, wait: timedelta, rating: int) -> None:
        """The customer's open chat taken by `staff` after `wait`, closed and rated (as if done long ago)."""
        handoff = await self.handoff_of(telegram_user_id)
        async with self.shop() as session, session.begin():
            member = await find_staff(session=session, key=staff)
            assert member is not None
            await claim_handoff(
                session=session, handoff_id=handoff.id, staff_id=member.id, now=handoff.opened_at + wait
            )
            await close_handoff(session=session, handoff_id=handoff.id, now=handoff.opened_at + 2 * wait)
            await rate_handoff(
                session=session, customer_id=handoff.customer_id, handoff_id=handoff.id, rating=rating,
                now=handoff.opened_at + 2 * wait,
            )  # fmt: skip

    async def resolve_ticket(self, ticket_id: int, *, staff: str, rating: int) -> None:
        """Resolve a ticket an hour after it opened, and rate it."""
        async with self.shop() as session, session.begin():
            member = await find_staff(session=session, key=staff)
            ticket = await session.get(Ticket, ticket_id)
            assert member is not None and ticket is not None
            later = ticket.created_at + timedelta(hours=1)
            await change_status(session=session, ticket_id=ticket_id, status="resolved", staff=member, now=later)
            await rate_ticket(
                session=session, customer_id=ticket.customer_id, ticket_id=ticket_id, rating=rating, now=later
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
        app = create_app(
            settings, channel_factory=partial(open_telegram_desk, settings), intents=known_intents(PROJECT_ROOT)
        )
        yield Desk(bot=bot, app=app, shop=shop, settings=settings)
