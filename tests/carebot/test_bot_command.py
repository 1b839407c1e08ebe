"""`carebot bot`: refuses to start without a token or, in webhook mode, without URL and secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from carebot.cli import app


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("TELEGRAM_BOT_TOKEN", "WEBHOOK_URL", "WEBHOOK_SECRET", "CAREBOT_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_missing_token_names_the_variable_and_points_to_chat() -> None:
    result = CliRunner().invoke(app, ["bot"])

    assert result.exit_code == 2
    assert "TELEGRAM_BOT_TOKEN" in result.output
    assert "carebot chat" in result.output


def test_webhook_mode_needs_url_and_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")

    result = CliRunner().invoke(app, ["bot", "--webhook"])

    assert result.exit_code == 2
    assert "WEBHOOK_URL" in result.output and "WEBHOOK_SECRET" in result.output
