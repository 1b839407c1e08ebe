"""Replies every part of the conversation gives: the main menu, and the answer to a stale button.

Handlers, flows and the pipeline all import these from here, so flows never import handlers.
"""

from __future__ import annotations

from bot.conversation import Button, Reply, StaffNotice
from bot.texts import text
from bot.turn import Turn
from storage.models import Ticket

MENU_INTENTS = (
    ("check_points", "menu.points"),
    ("membership_info", "menu.tier"),
    ("redeem_points", "menu.redeem"),
    ("order_status", "menu.orders"),
    ("complaint", "menu.complaint"),
    ("request_human", "menu.human"),
)


def menu_buttons(turn: Turn) -> list[list[Button]]:
    buttons = [turn.button(label, "menu", intent) for intent, label in MENU_INTENTS]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def salutation(turn: Turn) -> str:
    """The customer's name as it goes into a greeting ("Hello{name}!"): nothing at all when we have none
    (an erased customer, a terminal chat without --name), never "Hello !"."""
    name = (turn.customer.name or "").strip()
    if not name:
        return ""
    return name if turn.language == "zh" else f" {name}"


def main_menu(turn: Turn, key: str = "menu.intro") -> list[Reply]:
    return [turn.reply(key, buttons=menu_buttons(turn), name=salutation(turn))]


def stale_button(turn: Turn) -> list[Reply]:
    """A button from an old message, a finished flow or forged data: say so and show the menu."""
    return main_menu(turn, "callback.stale")


def new_ticket_notice(turn: Turn, ticket: Ticket) -> StaffNotice:
    """The staff group's notice of a ticket the customer just opened (complaint or return), with its due time."""
    due = ticket.sla_due_at.astimezone(turn.services.timezone).strftime("%Y-%m-%d %H:%M")
    return StaffNotice(
        kind="ticket",
        customer_id=turn.customer.id,
        text=text(
            turn.services.default_language,
            "staff.ticket",
            ticket=ticket.id,
            category=ticket.category,
            priority=ticket.priority,
            due=due,
            name=turn.customer.name or "—",
            customer=turn.customer.id,
            description=ticket.description,
        ),
    )
