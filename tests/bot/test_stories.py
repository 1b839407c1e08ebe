"""Conversation stories (tests/bot/stories/*.yml) through the real pipeline and the real Rasa model.

In the spirit of Rasa's test stories: each story is a customer's lines (typed text, button presses by
label or callback data, commands), what each turn must be understood as (the NLU intent, the handler
that answered, the flow step it leaves the conversation in), words each reply must and must not contain,
and what the CRM holds at the end (tickets, handoffs, the customer's record). The format is documented
at the top of tests/bot/stories/README.md. Each story runs on a fresh small shop (tests/support/crm_factory).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from redis.asyncio import Redis
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from actions import points
from actions.customers import find_or_create_by_telegram
from actions.orders import record_order
from actions.rules import LoyaltyRules
from bot.conversation import Button, Incoming, Outcome
from bot.pipeline import Pipeline
from nlu.client import NluClient
from runtime.services import Services
from runtime.settings import NluSettings
from storage.engine import SessionFactory
from storage.models import Customer, Handoff, MessageLog, Redemption, RestockRequest, Ticket
from storage.redis_state import DialogueStore
from tests.bot.conftest import NOW

STORIES_DIR = Path(__file__).parent / "stories"
STEP_KEYS = {
    "say",
    "press",
    "command",
    "photo",
    "intent",
    "handler",
    "flow",
    "contains",
    "not_contains",
    "buttons",
    "staff",
}
EXPECT_KEYS = {"tickets", "handoffs", "customer", "redemptions", "points", "restock_requests"}
UPDATE_IDS = count(700_000)


@dataclass(frozen=True)
class Story:
    name: str
    file: str
    issue: str
    language: str
    steps: list[dict[str, Any]]
    setup: dict[str, Any] = field(default_factory=dict)
    expect: dict[str, Any] = field(default_factory=dict)


def load_stories() -> list[Story]:
    stories: list[Story] = []
    for path in sorted(STORIES_DIR.glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            for step in item["steps"]:
                for key in ("say", "press"):  # YAML reads a bare yes/no/on as a boolean: "True" would be sent
                    if key in step and not isinstance(step[key], str):
                        raise ValueError(f"{path.name}: {item['story']!r}: quote {key}: {step[key]!r}")
            stories.append(
                Story(
                    name=item["story"],
                    file=path.name,
                    issue=item.get("issue", ""),
                    language=item.get("language", "zh"),
                    steps=item["steps"],
                    setup=item.get("setup") or {},
                    expect=item.get("expect") or {},
                )
            )
    return stories


STORIES = load_stories()


def test_stories_are_well_formed() -> None:
    """Unknown keys are typos that would silently check nothing."""
    names = [story.name for story in STORIES]
    assert len(names) == len(set(names)), "story names must be unique"
    for story in STORIES:
        for step in story.steps:
            assert set(step) <= STEP_KEYS, f"{story.name}: unknown step keys {set(step) - STEP_KEYS}"
            actions = {"say", "press", "command", "photo"} & set(step)
            assert len(actions) == 1, f"{story.name}: one action per step"
        assert set(story.expect) <= EXPECT_KEYS, f"{story.name}: unknown expect keys"


@pytest.fixture
async def real_nlu(nlu_server: str) -> AsyncIterator[NluClient]:
    client = NluClient(base_url=nlu_server, threshold=NluSettings().nlu_confidence_threshold, timeout=10.0)
    yield client
    await client.aclose()


@pytest.fixture
async def story_services(
    engine: AsyncEngine, shop: SessionFactory, redis: Redis, real_nlu: NluClient
) -> AsyncIterator[Services]:
    yield Services(
        engine=engine,
        session_factory=shop,
        redis=redis,
        dialogue=DialogueStore(redis, ttl_seconds=600),
        nlu=real_nlu,
        rules=LoyaltyRules(),
        timezone=ZoneInfo("Asia/Shanghai"),
        default_language="zh",
        staff_group=True,
        clock=lambda: NOW,
    )


@dataclass
class StoryChat:
    services: Services
    user_id: int
    language_code: str
    buttons: list[Button] = field(default_factory=list)
    shown: list[Button] = field(default_factory=list)

    async def run(self, step: dict[str, Any]) -> Outcome:
        base: dict[str, Any] = {
            "user_id": self.user_id,
            "chat_id": self.user_id,
            "update_id": next(UPDATE_IDS),
            "first_name": "Story",
            "language_code": self.language_code,
        }
        if "say" in step:
            incoming = Incoming(kind="text", text=str(step["say"]), **base)
        elif "photo" in step:  # a photo message; the value is its caption
            message_id = next(UPDATE_IDS)
            incoming = Incoming(
                kind="photo",
                text=str(step["photo"] or ""),
                message_id=message_id,
                file_id=f"photo-{message_id}",
                **base,
            )
        elif "command" in step:
            name, _, args = str(step["command"]).lstrip("/").partition(" ")
            incoming = Incoming(kind="command", text=f"/{step['command']}", command=name, command_args=args, **base)
        else:
            incoming = Incoming(kind="callback", callback_data=self._button(str(step["press"])).data, **base)
        outcome = await Pipeline(self.services).handle(incoming)
        self.shown = [button for reply in outcome.replies for row in reply.buttons for button in row]
        self.buttons = self.shown + self.buttons  # older messages keep their buttons in Telegram: latest first
        return outcome

    def _button(self, wanted: str) -> Button:
        """A shown button by its callback data prefix (v1:…) or its label (exactly, else contained)."""
        if wanted.startswith("v1:"):
            found = [b for b in self.buttons if b.data.startswith(wanted)]
        else:
            found = [b for b in self.buttons if b.label == wanted] or [b for b in self.buttons if wanted in b.label]
        assert found, f"no button {wanted!r} among {[b.label for b in self.buttons]}"
        return found[0]


async def _customer(shop: SessionFactory, user_id: int) -> Customer:
    async with shop() as session:
        customer = await session.scalar(select(Customer).where(Customer.telegram_user_id == user_id))
        if customer is None:  # erased: the record stays, without the Telegram id
            customer = await session.scalar(select(Customer).where(Customer.erased_at.is_not(None)))
        assert customer is not None
        return customer


async def _set_up(shop: SessionFactory, story: Story, user_id: int) -> None:
    async with shop() as session, session.begin():
        customer, _ = await find_or_create_by_telegram(
            session=session, telegram_user_id=user_id, chat_id=user_id, name="Story", username=None,
            language_code=story.language, now=NOW,
        )  # fmt: skip
        for order in story.setup.get("orders", []):
            await record_order(
                session=session, rules=LoyaltyRules(), source="shop", order_id=order["order_id"],
                customer_id=customer.id, amount=Decimal(str(order.get("amount", "100.00"))), currency="CNY",
                ordered_at=NOW - timedelta(days=int(order.get("days_ago", 3))), status=order.get("status", "paid"),
                now=NOW, delivered_at=_days_ago(order.get("delivered_days_ago")),
            )  # fmt: skip
        if story.setup.get("points"):
            await points.credit(
                session=session, customer_id=customer.id, points=int(story.setup["points"]), reason="adjustment",
                idempotency_key=f"story:{user_id}", rules=LoyaltyRules(), now=NOW,
            )  # fmt: skip
        if story.setup.get("tier"):
            tier = story.setup["tier"]
            await session.execute(update(Customer).where(Customer.id == customer.id).values(tier_code=tier))


def _days_ago(days: object) -> datetime | None:
    return NOW - timedelta(days=int(str(days))) if days is not None else None


async def _last_turn(shop: SessionFactory, customer_id: int) -> MessageLog | None:
    """The turn just logged (None after an erasure, which deletes the customer's conversation)."""
    async with shop() as session:
        return await session.scalar(
            select(MessageLog)
            .where(MessageLog.customer_id == customer_id, MessageLog.direction == "in")
            .order_by(MessageLog.id.desc())
            .limit(1)
        )


def _check_step(story: Story, index: int, step: dict[str, Any], outcome: Outcome, turn: MessageLog | None,
                flow: str, chat: StoryChat) -> None:  # fmt: skip
    said = step.get("say") or step.get("press") or step.get("command") or ("[photo]" if "photo" in step else None)
    where = f"{story.file}: {story.name!r}, step {index + 1} ({said!r})"
    reply = "\n".join(r.text for r in outcome.replies)
    handler, intent = (turn.handler, turn.intent) if turn else (None, None)
    shown = f"{where}\nreply: {reply}\nhandler: {handler}, intent: {intent}"
    for phrase in map(str, step.get("contains", [])):  # YAML reads 1990-03-05 as a date
        assert phrase in reply, f"{shown}\nmissing {phrase!r}"
    for phrase in map(str, step.get("not_contains", [])):
        assert phrase not in reply, f"{shown}\nmust not say {phrase!r}"
    if "intent" in step:
        assert turn is not None and turn.intent == step["intent"], f"{shown}\nexpected intent {step['intent']!r}"
    if "handler" in step:
        expected = str(step["handler"])
        got = (turn.handler if turn else None) or ""
        ok = got.startswith(expected[:-1]) if expected.endswith("*") else got == expected
        assert ok, f"{shown}\nexpected handler {expected!r}"
    if "flow" in step:
        assert flow == step["flow"], f"{shown}\nexpected flow {step['flow']!r}, in {flow!r}"
    for label in step.get("buttons", []):
        assert any(label in b.label for b in chat.shown), f"{shown}\nno button {label!r} on this reply"
    if "staff" in step:
        assert [n.kind for n in outcome.staff_notices] == step["staff"], f"{shown}\nstaff notices"


async def _check_effects(shop: SessionFactory, story: Story, customer_id: int) -> None:
    expect, where = story.expect, f"{story.file}: {story.name!r}"
    async with shop() as session:
        tickets = list((await session.scalars(select(Ticket).order_by(Ticket.id))).all())
        handoffs = int(await session.scalar(select(func.count()).select_from(Handoff)) or 0)
        redemptions = int(await session.scalar(select(func.count()).select_from(Redemption)) or 0)
        restock_requests = int(await session.scalar(select(func.count()).select_from(RestockRequest)) or 0)
        customer = await session.get(Customer, customer_id)
    assert customer is not None
    if "tickets" in expect:
        wanted = expect["tickets"]
        assert len(tickets) == len(wanted), f"{where}: tickets {[(t.category, t.description) for t in tickets]}"
        for ticket, fields in zip(tickets, wanted, strict=True):
            for key, value in (fields or {}).items():
                if key == "description_contains":
                    assert value in ticket.description, f"{where}: ticket description {ticket.description!r}"
                else:
                    assert getattr(ticket, key) == value, f"{where}: ticket {key} {getattr(ticket, key)!r}"
    if "handoffs" in expect:
        assert handoffs == expect["handoffs"], f"{where}: handoffs {handoffs}"
    if "redemptions" in expect:
        assert redemptions == expect["redemptions"], f"{where}: redemptions {redemptions}"
    if "restock_requests" in expect:
        wanted_requests = expect["restock_requests"]
        assert restock_requests == wanted_requests, f"{where}: restock requests {restock_requests}"
    if "points" in expect:
        assert customer.points_balance == expect["points"], f"{where}: points {customer.points_balance}"
    for key, value in (expect.get("customer") or {}).items():
        got: object = {
            "opted_out": customer.opted_out_at is not None,
            "erased": customer.erased_at is not None,
            "birthday": customer.birthday.isoformat() if customer.birthday else None,
            "phone": customer.phone,
            "language": customer.language,
        }[key]
        assert got == value, f"{where}: customer {key} is {got!r}"


# The first story also waits for the session's Rasa server to load its model (slow on a busy machine).
@pytest.mark.timeout(360)
@pytest.mark.parametrize("story", STORIES, ids=[f"{s.file}:{s.name}" for s in STORIES])
async def test_story(story: Story, story_services: Services, shop: SessionFactory) -> None:
    user_id = 600_000 + STORIES.index(story)
    await _set_up(shop, story, user_id)
    customer_id = (await _customer(shop, user_id)).id
    chat = StoryChat(story_services, user_id=user_id, language_code=story.language)
    for index, step in enumerate(story.steps):
        outcome = await chat.run(step)
        turn = await _last_turn(shop, customer_id)
        state = await story_services.dialogue.load(user_id)
        flow_state = state.get("flow") if isinstance(state.get("flow"), dict) else None
        flow = f"{flow_state['name']}.{flow_state.get('step', '')}".rstrip(".") if flow_state else "none"
        _check_step(story, index, step, outcome, turn, flow, chat)
    await _check_effects(shop, story, customer_id)
