"""Handoffs without a staff group, privacy commands during a handoff, and erasure without leftovers.

The completeness test erases a customer with orders, points, a ticket, a handoff with relayed messages and
a staff reply, dialogue state, a rate bucket and unsent replies, then walks every table and every Redis
key. Kept on purpose (the books): the anonymised customer row, orders, the points ledger, the audit entry,
and the handoff's staff topic id until the Telegram bot has deleted that topic (`erased_staff_topics`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from redis.asyncio import Redis
from sqlalchemy import Table, select, update

from actions import points
from actions.orders import record_order
from actions.privacy import erased_staff_topics
from actions.rules import LoyaltyRules
from bot.pipeline import Pipeline
from bot.staff import StaffDesk
from runtime.services import Services
from storage.engine import SessionFactory
from storage.models import Base, Customer, Handoff, ProcessedUpdate, Ticket
from storage.redis_state import RateLimiter
from tests.bot.conftest import AGENT, NOW, Chat, customer_of, text_of
from tests.support.fake_nlu import ScriptedNlu

USER = 918273645  # the customer's Telegram user and chat id: distinctive, so a leftover is found by text
NAME = "小明"  # the first name Chat sends
PHONE = "+8613912345678"
USERNAME = "mingyue_tg"
EXTERNAL_ID = "C-MINGYUE"
TICKET_TEXT = "包裹破损了 secret-ticket"
REASON = "我要找人工 reason-secret"
RELAYED = "我家住秘密路8号 relay-secret"
STAFF_TEXT = "好的 staff-secret"
UNSURE = "嗯嗯 dialogue-secret"
SECRETS = (str(USER), NAME, PHONE, "13912345678", USERNAME, EXTERNAL_ID, "secret")


async def test_without_a_staff_group_a_request_for_a_person_is_a_ticket_with_a_time(
    services: Services, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    chat = Chat(Pipeline(replace(services, staff_group=False)), user_id=USER)
    nlu.say(REASON, "request_human")
    asked = await chat.say(REASON)
    async with shop() as session:
        ticket = await session.scalar(select(Ticket))
        assert await session.scalar(select(Handoff)) is None, "no handoff nobody would answer"
    assert ticket is not None and ticket.description == REASON and ticket.category == "service"
    assert ticket.sla_due_at == NOW + timedelta(hours=8)  # the ticket promise of a basic member
    # 06:00 UTC on 23 November + 8 h (the test's services count every hour), in the shop's time zone (UTC+8)
    assert f"#{ticket.id}" in text_of(asked) and "2026-11-23 22:00" in text_of(asked)
    assert not asked.staff_notices

    nlu.say("我有多少积分", "check_points")
    answered = await chat.say("我有多少积分")
    assert answered.replies and not answered.staff_notices, "the bot keeps answering"
    again = await chat.command("human")
    assert f"#{ticket.id}" in text_of(again), "asking again the same day: the same ticket"


async def test_a_handoff_left_open_without_a_staff_group_becomes_a_ticket(
    services: Services, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    await Chat(Pipeline(services), user_id=USER).command("human")  # while a staff group was configured
    chat = Chat(Pipeline(replace(services, staff_group=False)), user_id=USER)
    nlu.say("我有多少积分", "check_points")
    outcome = await chat.say("我有多少积分")
    assert not outcome.staff_notices and len(outcome.replies) > 1  # the ticket's promise, then the answer
    async with shop() as session:
        assert await session.scalar(select(Handoff.status)) == "closed"
        ticket = await session.scalar(select(Ticket))
    assert ticket is not None and (ticket.category, ticket.description) == ("service", "/human")
    assert f"#{ticket.id}" in outcome.replies[0].text and nlu.parsed == ["我有多少积分"]


async def test_privacy_commands_are_answered_during_a_handoff(chat: Chat, shop: SessionFactory) -> None:
    await chat.command("human")
    exported = await chat.command("mydata")
    assert not exported.staff_notices and exported.replies[0].document is not None
    asked = await chat.command("deleteme")
    assert not asked.staff_notices and any(button.data.startswith("v1:erase:confirm") for button in chat.buttons)
    await chat.press("v1:erase:confirm")
    async with shop() as session:
        assert await session.scalar(select(Customer.erased_at)) is not None
        assert await session.scalar(select(Handoff.status)) == "closed"


async def test_erasure_leaves_nothing_personal_in_any_table_or_redis_key(
    services: Services, nlu: ScriptedNlu, shop: SessionFactory, staff_desk: StaffDesk, redis: Redis
) -> None:
    chat = Chat(Pipeline(services), user_id=USER)
    await chat.command("start")
    customer = await customer_of(shop, USER)
    async with shop() as session, session.begin():
        await session.execute(
            update(Customer)
            .where(Customer.id == customer.id)
            .values(phone=PHONE, telegram_username=USERNAME, external_id=EXTERNAL_ID)
        )
        await record_order(
            session=session, rules=LoyaltyRules(), source="shop", order_id="SO-77", customer_id=customer.id,
            amount=Decimal("120.00"), currency="CNY", ordered_at=NOW - timedelta(days=2), status="paid", now=NOW,
        )  # fmt: skip
        await points.credit(  # a staff adjustment (keys name internal ids, never Telegram ones)
            session=session, customer_id=customer.id, points=50, reason="adjustment",
            idempotency_key=f"adjust:{customer.id}:1", rules=LoyaltyRules(), now=NOW,
        )  # fmt: skip
    nlu.say(TICKET_TEXT, "feedback")
    await chat.say(TICKET_TEXT)
    nlu.say(REASON, "request_human")
    await chat.say(REASON)
    await staff_desk.set_topic(customer_id=customer.id, topic_id=77)
    relayed = await chat.say(RELAYED)
    assert relayed.staff_notices[0].text == RELAYED
    staff = await staff_desk.handle_message(topic_id=77, staff_user_id=AGENT, text=STAFF_TEXT, update_id=9101)
    assert staff is not None and staff.replies
    state = await services.dialogue.load(USER)
    await services.dialogue.save(USER, {**state, "unsure_text": UNSURE})
    await RateLimiter(redis).try_take(f"chat:{USER}", rate_per_second=1, capacity=3)  # as the sender leaves it
    async with shop() as session:  # every reply so far is unsent (no transport marked them answered)
        pending = await session.scalars(select(ProcessedUpdate.outcome).where(ProcessedUpdate.outcome.is_not(None)))
        assert any(RELAYED in json.dumps(outcome, ensure_ascii=False) for outcome in pending.all())

    await chat.command("deleteme")  # during the handoff: answered by the bot
    erased = await chat.press("v1:erase:confirm")
    assert [notice.kind for notice in erased.staff_notices] == ["erased"]

    leftovers = [
        f"{table.name}.{column}={value!r}"
        for table in Base.metadata.sorted_tables
        async for column, value in _cells(shop, table)
        if any(secret in value for secret in SECRETS)
    ]
    assert leftovers == []
    keys = [key async for key in redis.scan_iter("*")]
    values = [json.dumps(await _value(redis, key), ensure_ascii=False) for key in keys]
    assert [key for key in keys if str(USER) in key] == []
    assert [value for value in values if any(secret in value for secret in SECRETS)] == []

    async with shop() as session:
        handoff = await session.scalar(select(Handoff))
        assert handoff is not None and (handoff.status, handoff.reason) == ("closed", "")
        order = await session.scalar(select(Customer.points_balance).where(Customer.id == customer.id))
        assert order == 170, "the books are kept: 120 points from the order and 50 given"
        assert await erased_staff_topics(session=session) == [77], "the topic waits for the bot to delete it"
    assert await staff_desk.erased_topics() == [77]
    await staff_desk.topic_removed(77)
    assert await staff_desk.erased_topics() == []


async def _cells(shop: SessionFactory, table: Table) -> AsyncIterator[tuple[str, str]]:
    """(column, value as text) of every cell of a table."""
    async with shop() as session:
        rows = (await session.execute(select(table))).mappings().all()
    for row in rows:
        for column, value in row.items():
            yield column, json.dumps(value, ensure_ascii=False, default=str)


async def _value(redis: Redis, key: str) -> object:
    kind = await redis.type(key)
    if kind == "hash":
        return await redis.hgetall(key)
    if kind == "string":
        return await redis.get(key)
    return kind
