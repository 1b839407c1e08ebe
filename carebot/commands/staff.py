"""`carebot staff add|list|remove|password`: who may act in the staff group and log in to the console, and
the name customers see them by."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

import typer

from actions.errors import DomainError
from actions.staff import add_staff, list_staff, remove_staff
from actions.staff_passwords import one_time_password, set_password
from carebot.context import command_session, run, settings_of
from storage.models import STAFF_ROLES, Staff

T = TypeVar("T")

staff_app = typer.Typer(help="Staff: who may answer customers in the staff group, under which name.")


@staff_app.command("add")
def add_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="the name customers see before each reply (unique)"),
    role: str = typer.Option(..., "--role", help=f"one of {', '.join(STAFF_ROLES)}"),
    telegram_id: int | None = typer.Option(
        None, "--telegram-id", help="their Telegram user id: needed to act in the staff group"
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="read their console password from standard input instead of printing one"
    ),
) -> None:
    """Register a staff member (a removed one with the same Telegram id comes back) with a console password:
    a one-time password is printed unless --password-stdin gives one."""
    settings = settings_of(ctx)
    password, generated = _password(password_stdin)

    async def body() -> tuple[dict[str, Any], bool]:
        async with command_session(settings) as session:
            now = datetime.now(UTC)
            member, created = await add_staff(
                session=session, name=name, role=role, telegram_user_id=telegram_id, actor=_actor(), now=now
            )
            await set_password(session=session, key=str(member.id), password=password, actor=_actor(), now=now)
            return _as_dict(member), created

    row, created = _run_domain(body())
    typer.echo(f"{'added' if created else 're-activated'} staff {_line(row)}")
    if row["telegram_user_id"] is None:
        typer.echo("note: without --telegram-id they cannot act in the staff group")
    _show_password(row, password, generated)


@staff_app.command("password")
def password_command(
    ctx: typer.Context,
    key: str = typer.Argument(..., metavar="ID|NAME", help="internal staff id or name"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="read the new password from standard input instead of printing one"
    ),
) -> None:
    """Give a staff member a new console password (their open console sessions end)."""
    settings = settings_of(ctx)
    password, generated = _password(password_stdin)

    async def body() -> dict[str, Any]:
        async with command_session(settings) as session:
            member = await set_password(
                session=session, key=key, password=password, actor=_actor(), now=datetime.now(UTC)
            )
            return _as_dict(member)

    row = _run_domain(body())
    typer.echo(f"new console password for staff {_line(row)}")
    _show_password(row, password, generated)


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The password to set: the first line of standard input, or a fresh one-time password (True)."""
    if not from_stdin:
        return one_time_password(), True
    return sys.stdin.readline().rstrip("\r\n"), False


def _show_password(row: dict[str, Any], password: str, generated: bool) -> None:
    if generated:
        typer.echo(f"console password for {row['name']} (shown once, hand it over privately): {password}")


@staff_app.command("list")
def list_command(
    ctx: typer.Context,
    include_removed: bool = typer.Option(False, "--all", help="also list removed staff"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """List staff by name."""
    settings = settings_of(ctx)

    async def body() -> list[dict[str, Any]]:
        async with command_session(settings) as session:
            return [_as_dict(member) for member in await list_staff(session=session, include_removed=include_removed)]

    rows = run(body())
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo("no staff registered yet: carebot staff add NAME --role agent --telegram-id ID")
        return
    for row in rows:
        typer.echo(_line(row))


@staff_app.command("remove")
def remove_command(
    ctx: typer.Context, key: str = typer.Argument(..., metavar="ID|NAME", help="internal staff id or name")
) -> None:
    """Remove a staff member: they can no longer act in the staff group (the record stays, deactivated)."""
    settings = settings_of(ctx)

    async def body() -> tuple[dict[str, Any], bool]:
        async with command_session(settings) as session:
            member, changed = await remove_staff(session=session, key=key, actor=_actor(), now=datetime.now(UTC))
            return _as_dict(member), changed

    row, changed = _run_domain(body())
    typer.echo(f"{'removed' if changed else 'already removed:'} staff {_line(row)}")


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _run_domain(body: Coroutine[Any, Any, T]) -> T:
    """A rule saying no (unknown role, a Telegram id or name already taken) is one line, not a traceback."""
    try:
        return run(body)
    except DomainError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


def _line(row: dict[str, Any]) -> str:
    telegram = row["telegram_user_id"] if row["telegram_user_id"] is not None else "-"
    status = "active" if row["active"] else "removed"
    return f"#{row['id']:<4} {row['name']:<20} {row['role']:<10} telegram {telegram:<12} {status}"


def _as_dict(member: Staff) -> dict[str, Any]:
    return {
        "id": member.id,
        "name": member.name,
        "role": member.role,
        "telegram_user_id": member.telegram_user_id,
        "active": member.active,
        "created_at": member.created_at.isoformat(),
    }


def register(app: typer.Typer) -> None:
    app.add_typer(staff_app, name="staff")
