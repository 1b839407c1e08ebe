"""Returns and warranty: order (the customer's own, picked or typed) -> item -> reason -> photos (optional)
-> confirm -> ticket.

The policy is said first (returns within 7 days of delivery, faulty items exchanged within 15 days,
electronics one-year warranty). The 7 days are counted from the order's delivery date, or from the order
date when the shop sent none; outside them the customer is told so plainly (with what still applies and a
person offered), and the ticket says so for staff. Orders hold no items, so the item is asked in words.
Photos sent at the photo step go with the ticket (kept, and copied to the staff group); "跳过" / "skip" /
"没有" moves on.
"""

from __future__ import annotations

import re
import secrets

from actions import orders, products, tickets
from bot import callbacks
from bot.callbacks import Callback
from bot.conversation import Button, Reply, StaffNotice
from bot.flows.yesno import NO, YES, is_acknowledgement, is_question, normalise, yes_or_no
from bot.patterns import find_order_id
from bot.replies import new_ticket_notice, stale_button
from bot.slots import ask_again, is_no_answer
from bot.texts import text as catalogue_text
from bot.turn import Turn
from storage.models import Order, Ticket

REASONS = ("size", "faulty", "not_as_described", "wrong_item", "changed_mind")
RETURN_DAYS = 7
OFFERED_ORDERS = 3
MAX_ITEM = 200
MAX_REASON = 500
FILLER = frozenset({"hmm", "hm", "um", "uh", "er", "what", "?", "？", "啊", "呃", "额", "哦", "诶"})
MAX_PHOTOS = 10
QUESTION_START = re.compile(r"^(?:when|what|how|where|why|who|can i|could i|do i|do you|does|is there|are there)\b")
QUESTION_WORDS = re.compile(r"(?:吗|呢|多少|怎么|什么时候|为什么|几点|哪里)$|^(?:请问|怎么|为什么|什么时候)")
# A reason typed where the item was asked ("不想要了" right after the order): noted, not taken for the item.
TYPED_REASONS = {
    "changed_mind": re.compile(
        r"不想要|不要了|不喜欢|用不上|买多了|买错了|changed? my mind|don'?t (?:want|need|like) it"
    ),
    "size": re.compile(
        r"尺码不|不合身|太大|太小|偏大|偏小|穿不下|wrong size|too (?:big|small|tight|loose)|doesn'?t fit"
    ),
    "faulty": re.compile(
        r"坏了|坏的|质量|破了|破损|裂了|不能用|用不了|没反应|没声音|充不进|开不了机|"
        r"faulty|broken|damaged|defect|doesn'?t work|not working|stopped working|is dead|no sound|"
        r"won'?t (?:charge|turn on)"
    ),
    "not_as_described": re.compile(r"不符|色差|和图片不|跟图片不|与描述|not as described|looks different"),
    "wrong_item": re.compile(r"发错|寄错|wrong (?:item|one|size sent|product)"),
}
# "That's all" at the photo step: the photos sent so far (or none) go with the request.
PHOTOS_DONE = re.compile(
    r"^(?:好了?|好的|行了?|发完了?|就这些|就这样|没了|没有了|完了|可以了|ok|okay|done|finished|that'?s all|that'?s it|"
    r"no more|all done|no photos?|none)$"
)


async def start(turn: Turn) -> list[Reply]:
    """ "我要退货" / "I want to return my hoodie": the policy, then what is already known is not asked."""
    said = turn.incoming.text
    item = turn.nlu.entity("product") if turn.nlu else None
    turn.start_flow("return", step="order", key=secrets.token_hex(8), item=await _item_named(turn, said, item))
    replies = [turn.reply("return.policy_short")]
    typed = (turn.nlu.entity("order_id") if turn.nlu else None) or find_order_id(said)
    own = await orders.find_order(session=turn.session, customer_id=turn.customer.id, order_id=typed) if typed else None
    if own is not None:
        return replies + _order_chosen(turn, own)
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


