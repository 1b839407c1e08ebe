"""Returns and warranty: order (the customer's own, picked or typed) -> item -> reason -> confirm -> ticket.

The policy is said first (returns within 7 days of delivery, faulty items exchanged within 15 days,
electronics one-year warranty). Orders hold no delivery date, so an order placed more than 7 days ago is
flagged in the ticket for staff to check against the delivery date, and the customer is told so.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from actions import orders, products, tickets
from bot import callbacks
from bot.callbacks import Callback
from bot.conversation import Button, Reply
from bot.flows.yesno import is_acknowledgement, yes_or_no
from bot.patterns import find_order_id
from bot.replies import stale_button
from bot.slots import ask_again, is_no_answer
from bot.turn import Turn

REASONS = ("size", "faulty", "not_as_described", "wrong_item", "changed_mind")
RETURN_DAYS = 7
OFFERED_ORDERS = 3
MAX_ITEM = 200
MAX_REASON = 500
FILLER = frozenset({"hmm", "hm", "um", "uh", "er", "what", "?", "？", "啊", "呃", "额", "哦", "诶"})


async def start(turn: Turn) -> list[Reply]:
    """ "我要退货" / "I want to return my hoodie": the policy, then what is already known is not asked."""
    said = turn.incoming.text
    item = turn.nlu.entity("product") if turn.nlu else None
    turn.start_flow("return", step="order", key=secrets.token_hex(8), item=await _item_named(turn, said, item))
    replies = [turn.reply("return.policy_short")]
    typed = (turn.nlu.entity("order_id") if turn.nlu else None) or find_order_id(said)
    own = await orders.find_order(session=turn.session, customer_id=turn.customer.id, order_id=typed) if typed else None
    if own is not None:
        return replies + await _order_chosen(turn, own.order_id, own.ordered_at)
    return replies + await _ask_order(turn)


async def _item_named(turn: Turn, text: str, entity: str | None) -> str | None:
    """The product the first message names (in the customer's language), if any."""
    found = await products.find_products(session=turn.session, text=text, entity=entity, limit=1)
    return found[0].name_in(turn.language) if found else None


async def _ask_order(turn: Turn) -> list[Reply]:
    flow = turn.flow or {}
    recent = await orders.recent_orders(session=turn.session, customer_id=turn.customer.id, limit=OFFERED_ORDERS)
    local = turn.services.timezone
    flow["offered"] = [
        [order.order_id, order.ordered_at.astimezone(local).date().isoformat(), f"{order.amount:.2f}"]
        for order in recent
        if callbacks.PART.match(order.order_id) and len(order.order_id) <= 40
    ]
    return [turn.reply("return.ask_order", buttons=_order_buttons(turn))]


def _order_buttons(turn: Turn) -> list[list[Button]]:
    rows = [
        [Button(turn.t("complaint.order_option", order=order_id, date=day, amount=amount), _order_data(order_id))]
        for order_id, day, amount in (turn.flow or {}).get("offered") or []
    ]
    rows.append([turn.button("return.no_order", "ret", "noorder")])
    rows.append([turn.button("flow.cancel_button", "flow", "cancel")])
    return rows


def _order_data(order_id: str) -> str:
    return callbacks.encode("ret", "order", order_id)


def _reason_buttons(turn: Turn) -> list[list[Button]]:
    rows = [[turn.button(f"return.reason.{reason}", "ret", "reason", reason)] for reason in REASONS]
    rows.append([turn.button("flow.cancel_button", "flow", "cancel")])
    return rows


async def _order_chosen(turn: Turn, order_id: str | None, ordered_at: datetime | None) -> list[Reply]:
    flow = turn.flow or {}
    flow["order_ref"] = order_id
    if ordered_at is not None:
        days = (turn.now - ordered_at).days
        flow["late"] = days > RETURN_DAYS
    replies: list[Reply] = []
    if flow.get("late"):
        replies.append(turn.reply("return.maybe_late", days=RETURN_DAYS))
    return replies + _next_question(turn)


def _next_question(turn: Turn) -> list[Reply]:
    flow = turn.flow or {}
    if not flow.get("item"):
        flow["step"] = "item"
        return [turn.reply("return.ask_item")]
    flow["step"] = "reason"
    return [turn.reply("return.ask_reason", buttons=_reason_buttons(turn))]


def reprompt(turn: Turn) -> list[Reply]:
    step = (turn.flow or {}).get("step")
    if step == "order":
        return [turn.reply("return.ask_order", buttons=_order_buttons(turn))]
    if step == "item":
        return [turn.reply("return.ask_item")]
    if step == "reason":
        return [turn.reply("return.ask_reason", buttons=_reason_buttons(turn))]
    return _ask_confirmation(turn)


async def on_button(turn: Turn, callback: Callback) -> list[Reply]:
    flow = turn.flow
    if flow is None or flow.get("name") != "return":
        return stale_button(turn)
    action, value = callback.part(0), callback.part(1)
    step = flow.get("step")
    if action == "order" and step == "order" and value:
        own = await orders.find_order(session=turn.session, customer_id=turn.customer.id, order_id=value)
        if own is None:  # callback data is the client's: only their own orders
            return stale_button(turn)
        return await _order_chosen(turn, own.order_id, own.ordered_at)
    if action == "noorder" and step == "order":
        return await _order_chosen(turn, None, None)
    if action == "reason" and step == "reason" and value in REASONS:
        flow["reason"] = turn.t(f"return.reason.{value}")
        return _ask_confirmation(turn)
    if action == "confirm" and step == "confirm":
        return await _create_ticket(turn)
    return stale_button(turn)


async def on_text(turn: Turn, text: str) -> list[Reply]:
    flow = turn.flow or {}
    step = flow.get("step")
    if step == "order":
        typed = find_order_id(text) or text.strip().lstrip("#")
        own = await orders.find_order(session=turn.session, customer_id=turn.customer.id, order_id=typed)
        if own is not None:
            return await _order_chosen(turn, own.order_id, own.ordered_at)
        if is_no_answer(text):
            return await _order_chosen(turn, None, None)
        return ask_again(turn, "return.order_not_found", buttons=_order_buttons(turn))
    if step == "item":
        if is_no_answer(text) or is_acknowledgement(text) or _is_filler(text):
            return ask_again(turn, "return.ask_item")
        flow["item"] = text[:MAX_ITEM]
        return _next_question(turn)
    if step == "reason":
        if is_no_answer(text) or is_acknowledgement(text) or _is_filler(text):
            return ask_again(turn, "return.ask_reason", buttons=_reason_buttons(turn))
        flow["reason"] = text[:MAX_REASON]
        return _ask_confirmation(turn)
    if step == "confirm":
        answer = await yes_or_no(turn, text)
        if answer is True:
            return await _create_ticket(turn)
        if answer is False:
            turn.end_flow()
            return [turn.reply("flow.cancelled")]
        return ask_again(turn, "return.confirm_again", buttons=_confirm_buttons(turn))
    return stale_button(turn)


def _is_filler(text: str) -> bool:
    """ "hmm", "?": not a reason anyone would write down."""
    stripped = text.strip().lower().rstrip("?？!！.。")
    return stripped in FILLER or not stripped


def _confirm_buttons(turn: Turn) -> list[list[Button]]:
    return [[turn.button("flow.yes", "ret", "confirm"), turn.button("flow.no", "flow", "cancel")]]


def _ask_confirmation(turn: Turn) -> list[Reply]:
    flow = turn.flow or {}
    flow["step"] = "confirm"
    return [
        turn.reply(
            "return.confirm",
            order=flow.get("order_ref") or "—",
            item=flow.get("item") or "—",
            reason=flow.get("reason") or "—",
            buttons=_confirm_buttons(turn),
        )
    ]


def _window_key(late: object) -> str:
    if late is None:
        return "return.window_unknown"
    return "return.window_check" if late else "return.window_ok"


async def _create_ticket(turn: Turn) -> list[Reply]:
    flow = turn.flow or {}
    turn.end_flow()
    description = turn.t(
        "return.ticket",
        item=flow.get("item") or "—",
        reason=flow.get("reason") or "—",
        window=turn.t(_window_key(flow.get("late")), days=RETURN_DAYS),
    )
    ticket = await tickets.start_return_request(
        session=turn.session,
        customer_id=turn.customer.id,
        order_ref=flow.get("order_ref"),
        reason=description,
        now=turn.now,
        business=turn.services.business,
        targets=turn.services.targets,
    )
    return [turn.reply("return.started", ticket=ticket.id)]
