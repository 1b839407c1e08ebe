"""`carebot chat`: talk to the bot in a terminal, on the same database as the other commands."""

from __future__ import annotations

import logging
import sys
from contextlib import ExitStack

import typer
from sqlalchemy import func, select

from bot.pipeline import Pipeline
from bot.terminal import TerminalChat
from carebot.context import run, settings_of
from nlu.client import NluClient
from nlu.local_server import is_ready, running_server
from nlu.training import NoModel, Project
from runtime.services import Services, open_services
from runtime.settings import PROJECT_ROOT, Settings
from storage.models import Product


def chat_command(
    ctx: typer.Context,
    user: int = typer.Option(900_000_001, "--user", help="the Telegram user id the chat speaks as"),
    name: str = typer.Option("", "--name", help="the customer's first name (default: none, as if not given)"),
    lang: str = typer.Option("", "--lang", help="Telegram language hint: zh or en"),
    with_nlu: bool = typer.Option(False, "--with-nlu", help="start the local Rasa server if NLU_URL is not up"),
) -> None:
    """Chat with the assistant on standard input/output (piped input: one message per line, echoed).

    Ends on /quit, quit or the end of the input.
    """
    if lang not in ("", "zh", "en"):
        raise typer.BadParameter("expected zh or en", param_hint="--lang")
    settings = settings_of(ctx)
    with ExitStack() as stack:
        nlu_url = settings.nlu.nlu_url
        if not is_ready(nlu_url):
            nlu_url = _start_local_nlu(stack) if with_nlu else nlu_url
            if not is_ready(nlu_url):
                typer.echo("(NLU server not reachable: simple keyword understanding only)", err=True)
                _quiet_nlu_warnings()
        run(_chat(settings, nlu_url=nlu_url, user=user, name=name, language_code=lang or None))


def _quiet_nlu_warnings() -> None:
    """Said once above; a warning per message would drown the conversation (kept with --verbose)."""
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        logging.getLogger("nlu.client").setLevel(logging.ERROR)


def _start_local_nlu(stack: ExitStack) -> str:
    try:
        typer.echo("(starting the local NLU server, this takes about half a minute…)", err=True)
        return stack.enter_context(running_server(Project(PROJECT_ROOT)))
    except (NoModel, RuntimeError) as problem:
        typer.echo(f"(could not start the NLU server: {problem}; run `make setup`)", err=True)
        return ""


async def _chat(settings: Settings, *, nlu_url: str, user: int, name: str, language_code: str | None) -> None:
    parser = NluClient(
        base_url=nlu_url or settings.nlu.nlu_url,
        timeout=settings.nlu.nlu_timeout_seconds,
        threshold=settings.nlu.nlu_confidence_threshold,
    )
    async with open_services(settings, nlu=parser) as services:
        await _hint_if_the_shop_is_empty(services)
        chat = TerminalChat(Pipeline(services), user_id=user, name=name, language_code=language_code)
        await chat.run(sys.stdin, interactive=sys.stdin.isatty())


async def _hint_if_the_shop_is_empty(services: Services) -> None:
    """A fresh shop has no products, rewards or FAQ yet: say how to load the demo shop (never done silently)."""
    async with services.session_factory() as session:
        if await session.scalar(select(func.count()).select_from(Product)):
            return
    typer.echo("(this shop has no products yet; `carebot seed-demo` loads a demo shop to talk about)", err=True)


def register(app: typer.Typer) -> None:
    app.command("chat")(chat_command)
