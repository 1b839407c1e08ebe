"""`carebot points|privacy|segments|tiers`: loyalty work for staff from the command line."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from actions.customers import find_customer
from actions.errors import DomainError
from actions.points import adjust, balance, history
from actions.privacy import Erasure, erase_customer, export_customer_data
from actions.tiers import membership_status
from carebot.context import command_session, run, settings_of
from jobs import loyalty as loyalty_jobs
from runtime.services import loyalty_rules, open_services
from runtime.settings import Settings
from storage.redis_state import forget_chat

points_app = typer.Typer(help="Points: show a customer's balance and history, staff adjustments, expiry.")
privacy_app = typer.Typer(help="Privacy requests: export or erase a customer's data.")
segments_app = typer.Typer(help="RFM segments and lifecycle stages.")
tiers_app = typer.Typer(help="Membership tiers.")

CUSTOMER = typer.Argument(..., help="internal id, the shop's external id, or the Telegram user id")
OUTPUT = typer.Option(None, "--output", "-o", help="write to this file instead of stdout")


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


async def _customer_id(session: AsyncSession, key: str) -> int:
    customer = await find_customer(session=session, key=key)
    if customer is None:
        typer.echo(f"error: no customer with id, external id or Telegram id {key!r}", err=True)
        raise typer.Exit(1)
    return customer.id


def _run_domain(body: Any) -> Any:
    """Run a command body; a business rule saying no is a one-line error in words, not a traceback."""
    try:
        return run(body)
    except DomainError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


@points_app.command("show")
def points_show(ctx: typer.Context, customer: str = CUSTOMER, limit: int = typer.Option(10, min=1, max=1000)) -> None:
    """Balance, tier and the latest ledger entries."""
    settings = settings_of(ctx)

    async def body() -> None:
        async with command_session(settings) as session:
            customer_id = await _customer_id(session, customer)
            status = await membership_status(session=session, customer_id=customer_id, now=datetime.now(UTC))
            entries = await history(session=session, customer_id=customer_id, limit=limit)
            points = await balance(session=session, customer_id=customer_id, now=datetime.now(UTC))
            typer.echo(f"customer {customer_id}: {points} points, tier {status.tier.code}")
            for entry in entries:
                typer.echo(
                    f"  {entry.created_at:%Y-%m-%d %H:%M}  {entry.delta:>+7}  → {entry.balance_after:>7}  "
                    f"{entry.reason:<14} {entry.note}"
                )

    _run_domain(body())


@points_app.command("adjust", context_settings={"ignore_unknown_options": True})
def points_adjust(
    ctx: typer.Context,
    customer: str = CUSTOMER,
    points: int = typer.Argument(..., help="points to add, negative to take away (e.g. -50)"),
    reason: str = typer.Option(..., "--reason", help="why (kept in the ledger and the audit log)"),
) -> None:
    """A staff correction of a customer's points."""
    settings = settings_of(ctx)

    async def body() -> int:
        async with command_session(settings) as session:
            entry = await adjust(
                session=session,
                customer_id=await _customer_id(session, customer),
                points=points,
                reason_note=reason,
                actor=_actor(),
                now=datetime.now(UTC),
                rules=loyalty_rules(settings),
            )
            return entry.balance_after

    typer.echo(f"adjusted by {points:+}; balance now {_run_domain(body())}")


@points_app.command("expire")
def points_expire(ctx: typer.Context) -> None:
    """Expire points that reached their expiry date (the worker runs this daily)."""
    settings = settings_of(ctx)
    typer.echo(f"{_with_factory(settings, 'expire')} earnings expired")


@privacy_app.command("export")
def privacy_export(
    ctx: typer.Context,
    customer: str = CUSTOMER,
    output: Path | None = OUTPUT,
) -> None:
    """Everything held about a customer, as JSON."""
    settings = settings_of(ctx)

    async def body() -> dict[str, Any]:
        async with command_session(settings) as session:
            return await export_customer_data(session=session, customer_id=await _customer_id(session, customer))

    text = json.dumps(_run_domain(body()), ensure_ascii=False, indent=2)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"written to {output}")


@privacy_app.command("erase")
def privacy_erase(
    ctx: typer.Context,
    customer: str = CUSTOMER,
    yes: bool = typer.Option(False, "--yes", help="confirm: personal data is anonymised for good"),
) -> None:
    """Anonymise a customer (ledger totals and order amounts are kept for the books), close their handoff and
    forget their chat in Redis; the bot deletes their staff-group topics when it next starts."""
    if not yes:
        typer.echo("error: erasure cannot be undone; add --yes to confirm", err=True)
        raise typer.Exit(2)
    settings = settings_of(ctx)

    async def body() -> Erasure | None:
        async with open_services(settings) as services:
            async with services.session_factory() as session, session.begin():
                customer_id = await _customer_id(session, customer)
                erasure = await erase_customer(
                    session=session, customer_id=customer_id, actor=_actor(), now=datetime.now(UTC)
                )
            if erasure is not None and erasure.telegram_chat_id is not None:  # after the commit, like the bot
                await forget_chat(services.redis, erasure.telegram_chat_id)
            return erasure

    erasure = _run_domain(body())
    if erasure is None:
        typer.echo("already erased: nothing to do")
        return
    typer.echo("erased")
    if erasure.staff_topics:
        # This process cannot reach Telegram; the bot deletes them at start-up (or at its next erasure).
        typer.echo(f"{erasure.staff_topics} staff-group topic(s) will be deleted by the bot when it next starts")


@segments_app.command("recompute")
def segments_recompute(ctx: typer.Context) -> None:
    """Recompute RFM scores, value segments and lifecycle stages for all customers."""
    settings = settings_of(ctx)
    report = _with_factory(settings, "segments")
    typer.echo(f"{report.updated} customers changed")
    for name, count in sorted(report.segments.items()):
        typer.echo(f"  {name:<11} {count:>9}")


@tiers_app.command("downgrade")
def tiers_downgrade(ctx: typer.Context) -> None:
    """Move customers down to the tier their last 12 months of spend still reach (the worker runs this)."""
    settings = settings_of(ctx)
    moved = _with_factory(settings, "tiers")
    typer.echo(", ".join(f"{count} to {code}" for code, count in moved.items()) or "nobody moved")


def _with_factory(settings: Settings, job: str) -> Any:
    """Run one loyalty job on the process's services (jobs commit as they go)."""

    async def body() -> Any:
        async with open_services(settings) as services:
            factory, now = services.session_factory, datetime.now(UTC)
            if job == "expire":
                return await loyalty_jobs.expire_points(session_factory=factory, now=now)
            if job == "tiers":
                return await loyalty_jobs.evaluate_tier_downgrades(session_factory=factory, now=now)
            return await loyalty_jobs.recompute_segments(session_factory=factory, now=now)

    return _run_domain(body())


def register(app: typer.Typer) -> None:
    app.add_typer(points_app, name="points")
    app.add_typer(privacy_app, name="privacy")
    app.add_typer(segments_app, name="segments")
    app.add_typer(tiers_app, name="tiers")
