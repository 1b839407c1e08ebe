"""CLI fixtures: a command line on its own SQLite file, run from an empty folder (no stray .env)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner


@pytest.fixture
def cli_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """DATABASE_URL for the commands of one test: a SQLite file nobody migrated yet."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return url


@pytest.fixture
def cli(cli_database_url: str) -> CliRunner:
    return CliRunner()
