"""`carebot customers list|show`: the customer records, as a table or JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import typer

from actions.customers import find_customer, list_customers
from actions.profile import customer_profile
from carebot.commands.tickets import local_time
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
    for line in _profile_lines(profile, ZoneInfo(settings.care.timezone)):
        typer.echo(line)


LISTS = ("expiring_points", "last_orders", "open_tickets", "last_turns")
TIMES = ("created_at", "last_seen_at")


def _profile_lines(profile: dict[str, Any], zone: ZoneInfo) -> list[str]:
    """The record as `name: value` lines, then orders, tickets and turns as one readable row each."""
    lines = []
    for name, value in profile.items():
        if name in LISTS:
            continue
        shown = local_time(value, zone) if name in TIMES and value else value
        lines.append(f"{name:>18}: {'-' if shown is None or shown == '' else shown}")
    sections: list[tuple[str, list[str]]] = [
        ("points expiring", [f"{row['date']}  {row['points']} points" for row in profile["expiring_points"]]),
        (
            "last orders",
            [
                f"{local_time(row['ordered_at'], zone)}  {row['order_id']:<14} {row['amount']:>10} {row['currency']}  "
                f"{row['status']}{'  ' + row['shipping_status'] if row['shipping_status'] else ''}"
                for row in profile["last_orders"]
            ],
        ),
        (
            "open tickets",
            [
                f"#{row['id']:<5} P{row['priority']} {row['status']:<12} {row['category']:<10} {row['severity']:<8} "
                f"due {local_time(row['sla_due_at'], zone)}"
                for row in profile["open_tickets"]
            ],
        ),
        (
            "last turns",
            [
                f"{local_time(row['at'], zone)}  {'customer' if row['direction'] == 'in' else 'bot':<8}  "
                f"{row['text'][:80]}{'  [' + row['intent'] + ']' if row['intent'] else ''}"
                for row in profile["last_turns"]
            ],
        ),
    ]
    for title, rows in sections:
        lines.append(f"{title}:" + ("" if rows else " none"))
        lines.extend(f"  {row}" for row in rows)
    return lines


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
