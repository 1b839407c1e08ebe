"""`carebot seed-demo`: load the demo shop so the bot has something to talk about."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from actions.demo import load_catalogue, seed_demo
from carebot.context import command_session, run, settings_of
from runtime.services import loyalty_rules


def seed_demo_command(ctx: typer.Context) -> None:
    """Load ~20 products (zh/en), rewards, FAQ, tiers and a few customers with orders (idempotent)."""
    settings = settings_of(ctx)

    async def body() -> str:
        async with command_session(settings) as session:
            report = await seed_demo(
                session=session, catalogue=load_catalogue(), rules=loyalty_rules(settings), now=datetime.now(UTC)
            )
            return (
                f"demo shop ready: {report.tiers} tiers, {report.products} products, {report.rewards} rewards, "
                f"{report.faq} FAQ entries, {report.customers} customers, {report.orders} new orders"
            )

    typer.echo(run(body()))


def register(app: typer.Typer) -> None:
    app.command("seed-demo")(seed_demo_command)
