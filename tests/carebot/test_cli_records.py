"""The records commands end to end: seed-demo, customers list/show, CSV imports with bad rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carebot.cli import app

MALFORMED_ORDERS = (
    b"order_id,customer_external_id,amount,currency,ordered_at,status\n"
    b"SO-NEW-1,C1002,120.00,CNY,2026-11-01T10:00:00+08:00,paid\n"
    b"SO-NEW-2,C404,10.00,CNY,2026-11-01T10:00:00+08:00,paid\n"
    b"SO-NEW-3,C1002,-1,CNY,2026-11-01T10:00:00+08:00,paid\n"
    b"SO-NEW-4,C1002,10.00,CNY,31/02/2026,paid\n"
    b"SO-NEW-1,C1002,120.00,CNY,2026-11-01T10:00:00+08:00,paid\n"
    b"SO-NEW-\xff,C1002,10.00,CNY,2026-11-01T10:00:00+08:00,paid\n"
)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner on its own SQLite database, with the demo shop loaded."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "20 products" in result.output
    return runner


def _points(cli: CliRunner, key: str) -> int:
    result = cli.invoke(app, ["customers", "show", key, "--json"])
    assert result.exit_code == 0, result.output
    points: int = json.loads(result.stdout)["points"]
    return points


def test_show_accepts_internal_external_and_telegram_ids(cli: CliRunner) -> None:
    by_external = json.loads(cli.invoke(app, ["customers", "show", "C1002", "--json"]).stdout)
    by_telegram = json.loads(cli.invoke(app, ["customers", "show", "910002", "--json"]).stdout)
    by_internal = json.loads(cli.invoke(app, ["customers", "show", str(by_external["id"]), "--json"]).stdout)
    assert by_external["name"] == by_telegram["name"] == by_internal["name"] == "Li Lei"
    missing = cli.invoke(app, ["customers", "show", "nobody"])
    assert missing.exit_code == 1
    assert "no customer" in missing.stderr


def test_list_as_json(cli: CliRunner) -> None:
    rows = json.loads(cli.invoke(app, ["customers", "list", "--json"]).stdout)
    assert [row["external_id"] for row in rows] == ["C1001", "C1002", "C1003", "C1004"]


def test_malformed_orders_import_good_rows_and_report_every_bad_line(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(MALFORMED_ORDERS)
    before = _points(cli, "C1002")

    dry = cli.invoke(app, ["import", "orders", str(path), "--dry-run"])
    assert dry.exit_code == 1
    assert "dry run" in dry.stdout
    assert _points(cli, "C1002") == before

    result = cli.invoke(app, ["import", "orders", str(path)])
    assert result.exit_code == 1
    assert "1 created" in result.stdout
    for line in (3, 4, 5, 6, 7):
        assert f"line {line}:" in result.stderr
    assert "line 2:" not in result.stderr
    assert _points(cli, "C1002") == before + 120

    again = cli.invoke(app, ["import", "orders", str(path)])
    assert "0 created, 0 updated, 1 unchanged" in again.stdout
    assert _points(cli, "C1002") == before + 120


def test_file_without_required_columns_is_refused_whole(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("name,phone\nA,+86138\n")
    result = cli.invoke(app, ["import", "customers", str(path)])
    assert result.exit_code == 2
    assert "missing column(s): external_id" in result.stderr


def test_seed_demo_twice_records_no_order_twice(cli: CliRunner) -> None:
    before = _points(cli, "C1001")
    again = cli.invoke(app, ["seed-demo"])
    assert "0 new orders" in again.output
    assert _points(cli, "C1001") == before


def test_show_prints_orders_tickets_and_turns_as_rows(cli: CliRunner) -> None:
    result = cli.invoke(app, ["customers", "show", "C1001"])
    assert result.exit_code == 0, result.output
    assert "{" not in result.stdout and "[" not in result.stdout  # no Python dicts or lists
    lines = result.stdout.splitlines()
    orders = lines.index("last orders:")
    assert "CNY" in lines[orders + 1] and "CST" in lines[orders + 1]  # TIMEZONE defaults to Asia/Shanghai
    assert any(line.startswith(("open tickets:", "last turns:")) for line in lines)


def test_a_domain_error_is_worded_for_people(cli: CliRunner) -> None:
    result = cli.invoke(app, ["points", "adjust", "C1001", "-999999", "--reason", "typo"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: not enough points: 999999 needed, the balance is ")
    assert "InsufficientPoints" not in result.stderr and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not text"),
        (b"external_id;name\nC9;Wang\n", "separated by semicolons"),
    ],
)
def test_a_file_that_is_no_csv_is_one_line(cli: CliRunner, tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(content)
    result = cli.invoke(app, ["import", "customers", str(path)])
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert expected in result.stderr and "comma-separated" in result.stderr


def test_an_oversized_field_is_a_numbered_line_not_an_abort(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(b"external_id,name\nC9,Ann\nC10," + b"x" * 1024 * 1024 + b"\nC11,Bo\n")
    result = cli.invoke(app, ["import", "customers", str(path)])
    assert result.exit_code == 1
    assert "2 created" in result.stdout
    assert result.stderr.startswith("line 3: field too long")