def _order_chosen(turn: Turn, order: Order | None) -> list[Reply]:
    """The order (or none): where its return window stands, said plainly, then the next question."""
    flow = turn.flow or {}
    flow["order_ref"] = order.order_id if order is not None else None
    if order is None:
        return _next_question(turn)
    since = order.delivered_at or order.ordered_at
    counted_from = "delivery" if order.delivered_at is not None else "order"
    days = (turn.now - since).days
    flow.update(late=days > RETURN_DAYS, counted_from=counted_from)
    day = since.astimezone(turn.services.timezone).date().isoformat()
    if days <= RETURN_DAYS:
        window = turn.reply(f"return.inside_window_{counted_from}", date=day, since=days, days=RETURN_DAYS)
        return [window, *_next_question(turn)]
    person = [[turn.button("menu.human", "menu", "request_human")]]
    outside = turn.reply(
        f"return.outside_window_{counted_from}", date=day, since=days, days=RETURN_DAYS, buttons=person
    )
    return [outside, *_next_question(turn)]


def _next_question(turn: Turn) -> list[Reply]:
    flow = turn.flow or {}
    if not flow.get("item"):
        flow["step"] = "item"
        return [turn.reply("return.ask_item")]
    if flow.get("reason"):  # given already, where the item was asked
        return _ask_photos(turn)
    flow["step"] = "reason"
    return [turn.reply("return.ask_reason", buttons=_reason_buttons(turn))]


def typed_reason(text: str) -> str | None:
    """One of REASONS when the text says it in so many words ("不想要了", "too small"), else None."""
    folded = normalise(text)
    return next((reason for reason, words in TYPED_REASONS.items() if words.search(folded)), None)


def reprompt(turn: Turn) -> list[Reply]:
    step = (turn.flow or {}).get("step")
    if step == "order":
        return [turn.reply("return.ask_order", buttons=_order_buttons(turn))]
    if step == "item":
        return [turn.reply("return.ask_item")]
    if step == "reason":
        return [turn.reply("return.ask_reason", buttons=_reason_buttons(turn))]
    if step == "photos":
        return [turn.reply("return.ask_photos", buttons=_photo_buttons(turn))]
    return _ask_confirmation(turn)


def _photo_buttons(turn: Turn) -> list[list[Button]]:
    done = "return.photos_done" if (turn.flow or {}).get("photos") else "return.photos_skip"
    return [[turn.button(done, "ret", "photos")], [turn.button("flow.cancel_button", "flow", "cancel")]]


def _ask_photos(turn: Turn) -> list[Reply]:
    flow = turn.flow or {}
    flow["step"] = "photos"
    return [turn.reply("return.ask_photos", buttons=_photo_buttons(turn))]


async def on_photo(turn: Turn) -> list[Reply] | None:
    """A photo at the photo step goes with the request; at any other moment it is not this flow's."""
    flow = turn.flow or {}
    incoming = turn.incoming
    if flow.get("step") != "photos" or incoming.message_id is None:
        return None
    photos: list[list[object]] = flow.setdefault("photos", [])
    if len(photos) >= MAX_PHOTOS:
        return [turn.reply("return.photos_enough", count=len(photos), buttons=_photo_buttons(turn))]
    photos.append([incoming.chat_id, incoming.message_id, incoming.file_id])
    return [turn.reply("return.photo_saved", count=len(photos), buttons=_photo_buttons(turn))]


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
        return _order_chosen(turn, own)
    if action == "noorder" and step == "order":
        return _order_chosen(turn, None)
    if action == "reason" and step == "reason" and value in REASONS:
        flow["reason"] = turn.t(f"return.reason.{value}")
        return _ask_photos(turn)
    if action == "photos" and step == "photos":
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
            return _order_chosen(turn, own)
        if is_no_answer(text):
            return _order_chosen(turn, None)
        if not flow.get("item") and await _item_named(turn, text, None):  # "the earbuds, left one is dead"
            flow["item"] = text[:MAX_ITEM]
            if typed_reason(text) is not None:
                flow["reason"] = text[:MAX_REASON]
            return [turn.reply("return.item_noted", buttons=_order_buttons(turn))]
        return ask_again(turn, "return.order_not_found", buttons=_order_buttons(turn))
    if step == "item":
        if is_no_answer(text) or is_acknowledgement(text) or _is_filler(text) or _asks_something(text):
            return ask_again(turn, "return.ask_item")
        reason = typed_reason(text)
        if reason is not None and not flow.get("reason"):  # "不想要了"; "手表屏幕坏了": the item and the reason
            flow["reason"] = text[:MAX_REASON]
            if not await _item_named(turn, text, None):
                return [turn.reply("return.reason_noted", reason=turn.t(f"return.reason.{reason}"))]
        flow["item"] = text[:MAX_ITEM]
        return _next_question(turn)
    if step == "reason":
        if is_no_answer(text) or is_acknowledgement(text) or _is_filler(text) or _asks_something(text):
            return ask_again(turn, "return.ask_reason", buttons=_reason_buttons(turn))
        flow["reason"] = text[:MAX_REASON]
        return _ask_photos(turn)
    if step == "photos":
        return await _photos_answer(turn, text)
    if step == "confirm":
        answer = await yes_or_no(turn, text)
        if answer is True:
            return await _create_ticket(turn)
        if answer is False:
            turn.end_flow()
            return [turn.reply("flow.cancelled")]
        return ask_again(turn, "return.confirm_again", buttons=_confirm_buttons(turn))
    return stale_button(turn)


