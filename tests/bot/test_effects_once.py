"""At-least-once processing, effects once: the update id is claimed in the same transaction as its effects."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.conversation import Incoming, TurnFailed
from bot.pipeline import Pipeline
from nlu.client import NluResult
from runtime.services import Services
from storage.engine import SessionFactory
from storage.models import Customer, MessageLog, ProcessedUpdate
from tests.bot.conftest import NOW
from tests.support.fake_nlu import ScriptedNlu

# Understood by the (scripted) NLU: a plain "别再给我发促销了" is an opt-out the pipeline recognises without it.
UNSUBSCRIBE = "以后这类消息就不用发给我了"


class FailsOnce(ScriptedNlu):
    """The first parse fails (as a crash mid-update would), later ones answer from the script."""

    failed: bool = False

    async def parse(self, text: str) -> NluResult:
        if not self.failed:
            self.failed = True
            raise ConnectionError("the process died here")
        return await super().parse(text)


def message(update_id: int, text: str = UNSUBSCRIBE) -> Incoming:
    return Incoming(user_id=77, chat_id=77, kind="text", update_id=update_id, first_name="小明", text=text)


async def effects(shop: SessionFactory, update_id: int) -> tuple[int, int, bool]:
    """(customer messages logged for the update, claims of it, the customer's marketing consent)."""
    async with shop() as session:
        logged = await session.scalar(
            select(func.count()).where(MessageLog.update_id == update_id, MessageLog.direction == "in")
        )
        claims = await session.scalar(select(func.count()).where(ProcessedUpdate.update_id == update_id))
        consent = await session.scalar(select(Customer.marketing_consent).where(Customer.telegram_user_id == 77))
    return int(logged or 0), int(claims or 0), bool(consent)


async def test_a_redelivery_after_the_commit_changes_nothing(
    pipeline: Pipeline, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    nlu.say(UNSUBSCRIBE, "unsubscribe")
    first = await pipeline.handle(message(501))
    again = await pipeline.handle(message(501))
    assert first.replies and not first.repeated
    assert again.repeated and not again.replies and not again.staff_notices
    assert await effects(shop, 501) == (1, 1, False)


async def test_a_failure_before_the_commit_leaves_the_update_to_its_redelivery(
    pipeline: Pipeline, services: Services, shop: SessionFactory
) -> None:
    nlu = FailsOnce()
    nlu.say(UNSUBSCRIBE, "unsubscribe")
    services.nlu = nlu
    with pytest.raises(TurnFailed):
        await pipeline.handle(message(502))
    assert await effects(shop, 502) == (0, 0, False)  # nothing committed, not even the claim

    redelivered = await pipeline.handle(message(502))
    assert redelivered.replies and not redelivered.repeated
    assert await effects(shop, 502) == (1, 1, False)


async def test_two_deliveries_at_once_have_one_effect(
    pipeline: Pipeline, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    nlu.say(UNSUBSCRIBE, "unsubscribe")
    outcomes = await asyncio.gather(*(pipeline.handle(message(503)) for _ in range(4)))
    assert sorted(outcome.repeated for outcome in outcomes) == [False, True, True, True]
    assert await effects(shop, 503) == (1, 1, False)


async def test_replies_lost_in_a_crash_after_the_commit_are_sent_by_the_redelivery(
    pipeline: Pipeline, services: Services, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    nlu.say(UNSUBSCRIBE, "unsubscribe")
    first = await pipeline.handle(message(504))  # committed; the process dies before sending the replies
    soon = await pipeline.handle(message(504))
    assert soon.in_flight and not soon.replies  # the first delivery may still be sending: not twice

    later = replace(services, clock=lambda: NOW + services.resend_after + timedelta(seconds=1))
    resent = await Pipeline(later).handle(message(504))
    assert resent.repeated and [reply.text for reply in resent.replies] == [reply.text for reply in first.replies]
    assert resent.replies[0].buttons == first.replies[0].buttons
    assert await effects(shop, 504) == (1, 1, False)  # sent again, done once

    await pipeline.mark_answered(504)
    answered = await Pipeline(later).handle(message(504))
    assert answered.repeated and not answered.replies and not answered.in_flight
    async with shop() as session:
        claim = await session.get(ProcessedUpdate, 504)
        assert claim is not None and claim.outcome is None  # the stored replies are forgotten once sent
