"""`carebot import customers|orders FILE.csv`: validate every row, import the good ones, report the rest."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from actions.csv_rows import BadCsvFile
from actions.errors import DomainError
from actions.imports import ImportReport, import_customers, import_orders
from carebot.context import command_session, run, settings_of
from runtime.services import loyalty_rules
from runtime.settings import Settings

import_app = typer.Typer(help="Import customers or orders from CSV files (header row, UTF-8).")

FILE = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CSV file with a header row")
DRY_RUN = typer.Option(False, "--dry-run", help="only validate: report what would happen, change nothing")


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


@import_app.command("customers")
def customers(ctx: typer.Context, file: Path = FILE, dry_run: bool = DRY_RUN) -> None:
    """Customers: external_id, name, phone, telegram_user_id, language, birthday, tags."""
    settings = settings_of(ctx)
    report = _run_import(settings, file, "customers", dry_run)
    _finish(report, dry_run)


@import_app.command("orders")
def orders(ctx: typer.Context, file: Path = FILE, dry_run: bool = DRY_RUN) -> None:
    """Orders: order_id, customer_external_id, amount, currency, ordered_at (ISO 8601), status."""
    settings = settings_of(ctx)
    report = _run_import(settings, file, "orders", dry_run)
    _finish(report, dry_run)


def _run_import(settings: Settings, file: Path, kind: str, dry_run: bool) -> ImportReport:
    """Stream the file through the import in one transaction (rolled back for a dry run)."""

    async def body() -> ImportReport:
        try:
            async with command_session(settings) as session:
                with file.open("rb") as source:
                    if kind == "customers":
                        report = await import_customers(
                            session=session,
                            file=source,
                            phone_region=settings.care.phone_region,
                            default_language=settings.care.default_language,
                        )
                    else:
                        report = await import_orders(
                            session=session,
                            file=source,
                            rules=loyalty_rules(settings),
                            shop_timezone=ZoneInfo(settings.care.timezone),
                            now=datetime.now(UTC),
                        )
                if dry_run:
                    raise _DryRun(report)
                return report
        except _DryRun as rolled_back:
            result: ImportReport = rolled_back.args[0]
            return result

    try:
        return run(body())
    except BadCsvFile as error:
        typer.echo(f"error: {file}: {error}", err=True)
        raise typer.Exit(2) from None
    except DomainError as error:  # e.g. no tier ladder to place new customers in
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


def _finish(report: ImportReport, dry_run: bool) -> None:
    for rejected in report.rejected:
        typer.echo(f"line {rejected.line}: {rejected.reason}", err=True)
    summary = (
        f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.rejected)} rejected"
    )
    typer.echo(summary + (" (dry run: nothing was written)" if dry_run else ""))
    if report.rejected:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
