"""Products, orders, returns and store-policy answers, from the catalogue, orders and FAQ tables."""

from __future__ import annotations

from decimal import Decimal

from actions import faq, orders, products, tickets
from bot import callbacks
from bot.callbacks import Callback
from bot.conversation import Reply
from bot.patterns import find_order_id
from bot.replies import main_menu, stale_button
from bot.turn import Turn
from storage.models import Order, Product, localized


def _listing(turn: Turn, values: list[str]) -> str:
    return localized("、", ", ", turn.language).join(values) or turn.t("product.none_listed")


def _price(amount: Decimal) -> str:
    return f"{amount:.2f}"


def product_card(turn: Turn, product: Product) -> Reply:
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
    name = product.name_in(turn.language)
    if attribute == "price":
        return turn.reply("product.price", name=name, price=_price(product.price))
    if attribute == "stock":
        if product.stock > 0:
            return turn.reply("product.stock_yes", name=name, count=product.stock)
        return turn.reply("product.stock_no", name=name)
    if attribute == "colours":
        return turn.reply("product.colours", name=name, colours=_listing(turn, list(product.colours_in(turn.language))))
    if attribute == "sizes":
        return turn.reply("product.sizes", name=name, sizes=_listing(turn, list(product.sizes)))
    return product_card(turn, product)


async def product_question(turn: Turn) -> list[Reply]:
    entity = turn.nlu.entity("product") if turn.nlu else None
    answer = await products.answer_product_question(session=turn.session, text=turn.incoming.text, entity=entity)
    if answer.product is None and not answer.candidates:
        return [turn.reply("product.unknown")]
    if answer.product is None:
        names = _listing(turn, [product.name_in(turn.language) for product in answer.candidates])
        return [turn.reply("product.which", names=names)]
    replies = [_attribute_answer(turn, answer.product, answer.attribute or "card")]
    if answer.candidates:
        names = _listing(turn, [product.name_in(turn.language) for product in answer.candidates])
        replies.append(turn.reply("product.also", names=names))
    return replies


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
        return [Reply(_order_line(turn, order))]
    recent = await orders.recent_orders(session=turn.session, customer_id=turn.customer.id, limit=3)
    if not recent:
        return [turn.reply("order.none")]
    return [Reply(turn.t("order.recent") + "\n" + "\n".join(_order_line(turn, order) for order in recent))]


async def return_refund(turn: Turn) -> list[Reply]:
    order_ref = await _own_order_ref(turn, _order_ref(turn))
    # Only a reference that fits in callback data travels with the button; the ticket can do without.
    carried = order_ref if order_ref and callbacks.PART.match(order_ref) and len(order_ref) <= 40 else "none"
    buttons = [[turn.button("return.start", "return", "start", carried)]]
    return [turn.reply("return.policy", buttons=buttons)]


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
