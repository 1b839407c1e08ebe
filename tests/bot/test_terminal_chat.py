"""`carebot chat` as a newcomer runs it: a subprocess on a fresh SQLite file, messages piped in, no NLU server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def carebot(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
        "REDIS_URL": "memory://",
        "NLU_URL": "http://127.0.0.1:9",  # nothing listens there: degraded, keyword understanding
        "NLU_TIMEOUT_SECONDS": "0.2",
        "PYTHONIOENCODING": "utf-8",
    }
    return subprocess.run(
        [sys.executable, "-m", "carebot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,  # no .env from the checkout
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def conversation(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    lines = [
        "/start",
        "I want to make a complaint",  # keyword router: complaint
        "1",  # first category button: product quality
        "The lid of my thermos leaks 🫖",
        "no order",
        "1",  # confirm
        "unsubscribe",
        "/points",
        "99",  # no such option: read as text, answered with the menu
    ]
    result = carebot(tmp_path, "chat", "--user", "5001", "--name", "Ann", "--lang", "en", stdin="\n".join(lines))
    assert result.returncode == 0, result.stderr
    return result


def test_piped_conversation_prints_replies_and_numbered_buttons(
    conversation: subprocess.CompletedProcess[str],
) -> None:
    out = conversation.stdout
    assert "  [1] Product quality" in out
    assert "Your complaint is recorded as ticket #1" in out
    assert "(to the staff group, ticket)" in out
    assert "Your points balance is 0." in out
    assert "carebot seed-demo" in conversation.stderr  # an empty shop is said, not filled behind the user's back
    assert conversation.stderr.count("NLU server not reachable") == 1
    assert "NLU request failed" not in conversation.stderr  # said once, not per message


def test_outcome_can_be_checked_with_the_other_commands(
    conversation: subprocess.CompletedProcess[str], tmp_path: Path
) -> None:
    listed = carebot(tmp_path, "tickets", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    [ticket] = json.loads(listed.stdout)
    assert (ticket["category"], ticket["description"], ticket["order_ref"], ticket["status"]) == (
        "quality",
        "The lid of my thermos leaks 🫖",
        None,
        "open",
    )
    shown = carebot(tmp_path, "customers", "show", str(ticket["customer_id"]), "--json")
    assert shown.returncode == 0, shown.stderr
    customer = json.loads(shown.stdout)
    assert customer["marketing_consent"] is False
