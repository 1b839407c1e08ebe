"""The `carebot` command line: one Typer app, sub-commands registered from `carebot.commands`."""

from __future__ import annotations

import logging
import sys

import typer

from carebot.commands import register_all
from carebot.context import settings_of
from carebot.settings import SettingsError, load_settings

app = typer.Typer(
    help="CareBot: customer-care assistant for Telegram with a small CRM.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(ctx: typer.Context, verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs request URLs, and Bot API URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        ctx.obj = load_settings()
    except SettingsError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None


register_all(app)

__all__ = ["app", "main", "settings_of"]


def main() -> None:
    sys.exit(app())
