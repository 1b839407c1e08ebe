"""`carebot customers list|show`: the customer records, as a table or JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import typer

from actions.customers import find_customer, list_customers
from actions.profile import customer_profile
from carebot.context import command_session, run, settings_of
from storage.models import Customer

customers_app = typer.Typer(help="Customer records.")
AS_JSON = typer.Option(False, "--json", help="print JSON instead of a table")


@customers_app.command("list")
def list_command(
    ctx: typer.Context, limit: int = typer.Option(50, min=1, max=10_000), offset: int = 0, as_json: bool = AS_JSON
) -> None:
    """List customers by internal id."""
    settings = settings_of(ctx)

    async def body() -> list[dict[str, Any]]:
        async with command_session(settings) as session:
            return [_summary(row) for row in await list_customers(session=session, limit=limit, offset=offset)]

    rows = run(body())
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        typer.echo(
            f"{row['id']:>6}  {row['external_id'] or '-':<10} {row['telegram_user_id'] or '-':>12}  "
            f"{row['tier']:<9} {row['points']:>7} pts  {row['name']}"
        )


@customers_app.command("show")
def show_command(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="internal id, the shop's external id, or the Telegram user id"),
    as_json: bool = AS_JSON,
) -> None:
    """Show one customer's profile: contact, tier, points, segment, orders, tickets, last turns."""
    settings = settings_of(ctx)

    async def body() -> dict[str, Any] | None:
        async with command_session(settings) as session:
            customer = await find_customer(session=session, key=key)
            if customer is None:
                return None
            profile = await customer_profile(session=session, customer_id=customer.id, now=datetime.now(UTC))
            return profile.as_dict()

    profile = run(body())
    if profile is None:
        typer.echo(f"error: no customer with id, external id or Telegram id {key!r}", err=True)
        raise typer.Exit(1)
    if as_json:
        typer.echo(json.dumps(profile, ensure_ascii=False, indent=2, default=str))
        return
    for name, value in profile.items():
        typer.echo(f"{name:>18}: {value}")


def _summary(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "external_id": customer.external_id,
        "telegram_user_id": customer.telegram_user_id,
        "name": customer.name,
        "language": customer.language,
        "tier": customer.tier_code,
        "points": customer.points_balance,
        "segment": customer.segment,
        "marketing_consent": customer.marketing_consent,
    }


def register(app: typer.Typer) -> None:
    app.add_typer(customers_app, name="customers")
