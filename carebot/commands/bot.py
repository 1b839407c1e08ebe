"""`carebot bot [--webhook]`: run the Telegram bot (long polling by default, a webhook for production)."""

from __future__ import annotations

import typer

from carebot.context import run, settings_of
from runtime.settings import Settings


def bot_command(
    ctx: typer.Context,
    webhook: bool = typer.Option(
        False, "--webhook", help="Serve WEBHOOK_URL's path and /healthz on WEBHOOK_LISTEN:WEBHOOK_PORT."
    ),
) -> None:
    """Run the Telegram bot until Ctrl-C (several replicas may run: state lives in the database and Redis)."""
    settings = settings_of(ctx)
    _require_token(settings)
    if webhook:
        _require_webhook(settings)
    from bot.telegram.app import build_application, serve_polling, serve_webhook

    application = build_application(settings)
    if webhook:
        run(serve_webhook(application, settings), uv=True)
    else:
        run(serve_polling(application), uv=True)


def _require_token(settings: Settings) -> None:
    if not settings.bot.telegram_bot_token.strip():
        typer.echo(
            "error: TELEGRAM_BOT_TOKEN is not set. Ask @BotFather for a token and set it in the environment "
            "or .env; to try the bot without Telegram, run `carebot chat`.",
            err=True,
        )
        raise typer.Exit(2)


def _require_webhook(settings: Settings) -> None:
    missing = [
        name
        for name, value in (("WEBHOOK_URL", settings.bot.webhook_url), ("WEBHOOK_SECRET", settings.bot.webhook_secret))
        if not value.strip()
    ]
    if missing:
        typer.echo(
            f"error: --webhook needs {' and '.join(missing)} (the public https URL Telegram posts to and a random "
            "secret token Telegram sends back in every call)",
            err=True,
        )
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.command("bot")(bot_command)
