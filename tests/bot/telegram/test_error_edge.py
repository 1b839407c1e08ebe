"""The bot's one error edge: an unexpected failure is an apology in the chat and a redacted log line."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest

from bot.telegram.app import build_application, running
from nlu.client import NluResult
from runtime.services import Services, open_services
from runtime.settings import Settings
from storage.engine import SessionFactory
from tests.bot.telegram.conftest import ZH_CUSTOMER
from tests.bot.telegram.harness import Conversation, UpdateTracker, texts
from tests.support.fake_bot_api import FakeBotApi
from tests.support.fake_nlu import ScriptedNlu

SECRET = "我的手机是13800138000"


class BrokenNlu(ScriptedNlu):
    async def parse(self, text: str) -> NluResult:
        raise RuntimeError(f"could not parse {text!r}")  # a message that quotes the customer


def with_broken_nlu(settings: Settings) -> AbstractAsyncContextManager[Services]:
    return open_services(settings, nlu=BrokenNlu())


async def test_a_failed_update_is_answered_with_an_apology_and_logged_without_the_text(
    fake_bot_api: FakeBotApi,
    make_settings: Callable[..., Settings],
    shop: SessionFactory,
    stopped_nlu_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = make_settings(fake_bot_api, nlu_url=stopped_nlu_url)
    application = build_application(settings, services_factory=with_broken_nlu)
    tracker = UpdateTracker()
    tracker.install(application)
    async with running(application, polling=True, poll_timeout=5):
        with caplog.at_level(logging.ERROR):
            replies = await Conversation(fake_bot_api, tracker, ZH_CUSTOMER, "zh").say(SECRET)

    assert "抱歉" in texts(replies)
    assert "failed with RuntimeError" in caplog.text
    assert "13800138000" not in caplog.text and "手机" not in caplog.text
