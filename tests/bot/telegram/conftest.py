"""Fixtures for the Telegram transport tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta durations, as `carebot bot` does, so 429 handling raises no deprecation warning."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
