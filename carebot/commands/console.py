"""`carebot console`: serve the web console (for now the shop's orders API) with uvicorn."""

from __future__ import annotations

import typer
import uvicorn

from carebot.context import settings_of
from console.app import create_app


def console_command(
    ctx: typer.Context,
    host: str | None = typer.Option(None, help="default: CONSOLE_HOST"),
    port: int | None = typer.Option(None, help="default: CONSOLE_PORT"),
) -> None:
    """Serve the web console (for now: the shop's POST /api/orders)."""
    settings = settings_of(ctx)
    uvicorn.run(
        create_app(settings),
        host=host or settings.console.console_host,
        port=port or settings.console.console_port,
        log_config=None,  # keep the process's redacting log handler
    )


def register(app: typer.Typer) -> None:
    app.command("console")(console_command)