async def _photos_answer(turn: Turn, text: str) -> list[Reply]:
    """Typed at the photo step: "跳过" / "没有" / "好了" / "skip" / "done" move on; "yes" means photos are coming."""
    if is_no_answer(text) or PHOTOS_DONE.match(normalise(text)) or is_acknowledgement(text):
        return _ask_confirmation(turn)
    answer = await yes_or_no(turn, text)
    if answer is False:
        return _ask_confirmation(turn)
    if answer is True:
        return [turn.reply("return.photo_wanted", buttons=_photo_buttons(turn))]
    return ask_again(turn, "return.ask_photos", buttons=_photo_buttons(turn))


def _is_filler(text: str) -> bool:
    """ "hmm", "?", "yes": not an item or a reason anyone would write down."""
    stripped = text.strip().lower().rstrip("?？!！.。")
    return stripped in FILLER or not stripped or normalise(text) in YES or normalise(text) in NO


def _asks_something(text: str) -> bool:
    """ "when do my points expire", "运费多少？": a question of the customer's own, not an item or a reason
    (counted as a miss, so the pipeline answers it as an aside and asks again)."""
    folded = normalise(text)
    return is_question(text) or bool(QUESTION_START.match(folded) or QUESTION_WORDS.search(folded))


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
            photos=_photos_said(turn),
            buttons=_confirm_buttons(turn),
        )
    ]


def _photos_said(turn: Turn) -> str:
    count = len((turn.flow or {}).get("photos") or [])
    return turn.t("return.photos_count", count=count) if count else turn.t("return.photos_none")


def _window_key(flow: dict[str, object]) -> str:
    late = flow.get("late")
    if late is None:
        return "return.window_unknown"
    if flow.get("counted_from") == "delivery":
        return "return.window_late_delivery" if late else "return.window_ok_delivery"
    return "return.window_check" if late else "return.window_ok"


async def _create_ticket(turn: Turn) -> list[Reply]:
    flow = turn.flow or {}
    photos_said = _photos_said(turn)
    turn.end_flow()
    description = turn.t(
        "return.ticket",
        item=flow.get("item") or "—",
        reason=flow.get("reason") or "—",
        photos=photos_said,
        window=turn.t(_window_key(flow), days=RETURN_DAYS),
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
    photos = [
        tickets.Photo(chat_id=int(chat), message_id=int(message), file_id=str(file_id) if file_id else None)
        for chat, message, file_id in flow.get("photos") or []
    ]
    await tickets.attach_photos(session=turn.session, ticket_id=ticket.id, photos=photos, now=turn.now)
    _tell_staff(turn, ticket, photos)
    return [turn.reply("return.started", ticket=ticket.id)]


def _tell_staff(turn: Turn, ticket: Ticket, photos: list[tickets.Photo]) -> None:
    """The new return ticket in the staff group, its photos copied after it."""
    turn.notices.append(new_ticket_notice(turn, ticket))
    language = turn.services.default_language
    for number, photo in enumerate(photos, start=1):
        turn.notices.append(
            StaffNotice(
                kind="ticket",
                customer_id=turn.customer.id,
                text=catalogue_text(language, "staff.ticket_photo", ticket=ticket.id, number=number, count=len(photos)),
                copy_from=(photo.chat_id, photo.message_id),
            )
        )
