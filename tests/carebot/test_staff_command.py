"""`carebot staff add|list|remove|password`: register, list (table or JSON), deactivate; mistakes are one line."""

from __future__ import annotations

import asyncio
import json

import pytest
from typer.testing import CliRunner

from actions.staff_passwords import authenticate
from carebot.cli import app
from runtime.services import open_services
from runtime.settings import load_settings
from storage import migrate


@pytest.fixture
def cli(cli_database_url: str) -> CliRunner:
    migrate.upgrade(cli_database_url)
    return CliRunner()


def _listed(cli: CliRunner, *options: str) -> list[dict[str, object]]:
    result = cli.invoke(app, ["staff", "list", "--json", *options])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.output)
    return rows


def test_add_list_remove(cli: CliRunner) -> None:
    assert cli.invoke(app, ["staff", "list"]).stdout.startswith("no staff registered yet")

    added = cli.invoke(app, ["staff", "add", "Amy", "--role", "agent", "--telegram-id", "501"])
    assert added.exit_code == 0, added.output
    assert added.output.startswith("added staff #1") and "Amy" in added.output and "501" in added.output
    marketer = cli.invoke(app, ["staff", "add", "Mia", "--role", "marketer"])
    assert marketer.exit_code == 0 and "cannot act in the staff group" in marketer.output

    table = cli.invoke(app, ["staff", "list"])
    assert table.exit_code == 0 and len(table.output.splitlines()) == 2 and "active" in table.output
    assert [(row["name"], row["role"], row["telegram_user_id"]) for row in _listed(cli)] == [
        ("Amy", "agent", 501),
        ("Mia", "marketer", None),
    ]

    removed = cli.invoke(app, ["staff", "remove", "Amy"])
    assert removed.exit_code == 0 and removed.output.startswith("removed staff #1")
    assert cli.invoke(app, ["staff", "remove", "1"]).output.startswith("already removed")
    assert [row["name"] for row in _listed(cli)] == ["Mia"]
    assert [(row["name"], row["active"]) for row in _listed(cli, "--all")] == [("Amy", False), ("Mia", True)]

    back = cli.invoke(app, ["staff", "add", "Amy", "--role", "supervisor", "--telegram-id", "501"])
    assert back.exit_code == 0 and back.output.startswith("re-activated staff #1")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["staff", "add", "Bob", "--role", "boss"], "error: unknown role 'boss': expected one of agent, supervisor"),
        (["staff", "add", "Bob", "--role", "agent", "--telegram-id", "501"], "error: Telegram id 501 is already"),
        (["staff", "add", "amy", "--role", "agent"], "error: the name 'amy' is taken by staff #1"),
        (["staff", "add", "Bob", "--role", "agent", "--telegram-id", "-5"], "error: -5 is not a Telegram user id"),
        (["staff", "remove", "Zoe"], "error: no staff member with id or name 'Zoe'"),
    ],
)
def test_mistakes_are_one_line(cli: CliRunner, arguments: list[str], message: str) -> None:
    assert cli.invoke(app, ["staff", "add", "Amy", "--role", "agent", "--telegram-id", "501"]).exit_code == 0

    result = cli.invoke(app, arguments)

    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [result.output.strip()] and result.output.startswith(message)
    assert [row["name"] for row in _listed(cli)] == ["Amy"]


def test_add_prints_a_one_time_password_that_logs_in_and_password_replaces_it(cli: CliRunner) -> None:
    added = cli.invoke(app, ["staff", "add", "Amy", "--role", "agent"])
    assert added.exit_code == 0, added.output
    first = added.output.strip().splitlines()[-1]
    assert first.startswith("console password for Amy (shown once")
    old_password = first.rsplit(" ", 1)[1]

    chosen = cli.invoke(app, ["staff", "password", "amy", "--password-stdin"], input="a long passphrase\n")
    assert chosen.exit_code == 0, chosen.output
    assert chosen.output.startswith("new console password for staff #1") and "passphrase" not in chosen.output
    assert _logs_in("Amy", "a long passphrase") and not _logs_in("Amy", old_password)

    short = cli.invoke(app, ["staff", "add", "Bob", "--role", "agent", "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and short.output.startswith("error: a console password is 10 to 256 characters")
    assert [row["name"] for row in _listed(cli)] == ["Amy"]  # refused whole: Bob was not added


def _logs_in(name: str, password: str) -> bool:
    async def check() -> bool:
        async with open_services(load_settings()) as services, services.session_factory() as session:
            return await authenticate(session=session, name=name, password=password) is not None

    return asyncio.run(check())
