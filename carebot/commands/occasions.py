"""`carebot occasions list|generate|edit`: the festival greetings of the next years, as the shop wants them."""

from __future__ import annotations

import getpass
import json
from collections.abc import Coroutine
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import typer

from actions.errors import DomainError
from actions.occasions import edit_occasion, list_occasions, sync_occasions
from actions.outreach_guards import QuietHours
from carebot.context import command_session, run, settings_of
from storage.models import Occasion

T = TypeVar("T")

occasions_app = typer.Typer(
    help="Occasions: festival greetings per year (dates, texts in zh and en, local send hour, on/off)."
)
DEFAULT_YEARS = 5


@occasions_app.command("list")
def list_command(
    ctx: typer.Context,
    year: int | None = typer.Option(None, "--year", help="only this year"),
    as_json: bool = typer.Option(False, "--json", help="print JSON (with the texts) instead of a table"),
) -> None:
    """The occasions by date: year, code, date, local send hour, audience, on/off and name."""
    settings = settings_of(ctx)

    async def body() -> list[dict[str, Any]]:
        async with command_session(settings) as session:
            return [_as_dict(item) for item in await list_occasions(session, year=year)]

    rows = run(body())
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        where = f" for {year}" if year is not None else ""
        typer.echo(f"no occasions{where} yet: carebot occasions generate --years {year or 'FIRST-LAST'}")
        return
    for row in rows:
        typer.echo(_line(row))


@occasions_app.command("generate")
def generate_command(
    ctx: typer.Context,
    years: str = typer.Option(
        "", "--years", metavar="FIRST-LAST", help="a year or a range, e.g. 2027-2030 (default: this year and 4 more)"
    ),
) -> None:
    """Add the festivals of these years that are missing; occasions already there (and the shop's edits to
    them) are kept as they are."""
    settings = settings_of(ctx)
    wanted = _years(years, zone=ZoneInfo(settings.care.timezone))

    async def body() -> int:
        async with command_session(settings) as session:
            return await sync_occasions(session, years=wanted)

    added = _run_domain(body())
    span = f"{wanted[0]}-{wanted[-1]}" if len(wanted) > 1 else str(wanted[0])
    typer.echo(f"added {added} occasions for {span}" + ("" if added else " (all there already, edits kept)"))


@occasions_app.command("edit")
def edit_command(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="e.g. mid_autumn, spring_festival, christmas (see `occasions list`)"),
    year: int = typer.Argument(...),
    on_date: str | None = typer.Option(None, "--date", metavar="YYYY-MM-DD", help="move it to this day"),
    text_zh: str | None = typer.Option(None, "--text-zh", help="Chinese greeting; {name}, {points}, {tier} allowed"),
    text_en: str | None = typer.Option(None, "--text-en", help="English greeting; {name}, {points}, {tier} allowed"),
    hour: int | None = typer.Option(None, "--hour", help="local hour (0-23) in each customer's time zone"),
    audience: str | None = typer.Option(None, "--audience", help="zh, en or all: customers greeted by language"),
    active: bool | None = typer.Option(None, "--on/--off", help="switch the greeting on or off"),
) -> None:
    """Change one occasion of one year; greetings planned but not yet sent are planned again with the change."""
    settings = settings_of(ctx)
    new_date = _date(on_date) if on_date is not None else None

    async def body() -> tuple[dict[str, Any], int]:
        async with command_session(settings) as session:
            edit = await edit_occasion(
                session,
                code=code,
                year=year,
                actor=f"cli:{getpass.getuser()}",
                now=datetime.now(UTC),
                on_date=new_date,
                text_zh=text_zh,
                text_en=text_en,
                send_hour=hour,
                audience_language=audience,
                active=active,
            )
            return _as_dict(edit.occasion), edit.withdrawn

    row, withdrawn = _run_domain(body())
    typer.echo(f"saved {_line(row)}")
    quiet = QuietHours.parse(settings.care.quiet_hours)
    if quiet.contains(datetime(2000, 1, 1, row["send_hour"])):
        typer.echo(
            f"note: {row['send_hour']:02d}:00 is within quiet hours ({settings.care.quiet_hours}): greetings wait "
            f"until {quiet.end:02d}:00 and are dropped if that is more than {settings.outreach.greeting_late_hours} "
            "hours late (GREETING_LATE_HOURS)"
        )
    if withdrawn:
        typer.echo(f"{withdrawn} greetings planned but not yet sent will be planned again with the change")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"expected a date like 2027-09-15, not {text!r}", param_hint="--date") from None


def _years(text: str, *, zone: ZoneInfo) -> list[int]:
    if not text:
        first = datetime.now(zone).year
        return list(range(first, first + DEFAULT_YEARS))
    first_text, _, last_text = text.partition("-")
    if not first_text.isdigit() or not (last_text or first_text).isdigit():
        raise typer.BadParameter(f"expected a year or FIRST-LAST, e.g. 2027-2030, not {text!r}", param_hint="--years")
    first, last = int(first_text), int(last_text or first_text)
    if last < first:
        raise typer.BadParameter(f"{text!r} ends before it starts", param_hint="--years")
    return list(range(first, last + 1))


def _run_domain(body: Coroutine[Any, Any, T]) -> T:
    """A rule saying no (unknown occasion, a date in another year, a bad placeholder) is one line."""
    try:
        return run(body)
    except DomainError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


def _line(row: dict[str, Any]) -> str:
    state = "on" if row["active"] else "off"
    return (
        f"{row['year']}  {row['code']:<16} {row['date']}  {row['send_hour']:02d}:00  {row['audience_language']:<3}  "
        f"{state:<3}  {row['name_zh']} / {row['name_en']}"
    )


def _as_dict(occasion: Occasion) -> dict[str, Any]:
    return {
        "code": occasion.code,
        "year": occasion.year,
        "date": occasion.on_date.isoformat(),
        "send_hour": occasion.send_hour,
        "audience_language": occasion.audience_language,
        "active": occasion.active,
        "name_zh": occasion.name_zh,
        "name_en": occasion.name_en,
        "text_zh": occasion.text_zh,
        "text_en": occasion.text_en,
    }


def register(app: typer.Typer) -> None:
    app.add_typer(occasions_app, name="occasions")
