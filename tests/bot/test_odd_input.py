"""What must never reach the customer as a crash: failures inside the pipeline, odd text; and the turn log."""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy import func, select

from bot.conversation import Incoming, TurnFailed
from bot.pipeline import Pipeline
from bot.terminal import TerminalChat
from nlu.client import NluResult
from runtime.services import Services
from storage.engine import SessionFactory
from storage.models import Customer, MessageLog
from tests.bot.conftest import Chat
from tests.support.fake_nlu import ScriptedNlu

SECRET = "我的手机是13800138000"


class BrokenNlu(ScriptedNlu):
    async def parse(self, text: str) -> NluResult:
        raise RuntimeError(f"could not parse {text!r}")  # an error message that quotes the customer


async def test_an_unexpected_error_rolls_back_and_carries_the_apology(
    pipeline: Pipeline, services: Services, shop: SessionFactory
) -> None:
    services.nlu = BrokenNlu()
    with pytest.raises(TurnFailed) as failed:
        await pipeline.handle(Incoming(user_id=9, chat_id=9, kind="text", update_id=31337, text=SECRET))
    assert "抱歉" in failed.value.apology.text and failed.value.update_id == 31337
    assert isinstance(failed.value.__cause__, RuntimeError)
    async with shop() as session:  # the whole update was rolled back: nothing half-written
        assert await session.scalar(select(func.count()).select_from(Customer)) == 0
        assert await session.scalar(select(func.count()).select_from(MessageLog)) == 0


async def test_the_apology_is_in_the_language_of_the_message(pipeline: Pipeline, services: Services) -> None:
    services.nlu = BrokenNlu()
    with pytest.raises(TurnFailed) as failed:
        await pipeline.handle(Incoming(user_id=9, chat_id=9, kind="text", text="where is my parcel"))
    assert "Sorry" in failed.value.apology.text


async def test_the_terminal_edge_apologises_and_logs_without_the_text(
    pipeline: Pipeline, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    services.nlu = BrokenNlu()
    output = io.StringIO()
    chat = TerminalChat(pipeline, user_id=9, name="Amy", language_code="zh", output=output)
    with caplog.at_level(logging.ERROR):
        await chat.run([SECRET], interactive=False)
    assert "抱歉" in output.getvalue()
    assert "RuntimeError" in caplog.text and "parse" in caplog.text  # the type and the stack: enough to find it
    assert "13800138000" not in caplog.text and "手机" not in caplog.text


async def test_a_turn_is_logged_in_and_out(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("我的积分", "check_points", confidence=0.91)
    outcome = await chat.say("我的积分")
    async with shop() as session:
        rows = (await session.scalars(select(MessageLog).order_by(MessageLog.id))).all()
    incoming, *outgoing = rows
    assert (incoming.direction, incoming.text, incoming.intent, incoming.handler) == (
        "in",
        "我的积分",
        "check_points",
        "intent.check_points",
    )
    assert incoming.confidence == pytest.approx(0.91) and incoming.latency_ms is not None
    assert incoming.update_id is not None
    assert [row.text for row in outgoing] == [reply.text for reply in outcome.replies]
    assert {row.direction for row in outgoing} == {"out"}


async def test_a_10000_character_message_is_answered_and_stored_capped(chat: Chat, shop: SessionFactory) -> None:
    outcome = await chat.say("投诉" * 5000)
    assert outcome.replies
    async with shop() as session:
        stored = await session.scalar(select(MessageLog.text).where(MessageLog.direction == "in"))
    assert stored is not None and 0 < len(stored) <= 4000


async def test_emoji_only_keeps_the_conversation_language(chat: Chat, nlu: ScriptedNlu) -> None:
    nlu.say("hello", "greet")
    await chat.say("hello")
    outcome = await chat.say("👍👍🎉")
    assert outcome.language == "en" and outcome.replies


async def test_control_characters_never_reach_the_log_or_the_nlu(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    await chat.say("\x1b\x00hi\u202e\x7f\x07")  # escape, NUL, right-to-left override, DEL, bell
    assert nlu.parsed == ["hi"]
    async with shop() as session:
        assert await session.scalar(select(MessageLog.text).where(MessageLog.direction == "in")) == "hi"


@pytest.mark.parametrize("command", ["drop", "start@OtherBot", ""])
async def test_unknown_commands_get_the_menu(chat: Chat, command: str) -> None:
    outcome = await chat.command(command)
    assert outcome.replies and chat.buttons


async def test_an_unsure_model_offers_the_keyword_hint_first(chat: Chat) -> None:
    await chat.say("我想投诉一下这个事情吧")  # the scripted model is unsure of anything it does not know
    assert [button.data for button in chat.buttons][:2] == ["v1:intent:complaint", "v1:intent:check_points"]
