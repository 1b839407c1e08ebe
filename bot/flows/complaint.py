"""Complaint intake: category -> description -> optional order number -> confirm -> ticket.

Every complaint is recorded and routed (客户投诉制度); the customer gets the ticket number and the
promised response time, shorter for priority-service tiers.
"""

from __future__ import annotations

import re
import secrets

from actions import tickets
from bot.callbacks import Callback
from bot.conversation import Reply, StaffNotice
from bot.flows.yesno import normalise, yes_or_no
from bot.patterns import find_order_id
from bot.replies import stale_button
from bot.texts import text
from bot.turn import Turn

CATEGORIES = ("quality", "delivery", "wrong_item", "service", "other")
# Shops number orders their own way; anything code-like with a digit is taken as given.
ORDER_LIKE = re.compile(r"^#?[A-Za-z0-9][A-Za-z0-9\-_/]{3,63}$")
NO_ORDER_WORDS = {"没有", "无", "没", "没有订单号", "不知道", "忘了", "none", "no order", "skip", "don't know"}
MAX_DESCRIPTION = 2000


async def start(turn: Turn) -> list[Reply]:
    order_ref = turn.nlu.entity("order_id") if turn.nlu else None
    turn.start_flow("complaint", step="category", order_ref=order_ref, key=secrets.token_hex(8))
    return [_category_question(turn)]


def _category_question(turn: Turn) -> Reply:
    rows = [[turn.button(f"complaint.category.{c}", "complaint", "cat", c)] for c in CATEGORIES]
    rows.append([turn.button("flow.cancel_button", "flow", "cancel")])
    return turn.reply("complaint.ask_category", buttons=rows)


def _order_question(turn: Turn, key: str = "complaint.ask_order") -> Reply:
    return turn.reply(key, buttons=[[turn.button("complaint.no_order", "complaint", "skip")]])


def reprompt(turn: Turn) -> list[Reply]:
    """The question the complaint is waiting on, asked again (after an aside such as stopping promotions)."""
    step = (turn.flow or {}).get("step")
    if step == "category":
        return [_category_question(turn)]
    if step == "description":
        return [turn.reply("complaint.ask_description")]
    if step == "order":
        return [_order_question(turn)]
    return _ask_confirmation(turn)


async def on_button(turn: Turn, callback: Callback) -> list[Reply]:
    flow = turn.flow
    if flow is None or flow.get("name") != "complaint":
        return stale_button(turn)
    action, value = callback.part(0), callback.part(1)
    if action == "cat" and flow.get("step") == "category" and value in CATEGORIES:
        flow.update(step="description", category=value)
        return [turn.reply("complaint.ask_description")]
    if action == "skip" and flow.get("step") == "order":
        return _ask_confirmation(turn)
    if action == "confirm" and flow.get("step") == "confirm":
        return await _create_ticket(turn)
    return stale_button(turn)


async def on_text(turn: Turn, text: str) -> list[Reply]:
    flow = turn.flow or {}
    step = flow.get("step")
    if step == "category":  # they described it straight away: keep the words, category "other"
        flow.update(category="other", step="description")
        step = "description"
    if step == "description":
        flow.update(description=text[:MAX_DESCRIPTION])
        found = find_order_id(text)
        if found or flow.get("order_ref"):
            flow["order_ref"] = (found or flow["order_ref"])[:64]
            return _ask_confirmation(turn)
        flow["step"] = "order"
        return [_order_question(turn)]
    if step == "order":
        return await _order_given(turn, text)
    if step == "confirm":
        answer = await yes_or_no(turn, text)
        if answer is True:
            return await _create_ticket(turn)
        if answer is False:
            turn.end_flow()
            return [turn.reply("flow.cancelled")]
        return [turn.reply("complaint.confirm_again")]
    return stale_button(turn)


async def _order_given(turn: Turn, text: str) -> list[Reply]:
    """An order number, "no order" in words, or something else (asked again: it would mislead staff)."""
    flow = turn.flow or {}
    found = find_order_id(text)
    candidate = text.strip()
    if found:
        flow["order_ref"] = found
    elif ORDER_LIKE.match(candidate) and any(ch.isdigit() for ch in candidate):
        flow["order_ref"] = candidate.lstrip("#")
    elif normalise(text) in NO_ORDER_WORDS or await yes_or_no(turn, text) is False:
        flow["order_ref"] = None
    else:
        return [_order_question(turn, "complaint.ask_order_again")]
    return _ask_confirmation(turn)


def _ask_confirmation(turn: Turn) -> list[Reply]:
    flow = turn.flow or {}
    flow["step"] = "confirm"
    buttons = [[turn.button("flow.yes", "complaint", "confirm"), turn.button("flow.no", "flow", "cancel")]]
    return [
        turn.reply(
            "complaint.confirm",
            category=turn.t(f"complaint.category.{flow.get('category', 'other')}"),
            description=flow.get("description", ""),
            order=flow.get("order_ref") or "—",
            buttons=buttons,
        )
    ]


async def _create_ticket(turn: Turn) -> list[Reply]:
    flow = turn.flow or {}
    turn.end_flow()
    ticket = await tickets.create_ticket(
        session=turn.session,
        customer_id=turn.customer.id,
        category=str(flow.get("category", "other")),
        description=str(flow.get("description", "")),
        order_ref=flow.get("order_ref"),
        now=turn.now,
        idempotency_key=f"complaint:{turn.customer.id}:{flow.get('key')}",
    )
    hours = max(1, round((ticket.sla_due_at - turn.now).total_seconds() / 3600))
    turn.notices.append(
        StaffNotice(
            kind="ticket",
            customer_id=turn.customer.id,
            text=text(
                turn.services.default_language,
                "staff.ticket",
                ticket=ticket.id,
                category=ticket.category,
                priority=ticket.priority,
                due=ticket.sla_due_at.astimezone(turn.services.timezone).strftime("%Y-%m-%d %H:%M"),
                name=turn.customer.name or "—",
                customer=turn.customer.id,
                description=ticket.description,
            ),
        )
    )
    return [turn.reply("complaint.created", ticket=ticket.id, hours=hours)]
