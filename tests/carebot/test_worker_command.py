"""`carebot worker --run JOB`: one job now, once; a failure is an exit status and one line, not a retry loop."""

from __future__ import annotations

from datetime import datetime

import pytest
from typer.testing import CliRunner

from carebot.cli import app
from carebot.commands import worker
from jobs.scheduler import ScheduledJob
from storage.engine import SessionFactory


def test_run_one_job_now(cli: CliRunner) -> None:
    result = cli.invoke(app, ["worker", "--run", "recompute_segments"])
    assert result.exit_code == 0, result.output


def test_a_failing_job_run_by_hand_fails_at_once(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[datetime] = []

    async def broken(now: datetime) -> None:
        runs.append(now)
        raise RuntimeError("database went away")

    def jobs(session_factory: SessionFactory) -> list[ScheduledJob]:
        return [ScheduledJob("broken", "0 4 * * *", broken)]

    monkeypatch.setattr(worker, "loyalty_jobs", jobs)
    monkeypatch.setattr(worker, "outreach_jobs", lambda *args, **kwargs: [])
    result = cli.invoke(app, ["worker", "--run", "broken"])
    assert result.exit_code == 1 and len(runs) == 1
    assert result.stderr.endswith("error: job broken failed (the log above says why)\n")


@pytest.mark.parametrize("job", ["care_greetings", "reengagement", "service_reminders", "outreach_tick"])
def test_the_care_jobs_run_on_an_operators_empty_database(cli: CliRunner, job: str) -> None:
    result = cli.invoke(app, ["worker", "--run", job])
    assert result.exit_code == 0, result.output
