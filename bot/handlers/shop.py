"""Products, orders, returns and store-policy answers, from the catalogue, orders and FAQ tables."""

from __future__ import annotations

import re
from decimal import Decimal

from actions import faq, orders, products, restock, tickets
from bot import callbacks
from bot.callbacks import Callback
from bot.conversation import Button, Reply
from bot.patterns import find_order_id, fold, simplified
from bot.replies import main_menu, stale_button
from bot.texts import CATALOGUES
from bot.turn import Turn
from storage.models import Order, Product, localized


def _listing(turn: Turn, values: list[str]) -> str:
    return localized("、", ", ", turn.language).join(values) or turn.t("product.none_listed")


def _price(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _with_restock_offer(turn: Turn, product: Product, reply: Reply) -> Reply:
    """A sold-out product's answer offers a restock notice (a button; "到货通知我" typed works too)."""
    if product.stock > 0:
        return reply
    button = Button(turn.t("restock.button"), callbacks.encode("restock", product.id))
    return Reply(reply.text + "\n" + turn.t("restock.offer"), (*reply.buttons, (button,)))


def product_card(turn: Turn, product: Product) -> Reply:
    turn.state["product_id"] = product.id
    turn.state.pop("reward_id", None)  # "换这个" is no longer about a reward
    return _with_restock_offer(turn, product, _card(turn, product))


def _card(turn: Turn, product: Product) -> Reply:
    return turn.reply(
        "product.card",
        name=product.name_in(turn.language),
        price=_price(product.price),
        stock=turn.t("product.in_stock", count=product.stock) if product.stock > 0 else turn.t("product.sold_out"),
        colours=_listing(turn, list(product.colours_in(turn.language))),
        sizes=_listing(turn, list(product.sizes)),
        specs=product.specs_in(turn.language),
    )


def _attribute_answer(turn: Turn, product: Product, attribute: str) -> Reply:
    turn.state["product_id"] = product.id  # "how much is it?" next refers to this one
    turn.state.pop("reward_id", None)
    if attribute not in products.PRODUCT_ATTRIBUTES or attribute == "specs":
        return product_card(turn, product)
    return _with_restock_offer(turn, product, _attribute_reply(turn, product, attribute))


def _attribute_reply(turn: Turn, product: Product, attribute: str) -> Reply:
    name = product.name_in(turn.language)
    if attribute == "price" and product.stock <= 0:  # a price alone would promise what we cannot send
        return turn.reply("product.price_sold_out", name=name, price=_price(product.price))
    if attribute == "price":
        return turn.reply("product.price", name=name, price=_price(product.price))
    if attribute == "stock":
        if product.stock > 0:
            return turn.reply("product.stock_yes", name=name, count=product.stock)
        return turn.reply("product.stock_no", name=name)
    if attribute == "colours":
        return turn.reply("product.colours", name=name, colours=_listing(turn, list(product.colours_in(turn.language))))
    return turn.reply("product.sizes", name=name, sizes=_listing(turn, list(product.sizes)))


async def product_question(turn: Turn) -> list[Reply]:
    entity = turn.nlu.entity("product") if turn.nlu else None
    text = simplified(turn.incoming.text)  # the catalogue's names are in simplified characters
    answer = await products.answer_product_question(session=turn.session, text=text, entity=entity)
    if answer.product is None and not answer.candidates:
        follow_up = await product_follow_up(turn)  # "有货吗" after the hoodie: about the hoodie
        return follow_up if follow_up is not None else [turn.reply("product.unknown")]
    if answer.product is None:
        names = _listing(turn, [product.name_in(turn.language) for product in answer.candidates])
        return [turn.reply("product.which", names=names)]
    replies = [_attribute_answer(turn, answer.product, answer.attribute or "card")]
    if answer.candidates:
        names = _listing(turn, [product.name_in(turn.language) for product in answer.candidates])
        replies.append(turn.reply("product.also", names=names))
    return replies


# Colours a customer may ask about ("那黑色的呢", "in blue?"), whether or not the product comes in them.
COLOUR_WORD = re.compile(
    r"(黑|白|红|蓝|绿|黄|灰|粉|紫|棕|咖啡|米白|米|银|金|藏青|卡其|橙)(?:色|的)|"
    r"\b(black|white|red|blue|green|yellow|grey|gray|pink|purple|brown|beige|silver|gold|navy|khaki|orange)\b"
)
MAX_FOLLOW_UP = 30  # a follow-up is short: "how much is it?", "那黑色的呢", "有货吗"
# A word pointing back at something already named: "how much is it?" is about the product just discussed,
# however sure the model is that a price question is the shipping fee FAQ.
POINTING_BACK = re.compile(
    r"(?<![a-z])(?:it|its|this|that|this one|that one|these|those|them)(?![a-z])|它|这个|那个|这款|那款"
)


def points_back(text: str) -> bool:
    """The message refers to something already named ("how much is it?", "这个多少钱")."""
    return bool(POINTING_BACK.search(fold(text)))


async def product_follow_up(turn: Turn) -> list[Reply] | None:
    """A short question about the product talked about last (kept in the dialogue state), when the message
    names no product itself: an attribute ("how much is it?") or a colour ("那黑色的呢"). None otherwise."""
    text = turn.incoming.text
    remembered = turn.state.get("product_id")
    if not isinstance(remembered, int) or len(text) > MAX_FOLLOW_UP:
        return None
    if await products.find_products(session=turn.session, text=text, limit=1):
        return None  # names a product: a new question, not a follow-up
    attribute = products.detect_attribute(text)
    colour = COLOUR_WORD.search(fold(text))
    if attribute is None and colour is None:
        return None
    product = await products.get_product(session=turn.session, product_id=remembered)
    if product is None:
        return None
    if attribute is None and colour is not None:
        return [_with_restock_offer(turn, product, _colour_answer(turn, product, colour.group(0)))]
    return [_attribute_answer(turn, product, attribute or "card")]


def _colour_answer(turn: Turn, product: Product, asked: str) -> Reply:
    name = product.name_in(turn.language)
    all_colours = [*product.colours_zh, *product.colours_en]
    stem = asked.removesuffix("色")
    matching = next((c for c in all_colours if stem and stem in c.lower()), None)
    colours = _listing(turn, list(product.colours_in(turn.language)))
    if matching is None:
        return turn.reply("product.colour_no", name=name, colour=asked, colours=colours)
    stock = turn.t("product.in_stock", count=product.stock) if product.stock > 0 else turn.t("product.sold_out")
    return turn.reply("product.colour_yes", name=name, colour=matching, price=_price(product.price), stock=stock)


def _order_line(turn: Turn, order: Order) -> str:
    return turn.t(
        "order.line",
        order=order.order_id,
        date=order.ordered_at.astimezone(turn.services.timezone).date().isoformat(),
        amount=_price(order.amount),
        status=turn.t(f"order.status.{order.status}"),
        shipping=order.shipping_status or turn.t("order.shipping_unknown"),
    )


def _order_ref(turn: Turn) -> str | None:
    """The order number: the NLU's entity, else one in the shop's format anywhere in the message."""
    entity = turn.nlu.entity("order_id") if turn.nlu else None
    return entity or find_order_id(turn.incoming.text)


async def order_status(turn: Turn) -> list[Reply]:
    order_ref = _order_ref(turn)
    if order_ref:
        order = await orders.find_order(session=turn.session, customer_id=turn.customer.id, order_id=order_ref)
        if order is None:
            return [turn.reply("order.not_found", order=order_ref)]
        turn.state["order_ref"] = order.order_id  # "这个订单我要投诉" next refers to this one
        return [Reply(_order_line(turn, order))]
    recent = await orders.recent_orders(session=turn.session, customer_id=turn.customer.id, limit=3)
    if not recent:
        return [turn.reply("order.none")]
    return [Reply(turn.t("order.recent") + "\n" + "\n".join(_order_line(turn, order) for order in recent))]


async def returns_policy(turn: Turn) -> list[Reply]:
    """ "What's your refund policy?": the policy, and a button for those who want to start a return."""
    return [turn.reply("policy.summary", buttons=[[turn.button("intent.return_refund", "menu", "return_refund")]])]


async def start_return(turn: Turn, callback: Callback) -> list[Reply]:
    """The "start a return" button: a return ticket staff will follow up (idempotent per customer and day)."""
    if callback.part(0) != "start":
        return stale_button(turn)
    part = callback.part(1)
    order_ref = part if part and part != "none" else None
    if order_ref is not None and await _own_order_ref(turn, order_ref) is None:
        return stale_button(turn)  # callback data is the client's: an order that is not theirs is refused
    ticket = await tickets.start_return_request(
        session=turn.session,
        customer_id=turn.customer.id,
        order_ref=order_ref,
        reason=turn.t("return.reason"),
        now=turn.now,
        business=turn.services.business,
        targets=turn.services.targets,
    )
    return [turn.reply("return.started", ticket=ticket.id)]


async def _own_order_ref(turn: Turn, order_ref: str | None) -> str | None:
    """The order reference when it names one of this customer's own orders, else None."""
    if not order_ref:
        return None
    order = await orders.find_order(session=turn.session, customer_id=turn.customer.id, order_id=order_ref)
    return order.order_id if order is not None else None


async def faq_answer(turn: Turn) -> list[Reply]:
    topic = turn.nlu.faq_topic if turn.nlu else None
    entry = await faq.faq_entry(session=turn.session, topic=topic) if topic else None
    if entry is None:
        return main_menu(turn, "faq.unknown")
    return [Reply(entry.answer_in(turn.language))]


def _category_label(turn: Turn, category: str) -> str:
    """The category's name in the customer's language; a category the texts do not know shows as stored."""
    key = f"catalogue.category.{category}"
    return turn.t(key) if key in CATALOGUES[turn.language] else category


async def browse_catalogue(turn: Turn) -> list[Reply]:
    """ "What do you sell?": the categories as buttons."""
    found = await products.categories(session=turn.session)
    if not found:
        return [turn.reply("catalogue.empty")]
    buttons = [
        Button(f"{_category_label(turn, category)} ({count})", callbacks.encode("browse", "cat", category))
        for category, count in found
        if callbacks.PART.match(category)
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return [turn.reply("catalogue.categories", buttons=rows)]


async def browse_button(turn: Turn, callback: Callback) -> list[Reply]:
    """A category (its products as buttons, sold-out ones marked) or a product (its card)."""
    action, value = callback.part(0), callback.part(1) or ""
    if action == "cat":
        items = await products.products_in_category(session=turn.session, category=value)
        if not items:
            return stale_button(turn)
        rows = [
            [Button(_item_label(turn, product), callbacks.encode("browse", "item", product.id))] for product in items
        ]
        return [turn.reply("catalogue.products", category=_category_label(turn, value), buttons=rows)]
    if action == "item" and value.isdigit():
        product = await products.get_product(session=turn.session, product_id=int(value))
        return [product_card(turn, product)] if product is not None else stale_button(turn)
    return stale_button(turn)


def _item_label(turn: Turn, product: Product) -> str:
    key = "catalogue.item" if product.stock > 0 else "catalogue.item_sold_out"
    return turn.t(key, name=product.name_in(turn.language), price=_price(product.price))


async def restock_button(turn: Turn, callback: Callback) -> list[Reply]:
    """ "Notify me when it's back" under a sold-out product."""
    value = callback.part(0) or ""
    product = await products.get_product(session=turn.session, product_id=int(value)) if value.isdigit() else None
    if product is None:
        return stale_button(turn)
    return await _restock_notice(turn, product)


async def restock_typed(turn: Turn) -> list[Reply]:
    """ "到货通知我" / "let me know when it's back": about the product named, else the one just talked about."""
    named = await products.find_products(session=turn.session, text=simplified(turn.incoming.text), limit=1)
    remembered = turn.state.get("product_id")
    product = named[0] if named else None
    if product is None and isinstance(remembered, int):
        product = await products.get_product(session=turn.session, product_id=remembered)
    if product is None:
        return [turn.reply("restock.which")]
    return await _restock_notice(turn, product)


async def _restock_notice(turn: Turn, product: Product) -> list[Reply]:
    turn.state["product_id"] = product.id
    name = product.name_in(turn.language)
    try:
        _, new = await restock.request_notice(
            session=turn.session, customer_id=turn.customer.id, product=product, now=turn.now
        )
    except restock.InStock:
        return [turn.reply("restock.in_stock", name=name, count=product.stock)]
    return [turn.reply("restock.saved" if new else "restock.already", name=name)]
