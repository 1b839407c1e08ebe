"""`carebot care`: a dry run shows the audience and a sample without writing, a run plans once, the report
shows the uplift; bad input is refused in words."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from carebot.cli import app
from carebot.commands import care
from storage import migrate
from storage.engine import create_engine, create_session_factory
from storage.models import Delivery
from tests.support.care import NOW, care_customer, earn
from tests.support.loyalty import make_reward


async def _shop(url: str) -> None:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            await make_reward(session, code="CPN20", cost=200)
            fang = await care_customer(session, user_id=1, name="王芳")
            await earn(session, fang, 260, expires_in_days=10, key="f")
            await care_customer(session, user_id=2, name="Tom", language="en")
            await care_customer(session, user_id=3, name="Active", seen_days_ago=2)
    finally:
        await engine.dispose()


async def _ledger(url: str, *, mark_sent: bool = False) -> int:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            if mark_sent:
                await session.execute(update(Delivery).values(status="sent", sent_at=NOW))
            return int(await session.scalar(select(func.count()).select_from(Delivery)) or 0)
    finally:
        await engine.dispose()


@pytest.fixture
def cli(cli_database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    migrate.upgrade(cli_database_url)
    asyncio.run(_shop(cli_database_url))
    monkeypatch.setattr(care, "_now", lambda: NOW)
    monkeypatch.setenv("REENGAGEMENT_HOLDOUT_PERCENT", "0")
    return CliRunner()


def test_dry_run_shows_the_audience_and_samples_and_writes_nothing(cli: CliRunner, cli_database_url: str) -> None:
    result = cli.invoke(app, ["care", "reengagement", "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "reengagement:2026-12-02: 2 customers, 0% held out"
    assert lines[1].startswith("sample (zh): 王芳，好久不见") and "其中 260 积分将于12月12日到期" in lines[1]
    assert lines[2].startswith("sample (en): Hi Tom,") and "200 more points" in lines[2]
    assert asyncio.run(_ledger(cli_database_url)) == 0


def test_a_run_plans_once_and_its_report_shows_the_uplift(cli: CliRunner, cli_database_url: str) -> None:
    first = cli.invoke(app, ["care", "reengagement"])
    assert first.exit_code == 0, first.output
    assert first.stdout == "reengagement:2026-12-02: 2 planned, 0 held out\n"
    again = cli.invoke(app, ["care", "reengagement"])
    assert again.stdout == "reengagement:2026-12-02: 0 planned, 0 held out\n"
    assert asyncio.run(_ledger(cli_database_url, mark_sent=True)) == 2
    report = cli.invoke(app, ["care", "report", "reengagement:2026-12-02"])
    assert report.exit_code == 0, report.output
    assert report.stdout.splitlines()[0] == "reengagement:2026-12-02: 2 targeted"
    assert "returned within 7 days: messaged 0.0%, hold-out n/a; uplift n/a" in report.stdout
    figures = json.loads(cli.invoke(app, ["care", "report", "reengagement:2026-12-02", "--json"]).stdout)
    assert figures["statuses"] == {"sent": 2} and figures["uplift"] is None


def test_reminders_are_planned_from_the_command_line(cli: CliRunner) -> None:
    result = cli.invoke(app, ["care", "reminders"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "1 expiry reminders, 0 tier congratulations planned\n"


def test_bad_input_is_refused_in_words(cli: CliRunner) -> None:
    unknown = cli.invoke(app, ["care", "report", "reengagement:1999-01-01"])
    assert unknown.exit_code == 1 and "nothing was planned for 'reengagement:1999-01-01'" in unknown.output
    bad = cli.invoke(app, ["care", "reengagement", "--segment-days", "gold=3"])
    assert bad.exit_code == 2 and "unknown segment 'gold'" in bad.output
