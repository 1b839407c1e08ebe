"""Complaint intake: category -> description -> optional order number -> confirm -> ticket.

Nothing is asked twice that the customer already said: a first message that describes the problem is
the description, an order number anywhere is the order, "上面说了" points back to what was said.

Every complaint is recorded and routed (客户投诉制度); the customer gets the ticket number and the
promised response time, shorter for priority-service tiers.
"""

from __future__ import annotations

import re
import secrets

from actions import orders, tickets
from bot import callbacks
from bot.callbacks import Callback
from bot.conversation import Button, Reply
from bot.flows.yesno import yes_or_no
from bot.patterns import ORDER_ID, find_order_id, fold
from bot.replies import new_ticket_notice, stale_button
from bot.slots import ask_again, is_already_said, is_no_answer
from bot.turn import Turn

CATEGORIES = ("quality", "delivery", "wrong_item", "service", "other")
# Shops number orders their own way; anything code-like with a digit is taken as given.
ORDER_LIKE = re.compile(r"^#?[A-Za-z0-9][A-Za-z0-9\-_/]{3,63}$")
MAX_DESCRIPTION = 2000
OFFERED_ORDERS = 3
# What a first message says beyond "I want to complain": enough of it is the description already.
TRIGGER = re.compile(
    r"我要投诉|我想投诉|我要举报|投诉一下|投诉|差评|i want to (?:make a )?complain(?:t)?|i'?d like to complain|"
    r"(?:make|file|lodge) a complaint|complaint|complain|[\s\W_]+",
    re.IGNORECASE,
)
# A category typed instead of tapped, when that is (about) all the message says.
TYPED_CATEGORIES = (
    ("quality", re.compile(r"质量|坏了|quality|broken|faulty|defect", re.IGNORECASE)),
    ("delivery", re.compile(r"物流|快递|配送|送货|delivery|shipping|courier|parcel", re.IGNORECASE)),
    ("wrong_item", re.compile(r"发错|少发|漏发|错货|wrong item|missing item|wrong|missing", re.IGNORECASE)),
    ("service", re.compile(r"服务|态度|客服|service|rude|staff", re.IGNORECASE)),
    ("other", re.compile(r"^(?:其他|其它|别的|other|something else)$", re.IGNORECASE)),
)
THIS_ORDER = re.compile(r"这个订单|这单|这笔订单|刚才的订单|上面的订单|this order|that order|the same order")
SHORT_CATEGORY = 14  # letters and characters, spaces not counted: "wrong item", "质量问题"
ORDER_WORDS = re.compile(r"我的|订单号?|单号|是|my|the|order|number|no\.?|is|it'?s|[\s\W_]+", re.IGNORECASE)


# Words that ask for something without saying what went wrong ("i wnat to complain", "我想投诉一下").
FILLER_WORDS = re.compile(
    r"\b(?:i|i'?d|i'?m|want|wnat|wanna|would|like|to|a|an|the|make|file|please|pls|need|can|could|my|about|"
    r"with|your|you|hi|hello|hey|so|just|some|really|order|service|this|that|it)\b|"
    r"我要|我想|想要|我|要|想|你们|一下|请问|您好|你好|这个|那个|这单|订单|单子|问题|方面|了|的|吧|啊",
    re.IGNORECASE,
)


CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[a-z0-9']+", re.IGNORECASE)
SUBSTANTIAL_CJK = 3  # "耳机坏了" says what went wrong; "投诉" does not
SUBSTANTIAL_WORDS = 3  # "the zip broke" does; "i wnat to complain" does not


def _says_enough(text: str, *, cjk: int = SUBSTANTIAL_CJK) -> bool:
    """Whether the message describes the problem, beyond asking to complain."""
    rest = _substance(text)
    return len(CJK.findall(rest)) >= cjk or len(LATIN_WORD.findall(rest)) >= SUBSTANTIAL_WORDS


def _substance(text: str) -> str:
    """What the message says about the problem itself, without the words asking to complain."""
    without_order = ORDER_ID.sub("", text)
    return " ".join(TRIGGER.sub(" ", FILLER_WORDS.sub(" ", TRIGGER.sub(" ", without_order))).split())


async def start(turn: Turn) -> list[Reply]:
    """Category first; a first message that already describes the problem is kept as its description."""
    said = turn.incoming.text
    order_ref = (turn.nlu.entity("order_id") if turn.nlu else None) or find_order_id(said) or _order_meant(turn, said)
    described = said[:MAX_DESCRIPTION] if _says_enough(said) else None
    turn.start_flow("complaint", step="category", order_ref=order_ref, key=secrets.token_hex(8), description=described)
    return [_category_question(turn)]


def _category_question(turn: Turn) -> Reply:
    rows = [[turn.button(f"complaint.category.{c}", "complaint", "cat", c)] for c in CATEGORIES]
    rows.append([turn.button("flow.cancel_button", "flow", "cancel")])
    return turn.reply("complaint.ask_category", buttons=rows)


def _order_buttons(turn: Turn) -> list[list[Button]]:
    rows = [[turn.button("complaint.no_order", "complaint", "skip")]]
    for order_id, day, amount in (turn.flow or {}).get("offered") or []:
        label = turn.t("complaint.order_option", order=order_id, date=day, amount=amount)
        rows.append([Button(label, callbacks.encode("complaint", "order", order_id))])
    return rows


def reprompt(turn: Turn) -> list[Reply]:
    """The question the complaint is waiting on, asked again (after an aside such as stopping promotions)."""
    step = (turn.flow or {}).get("step")
    if step == "category":
        return [_category_question(turn)]
    if step == "description":
        return [turn.reply("complaint.ask_description")]
    if step == "order":
        return [turn.reply("complaint.ask_order", buttons=_order_buttons(turn))]
    return _ask_confirmation(turn)


async def on_button(turn: Turn, callback: Callback) -> list[Reply]:
    flow = turn.flow
    if flow is None or flow.get("name") != "complaint":
        return stale_button(turn)
    action, value = callback.part(0), callback.part(1)
    if action == "cat" and flow.get("step") == "category" and value in CATEGORIES:
        flow["category"] = value
        if flow.get("description"):  # told us in the first message: not asked again
            return await _after_description(turn)
        flow["step"] = "description"
        return [turn.reply("complaint.ask_description")]
    if action == "skip" and flow.get("step") == "order":
        return _ask_confirmation(turn)
    if action == "order" and flow.get("step") == "order" and value:
        own = await orders.find_order(session=turn.session, customer_id=turn.customer.id, order_id=value)
        if own is None:  # callback data is the client's: only their own orders
            return stale_button(turn)
        flow["order_ref"] = own.order_id
        return _ask_confirmation(turn)
    if action == "confirm" and flow.get("step") == "confirm":
        return await _create_ticket(turn)
    return stale_button(turn)


async def on_text(turn: Turn, text: str) -> list[Reply]:
    flow = turn.flow or {}
    step = flow.get("step")
    if step == "category":
        typed = _typed_category(text)
        if typed is not None:
            pattern = dict(TYPED_CATEGORIES)[typed]
            # Beyond the category's own words, "太慢" says enough: the category question framed it.
            if not flow.get("description") and _says_enough(pattern.sub(" ", fold(text)), cjk=2):
                flow["description"] = text[:MAX_DESCRIPTION]  # "快递太慢了": the category and the problem
            return await on_button(turn, Callback(area="complaint", parts=("cat", typed)))
        if flow.get("description") and (is_already_said(text) or is_no_answer(text)):
            flow["category"] = "other"
            return await _after_description(turn)
        flow.update(category="other", step="description")  # they described it straight away: keep the words
        step = "description"
    if step == "description":
        return await _description_given(turn, text)
    if step == "order":
        return await _order_given(turn, text)
    if step == "confirm":
        answer = await yes_or_no(turn, text)
        if answer is True:
            return await _create_ticket(turn)
        if answer is False:
            turn.end_flow()
            return [turn.reply("flow.cancelled")]
        buttons = [[turn.button("flow.yes", "complaint", "confirm"), turn.button("flow.no", "flow", "cancel")]]
        return ask_again(turn, "complaint.confirm_again", buttons=buttons)
    return stale_button(turn)


def _typed_category(text: str) -> str | None:
    bare = _substance(fold(text))
    if len(bare.replace(" ", "")) > SHORT_CATEGORY:
        return None
    return next((category for category, pattern in TYPED_CATEGORIES if pattern.search(bare)), None)


async def _description_given(turn: Turn, text: str) -> list[Reply]:
    """The description, unless the message is only an order number, "I said so above" or "don't know"."""
    flow = turn.flow or {}
    found = find_order_id(text)
    if found and not ORDER_WORDS.sub("", ORDER_ID.sub("", text)):  # only the order number: kept, question stands
        flow["order_ref"] = found
        return [turn.reply("complaint.got_order_ask_description", order=found)]
    if is_already_said(text):
        if flow.get("description"):
            return await _after_description(turn)
        return ask_again(turn, "complaint.describe_once_more")
    if is_no_answer(text) or not _substance(text).strip():  # "我想投诉一下" says nothing yet
        return ask_again(turn, "complaint.ask_description")
    flow["description"] = text[:MAX_DESCRIPTION]
    if found:
        flow["order_ref"] = found
    return await _after_description(turn)


async def _after_description(turn: Turn) -> list[Reply]:
    """Straight to the confirmation when the order is known; else the order question with their own
    recent orders as buttons."""
    flow = turn.flow or {}
    if flow.get("order_ref"):
        flow["order_ref"] = str(flow["order_ref"])[:64]
        return _ask_confirmation(turn)
    flow["step"] = "order"
    recent = await orders.recent_orders(session=turn.session, customer_id=turn.customer.id, limit=OFFERED_ORDERS)
    local = turn.services.timezone
    flow["offered"] = [
        [order.order_id, order.ordered_at.astimezone(local).date().isoformat(), f"{order.amount:.2f}"]
        for order in recent
        if callbacks.PART.match(order.order_id) and len(order.order_id) <= 40
    ]
    return [turn.reply("complaint.ask_order", buttons=_order_buttons(turn))]


def _order_meant(turn: Turn, text: str) -> str | None:
    """ "这个订单" / "this order" / "上面说了": the order the conversation just looked at, if any."""
    remembered = turn.state.get("order_ref")
    if not isinstance(remembered, str) or not (THIS_ORDER.search(fold(text)) or is_already_said(text)):
        return None
    return remembered


async def _order_given(turn: Turn, text: str) -> list[Reply]:
    """An order number anywhere in the message, "no order / don't remember" in words, or something else
    (asked once more, then cancel or a person: a wrong number would mislead staff)."""
    flow = turn.flow or {}
    found = find_order_id(text)
    candidate = text.strip()
    if found:
        flow["order_ref"] = found
    elif _order_meant(turn, text):
        flow["order_ref"] = _order_meant(turn, text)
    elif ORDER_LIKE.match(candidate) and any(ch.isdigit() for ch in candidate):
        flow["order_ref"] = candidate.lstrip("#")
    elif is_no_answer(text) or await yes_or_no(turn, text) is False:
        flow["order_ref"] = None
    else:
        return ask_again(turn, "complaint.ask_order_again", buttons=_order_buttons(turn))
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
        business=turn.services.business,
        targets=turn.services.targets,
    )
    turn.notices.append(new_ticket_notice(turn, ticket))
    due = ticket.sla_due_at.astimezone(turn.services.timezone).strftime("%Y-%m-%d %H:%M")
    return [turn.reply("complaint.created", ticket=ticket.id, due=due)]
