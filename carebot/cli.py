"""The `carebot` command line: one Typer app, sub-commands registered from `carebot.commands`."""

from __future__ import annotations

import logging
import sys

import typer

from carebot.commands import register_all
from carebot.context import settings_of
from runtime.logs import configure_logging, log_unexpected
from runtime.settings import SettingsError, load_settings
from storage.migrate import SchemaNotCurrent

app = typer.Typer(
    help="CareBot: customer-care assistant for Telegram with a small CRM.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


logger = logging.getLogger(__name__)


@app.callback()
def _root(ctx: typer.Context, verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    configure_logging(verbose=verbose)
    try:
        ctx.obj = load_settings()
    except SettingsError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None


register_all(app)

__all__ = ["app", "main", "settings_of"]


def main() -> None:
    """The command line's error edge: an operator's known mistake is one line, anything else is logged redacted."""
    try:
        app()
    except SchemaNotCurrent as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(2)
    except Exception as error:
        log_unexpected(logger, error, what=f"carebot {' '.join(sys.argv[1:2])}".strip())
        sys.exit(1)
