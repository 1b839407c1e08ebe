"""Pytest fixtures around the fake Bot API; a conftest enables them with a plain import.

    from tests.support.fixtures import fake_bot_api_fixture, fake_bot_fixture, ptb_timedelta_fixture  # noqa: F401

They are then requested by their names: `fake_bot_api`, `fake_bot`, `ptb_timedelta`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from tests.support.fake_bot_api import FakeBotApi


@pytest.fixture(name="ptb_timedelta")
def ptb_timedelta_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta durations; without it a 429 raises PTBDeprecationWarning (an error here)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture(name="fake_bot_api")
async def fake_bot_api_fixture() -> AsyncIterator[FakeBotApi]:
    """A running fake Bot API server for one test."""
    async with FakeBotApi() as api:
        yield api


@pytest.fixture(name="fake_bot")
async def fake_bot_fixture(fake_bot_api: FakeBotApi) -> AsyncIterator[Bot]:
    """An initialized `telegram.Bot` talking to the fake."""
    async with Bot(fake_bot_api.token, base_url=fake_bot_api.base_url) as bot:
        yield bot
