"""Pipeline fixtures: a small shop in a real database, Redis, and a scripted NLU."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from actions import points
from actions.rules import LoyaltyRules
from actions.staff import add_staff
from bot.conversation import Button, Incoming, Outcome
from bot.pipeline import Pipeline
from bot.staff import StaffDesk
from runtime.services import Services
from storage.engine import SessionFactory
from storage.models import Customer
from storage.redis_state import DialogueStore
from tests.support.crm_factory import small_shop
from tests.support.fake_nlu import ScriptedNlu

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
UPDATE_IDS = count(1000)
AGENT = 880001  # Telegram user id of Amy, the registered agent of the small shop


@pytest.fixture
async def shop(session_factory: SessionFactory) -> SessionFactory:
    async with session_factory() as session, session.begin():
        await small_shop(session)
        await add_staff(session=session, name="Amy", role="agent", telegram_user_id=AGENT, actor="test", now=NOW)
    return session_factory


@pytest.fixture
def nlu() -> ScriptedNlu:
    return ScriptedNlu()


@pytest.fixture
async def services(
    engine: AsyncEngine, shop: SessionFactory, redis: Redis, nlu: ScriptedNlu
) -> AsyncIterator[Services]:
    yield Services(
        engine=engine,
        session_factory=shop,
        redis=redis,
        dialogue=DialogueStore(redis, ttl_seconds=600),
        nlu=nlu,
        rules=LoyaltyRules(),
        timezone=ZoneInfo("Asia/Shanghai"),
        default_language="zh",
        staff_group=True,  # a staff group answers handoffs (the staff_desk fixture); tests without one replace it
        clock=lambda: NOW,
    )


@pytest.fixture
def pipeline(services: Services) -> Pipeline:
    return Pipeline(services)


@pytest.fixture
def staff_desk(services: Services) -> StaffDesk:
    return StaffDesk(services)


@dataclass
class Chat:
    """One customer talking to the pipeline, remembering the last buttons shown."""

    pipeline: Pipeline
    user_id: int
    language_code: str = "zh"
    buttons: list[Button] = field(default_factory=list)

    async def send(self, kind: str = "text", **fields: object) -> Outcome:
        incoming = Incoming(
            user_id=self.user_id,
            chat_id=self.user_id,
            kind=kind,  # type: ignore[arg-type]
            update_id=next(UPDATE_IDS),
            first_name="小明",
            language_code=self.language_code,
            **fields,  # type: ignore[arg-type]
        )
        outcome = await self.pipeline.handle(incoming)
        self.buttons = [button for reply in outcome.replies for row in reply.buttons for button in row]
        return outcome

    async def say(self, text: str) -> Outcome:
        return await self.send("text", text=text)

    async def command(self, name: str, args: str = "") -> Outcome:
        return await self.send("command", text=f"/{name} {args}".strip(), command=name, command_args=args)

    async def press(self, data_prefix: str) -> Outcome:
        """Press the shown button whose callback data starts with `data_prefix`."""
        matching = [button for button in self.buttons if button.data.startswith(data_prefix)]
        assert matching, f"no button {data_prefix!r} among {[b.data for b in self.buttons]}"
        return await self.send("callback", callback_data=matching[0].data)


def text_of(outcome: Outcome) -> str:
    return "\n".join(reply.text for reply in outcome.replies)


@pytest.fixture
def chat(pipeline: Pipeline) -> Chat:
    return Chat(pipeline, user_id=42)


async def customer_of(session_factory: SessionFactory, telegram_user_id: int) -> Customer:
    async with session_factory() as session:
        customer = await session.scalar(select(Customer).where(Customer.telegram_user_id == telegram_user_id))
        assert customer is not None
        return customer


async def give_points(shop: SessionFactory, telegram_user_id: int, amount: int, key: str = "") -> None:
    """Credit points to a customer the way a staff adjustment would (each key once)."""
    customer = await customer_of(shop, telegram_user_id)
    async with shop() as session, session.begin():
        await points.credit(
            session=session,
            customer_id=customer.id,
            points=amount,
            reason="adjustment",
            idempotency_key=f"test:{telegram_user_id}:{key or amount}",
            rules=LoyaltyRules(),
            now=NOW,
        )
