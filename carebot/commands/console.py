"""`carebot console`: serve the web console (staff desk and the shop's orders API) with uvicorn.

With TELEGRAM_BOT_TOKEN set, the console owns a Bot and sends staff replies through the bot's rate-limited
sender (`bot/telegram/console_desk.py`); without it the pages work and replies say the token is missing.
"""

from __future__ import annotations

from functools import partial

import typer
import uvicorn
from fastapi import FastAPI

from bot.telegram.console_desk import open_telegram_desk
from carebot.context import settings_of
from console.app import create_app
from nlu.training_data import known_intents
from runtime.settings import PROJECT_ROOT, Settings


def console_command(
    ctx: typer.Context,
    host: str | None = typer.Option(None, help="default: CONSOLE_HOST"),
    port: int | None = typer.Option(None, help="default: CONSOLE_PORT"),
) -> None:
    """Serve the web console: staff log in, take over chats, and the shop's POST /api/orders."""
    settings = settings_of(ctx)
    uvicorn.run(
        build_console(settings),
        host=host or settings.console.console_host,
        port=port or settings.console.console_port,
        log_config=None,  # keep the process's redacting log handler
    )


def build_console(settings: Settings) -> FastAPI:
    """The console app, with the Telegram channel to customers when the bot's token is set."""
    channel = partial(open_telegram_desk, settings) if settings.bot.telegram_bot_token else None
    return create_app(settings, channel_factory=channel, intents=known_intents(PROJECT_ROOT))


def register(app: typer.Typer) -> None:
    app.command("console")(console_command)
