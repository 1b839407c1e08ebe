"""`carebot privacy erase`: confirmation required, the handoff closed and its reason erased, and the staff
topics left for the bot to delete at its next start (this process cannot reach Telegram)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carebot.cli import app


def test_erase_closes_the_handoff_and_says_what_the_bot_still_deletes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["seed-demo"]).exit_code == 0
    with sqlite3.connect(database) as connection:
        (customer_id,) = connection.execute("SELECT id FROM customers WHERE external_id = 'C1001'").fetchone()
        connection.execute(
            "INSERT INTO handoffs (customer_id, staff_topic_id, status, reason, priority, opened_at) "
            "SELECT id, 99, 'waiting', '我要找人工 reason-secret', 3, '2026-11-01 00:00:00.000000' "
            "FROM customers WHERE external_id = 'C1001'"
        )

    unconfirmed = runner.invoke(app, ["privacy", "erase", "C1001"])
    assert unconfirmed.exit_code == 2 and "--yes" in unconfirmed.stderr
    erased = runner.invoke(app, ["privacy", "erase", "C1001", "--yes"])
    assert erased.exit_code == 0, erased.output
    assert erased.stdout.splitlines() == [
        "erased",
        "1 staff-group topic(s) will be deleted by the bot when it next starts",
    ]
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT status, reason, staff_topic_id FROM handoffs").fetchall()
    assert rows == [("closed", "", 99)], "closed and erased; the topic id waits for the bot"
    gone = runner.invoke(app, ["privacy", "erase", "C1001", "--yes"])
    assert gone.exit_code == 1 and "no customer" in gone.stderr, "the external id went with the personal data"
    again = runner.invoke(app, ["privacy", "erase", str(customer_id), "--yes"])
    assert again.stdout.strip() == "already erased: nothing to do"
