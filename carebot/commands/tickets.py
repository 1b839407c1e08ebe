"""`carebot tickets list`: complaints, returns and feedback, most urgent first."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import typer

from actions.tickets import list_tickets
from carebot.context import command_session, run, settings_of
from storage.models import TICKET_STATUSES, Ticket

tickets_app = typer.Typer(help="Service tickets (complaints, returns, feedback).")


@tickets_app.command("list")
def list_command(
    ctx: typer.Context,
    status: str = typer.Option("", "--status", help=f"only one status: {', '.join(TICKET_STATUSES)}"),
    limit: int = typer.Option(100, min=1, max=10_000),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """List tickets by priority and deadline."""
    if status and status not in TICKET_STATUSES:
        raise typer.BadParameter(f"expected one of {', '.join(TICKET_STATUSES)}", param_hint="--status")
    settings = settings_of(ctx)

    async def body() -> list[dict[str, Any]]:
        async with command_session(settings) as session:
            rows = await list_tickets(session=session, status=status or None, limit=limit)
            return [_as_dict(ticket) for ticket in rows]

    rows = run(body())
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo(f"no {status} tickets" if status else "no tickets")
        return
    zone = ZoneInfo(settings.care.timezone)
    for row in rows:
        typer.echo(
            f"#{row['id']:<5} P{row['priority']} {row['status']:<12} {row['category']:<10} "
            f"customer {row['customer_id']:<6} due {local_time(row['sla_due_at'], zone)}  {row['description'][:60]}"
        )


def local_time(iso: str, zone: ZoneInfo) -> str:
    """An ISO 8601 instant as the shop reads it: `2026-11-24 16:00 CST` in the shop's time zone."""
    return datetime.fromisoformat(iso).astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _as_dict(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "customer_id": ticket.customer_id,
        "category": ticket.category,
        "severity": ticket.severity,
        "priority": ticket.priority,
        "status": ticket.status,
        "description": ticket.description,
        "order_ref": ticket.order_ref,
        "sla_due_at": ticket.sla_due_at.isoformat(),
        "rating": ticket.rating,
        "created_at": ticket.created_at.isoformat(),
    }


def register(app: typer.Typer) -> None:
    app.add_typer(tickets_app, name="tickets")
