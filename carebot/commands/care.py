"""`carebot care reengagement|reminders|report`: plan the care messages now (the worker does it daily) and
read how a run did."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import typer

from actions import reengagement
from actions.errors import DomainError
from carebot.context import command_session, run, settings_of
from jobs import care as care_jobs
from runtime.services import open_services
from runtime.settings import Settings

care_app = typer.Typer(help="Re-engagement, points-expiry reminders and tier congratulations; their reports.")


def _now() -> datetime:
    return datetime.now(UTC)


def _inactivity(settings: Settings, segment_days: str) -> reengagement.Inactivity:
    try:
        return reengagement.Inactivity.parse(settings.outreach.reengagement_inactive_days, segment_days)
    except DomainError as error:
        raise typer.BadParameter(str(error), param_hint="--segment-days") from None


@care_app.command("reengagement")
def reengagement_command(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="show the audience and a sample text; write nothing"),
    segment_days: str = typer.Option(
        "", "--segment-days", help="days of inactivity per segment, e.g. vip=30,lapsed=120 (others: the setting)"
    ),
) -> None:
    """Plan today's re-engagement run now (customers inactive for REENGAGEMENT_INACTIVE_DAYS, with consent,
    not contacted for REENGAGEMENT_COOLDOWN_DAYS); the sending loop sends it. Running it again adds nothing."""
    settings = settings_of(ctx)
    inactivity = _inactivity(settings, segment_days)
    zone, outreach = ZoneInfo(settings.care.timezone), settings.outreach

    async def preview() -> dict[str, Any]:
        async with command_session(settings) as session:
            planned_run = reengagement.new_run(
                now=_now(),
                inactive_days=inactivity,
                cooldown_days=outreach.reengagement_cooldown_days,
                holdout_percent=outreach.reengagement_holdout_percent,
                zone=zone,
            )
            return await reengagement.preview(session, run=planned_run)

    async def plan() -> dict[str, Any]:
        async with open_services(settings) as services:
            return await care_jobs.plan_reengagement_run(
                session_factory=services.session_factory,
                now=_now(),
                settings=outreach,
                inactivity=inactivity,
                zone=zone,
            )

    if dry_run:
        figures = run(preview())
        typer.echo(f"{figures['source']}: {figures['audience']} customers, {figures['holdout_percent']}% held out")
        for language, text in figures["samples"].items():
            typer.echo(f"sample ({language}): {text}")
        return
    report = run(plan())
    typer.echo(f"{report['source']}: {report['messaged']} planned, {report['holdout']} held out")


@care_app.command("reminders")
def reminders_command(ctx: typer.Context) -> None:
    """Plan points-expiry reminders (EXPIRY_REMINDER_DAYS ahead) and tier-upgrade congratulations now."""
    settings = settings_of(ctx)

    async def plan() -> dict[str, int]:
        async with open_services(settings) as services:
            return await care_jobs.plan_service_reminders(
                session_factory=services.session_factory,
                now=_now(),
                settings=settings.outreach,
                zone=ZoneInfo(settings.care.timezone),
            )

    report = run(plan())
    typer.echo(
        f"{report['expiry_reminders']} expiry reminders, {report['tier_congratulations']} tier congratulations planned"
    )


@care_app.command("report")
def report_command(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="a run, e.g. reengagement:2026-12-02 (or expiry:2026-12, campaign:7)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Statuses, button presses, replies and the uplift: return rate within 7 days, messaged against hold-out."""
    settings = settings_of(ctx)

    async def body() -> dict[str, Any]:
        async with command_session(settings) as session:
            return await reengagement.report(session, source=source)

    figures = run(body())
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    if not figures["statuses"]:
        typer.echo(f"error: nothing was planned for {source!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{source}: {figures['targeted']} targeted")
    for status, count in sorted(figures["statuses"].items()):
        typer.echo(f"  {status:<10} {count:>8}")
    for reason, count in sorted(figures["skipped"].items()):
        typer.echo(f"  skipped: {reason:<14} {count:>8}")
    typer.echo(f"button presses: {figures['button_presses']}")
    typer.echo(f"replied within 7 days: {figures['replied_within_7_days']}")
    messaged, held = _rate(figures["return_rate_messaged"]), _rate(figures["return_rate_holdout"])
    typer.echo(f"returned within 7 days: messaged {messaged}, hold-out {held}; uplift {_points(figures['uplift'])}")


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _points(value: float | None) -> str:
    return "n/a (no hold-out or nothing sent yet)" if value is None else f"{value * 100:+.1f} percentage points"


def register(app: typer.Typer) -> None:
    app.add_typer(care_app, name="care")
