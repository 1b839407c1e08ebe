"""`carebot tickets list`: most urgent first, filtered by status, as a table or JSON; bad status refused."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from actions import tickets
from carebot.cli import app
from storage import migrate
from storage.engine import create_engine, create_session_factory
from tests.support.loyalty import NOW, make_customer


async def _two_tickets(url: str) -> None:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            basic = await make_customer(session, tier_code="basic")
            vip = await make_customer(session, name="VIP", tier_code="gold")
            await tickets.create_ticket(
                session=session, customer_id=basic.id, category="delivery", description="late", order_ref=None, now=NOW
            )
            await tickets.create_ticket(
                session=session, customer_id=vip.id, category="quality", description="broken", order_ref="SO-1", now=NOW
            )
            await tickets.record_feedback(session=session, customer_id=basic.id, text="nice staff", now=NOW)
    finally:
        await engine.dispose()


@pytest.fixture
def cli(cli_database_url: str) -> CliRunner:
    migrate.upgrade(cli_database_url)
    asyncio.run(_two_tickets(cli_database_url))
    return CliRunner()


def test_json_most_urgent_first(cli: CliRunner) -> None:
    result = cli.invoke(app, ["tickets", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(row["description"], row["priority"]) for row in rows] == [("broken", 1), ("late", 3), ("nice staff", 5)]


def test_status_filter_and_table(cli: CliRunner) -> None:
    result = cli.invoke(app, ["tickets", "list", "--status", "open"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2 and "broken" in lines[0] and "P1" in lines[0]


def test_unknown_status_is_refused(cli: CliRunner) -> None:
    result = cli.invoke(app, ["tickets", "list", "--status", "nonsense"])
    assert result.exit_code != 0
    assert "open" in result.output


def test_times_are_shown_in_the_shops_time_zone(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = json.loads(cli.invoke(app, ["tickets", "list", "--json"]).stdout)
    due = datetime.fromisoformat(rows[0]["sla_due_at"])
    for zone in ("Asia/Shanghai", "Europe/London"):
        monkeypatch.setenv("TIMEZONE", zone)
        first = cli.invoke(app, ["tickets", "list"]).stdout.splitlines()[0]
        assert f"due {due.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M %Z}" in first


def test_an_empty_list_says_so(cli: CliRunner) -> None:
    result = cli.invoke(app, ["tickets", "list", "--status", "closed"])
    assert result.exit_code == 0 and result.stdout == "no closed tickets\n"
