"""Greeting, menu, small talk, out-of-scope, odd input and the "did you mean" fallback."""

from __future__ import annotations

from actions import products, restock
from actions.deliveries import record_button_press
from bot.callbacks import Callback
from bot.conversation import Reply
from bot.handlers import loyalty, shop
from bot.replies import main_menu
from bot.turn import Turn

INTENT_LABELS = {
    "greet": "intent.greet",
    "help": "intent.help",
    "check_points": "menu.points",
    "points_history": "intent.points_history",
    "redeem_points": "menu.redeem",
    "membership_info": "menu.tier",
    "product_question": "intent.product_question",
    "order_status": "menu.orders",
    "return_refund": "intent.return_refund",
    "complaint": "menu.complaint",
    "request_human": "menu.human",
    "update_profile": "intent.update_profile",
    "unsubscribe": "intent.unsubscribe",
    "subscribe": "intent.subscribe",
    "feedback": "intent.feedback",
    "faq": "intent.faq",
}


async def greet(turn: Turn) -> list[Reply]:
    return main_menu(turn, "greet.hello")


async def show_help(turn: Turn) -> list[Reply]:
    return main_menu(turn)


async def cancel(turn: Turn) -> list[Reply]:
    """/cancel: leave whatever flow is open (the words 取消/cancel do the same)."""
    had_flow = turn.flow is not None
    turn.end_flow()
    return main_menu(turn, "flow.cancelled" if had_flow else "menu.intro")


async def who_am_i(turn: Turn) -> list[Reply]:
    """ "Are you a bot?": honestly, and how to reach a person."""
    return [turn.reply("bot.identity", buttons=[[turn.button("menu.human", "menu", "request_human")]])]


async def thanks(turn: Turn) -> list[Reply]:
    return [turn.reply("smalltalk.thanks")]


async def goodbye(turn: Turn) -> list[Reply]:
    return [turn.reply("smalltalk.goodbye")]


async def out_of_scope(turn: Turn) -> list[Reply]:
    return main_menu(turn, "fallback.out_of_scope")


async def affirm_or_deny_without_context(turn: Turn) -> list[Reply]:
    return main_menu(turn, "smalltalk.no_context")


def did_you_mean(turn: Turn, intents: list[str]) -> list[Reply]:
    """First fallback: the two most likely intents as buttons."""
    choices = [name for name in intents if name in INTENT_LABELS][:2]
    if not choices:
        return main_menu(turn, "fallback.not_understood")
    buttons = [[turn.button(INTENT_LABELS[name], "intent", name)] for name in choices]
    buttons.append([turn.button("menu.human", "menu", "request_human")])
    return [turn.reply("fallback.did_you_mean", buttons=buttons)]


def offer_human(turn: Turn) -> list[Reply]:
    """Second fallback in a row: a person is the better answer."""
    buttons = [[turn.button("menu.human", "menu", "request_human")], [turn.button("menu.show", "menu", "help")]]
    return [turn.reply("fallback.offer_human", buttons=buttons)]


def odd_input(turn: Turn, kind: str) -> list[Reply]:
    """Stickers, photos, voice, files, locations, edits: a polite word and the way forward."""
    key = f"odd.{kind}" if kind in {"sticker", "photo", "voice", "document", "location", "edited"} else "odd.other"
    return [turn.reply(key)]


async def campaign_button(turn: Turn, callback: Callback) -> list[Reply]:
    """The button of a campaign or care message that leads back into the chat: counted (first press by the
    customer it was sent to; a forged or foreign id counts nothing), then what the message was about: the
    points for a re-engagement or expiry reminder, the membership for a new tier, the product for a restock
    notice, else the menu."""
    delivery_id = callback.part(0) or ""
    source = None
    if delivery_id.isdigit():
        source = await record_button_press(
            turn.session, delivery_id=int(delivery_id), customer_id=turn.customer.id, now=turn.now
        )
    if source and source.startswith(("reengagement:", "expiry:")):
        return await loyalty.check_points(turn)
    if source and source.startswith("tier_upgrade:"):
        return await loyalty.membership_info(turn)
    product_id = restock.product_of_source(source) if source else None
    product = await products.get_product(session=turn.session, product_id=product_id) if product_id else None
    if product is not None:  # a restock notice: the product's card
        return [shop.product_card(turn, product)]
    return main_menu(turn, "greet.hello")
