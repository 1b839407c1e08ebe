"""Which handler answers which intent, command and callback area."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.callbacks import Callback
from bot.conversation import Reply
from bot.flows import complaint, profile_edit, rating, redeem, returns
from bot.handlers import care, loyalty, menu, shop
from bot.turn import Turn

Handler = Callable[[Turn], Awaitable[list[Reply]]]
ButtonHandler = Callable[[Turn, Callback], Awaitable[list[Reply]]]


async def _affirm_or_deny(turn: Turn) -> list[Reply]:
    return await menu.affirm_or_deny_without_context(turn)


async def _language(turn: Turn) -> list[Reply]:
    return profile_edit.language_buttons(turn)


INTENT_HANDLERS: dict[str, Handler] = {
    "greet": menu.greet,
    "help": menu.show_help,
    "thanks": menu.thanks,
    "goodbye": menu.goodbye,
    "affirm": _affirm_or_deny,
    "deny": _affirm_or_deny,
    "out_of_scope": menu.out_of_scope,
    "check_points": loyalty.check_points,
    "points_history": loyalty.points_history,
    "membership_info": loyalty.membership_info,
    "redeem_points": redeem.start,
    "product_question": shop.product_question,
    "order_status": shop.order_status,
    "return_refund": returns.start,
    "faq": shop.faq_answer,
    "complaint": complaint.start,
    "update_profile": profile_edit.start,
    "request_human": care.request_human,
    "feedback": care.feedback,
    "unsubscribe": care.unsubscribe,
    "subscribe": care.subscribe,
}

COMMAND_HANDLERS: dict[str, Handler] = {
    "start": care.welcome,
    "help": menu.show_help,
    "menu": menu.show_help,
    "cancel": menu.cancel,
    "points": loyalty.check_points,
    "tier": loyalty.membership_info,
    "language": _language,
    "human": care.request_human,
    "stop": care.unsubscribe,
    "invite": care.invite,
    "products": shop.browse_catalogue,
    "mydata": care.my_data,
    "deleteme": care.delete_me,
}

# Buttons that belong to a flow are only honoured while that flow is active (see each flow's on_button).
BUTTON_HANDLERS: dict[str, ButtonHandler] = {
    "redeem": redeem.on_button,
    "complaint": complaint.on_button,
    "profile": profile_edit.on_button,
    "lang": profile_edit.set_language_from_button,
    "return": shop.start_return,  # the button of replies sent before the returns flow existed
    "ret": returns.on_button,
    "consent": care.consent_button,
    "erase": care.erase_button,
    "rate": rating.on_button,
    "browse": shop.browse_button,
    "campaign": menu.campaign_button,
    "restock": shop.restock_button,
}

# Questions recognised by their words (bot/topics.py) before the NLU is asked.
TOPIC_HANDLERS: dict[str, Handler] = {
    "bot_identity": menu.who_am_i,
    "points_expiry": loyalty.points_expiry,
    "points_earning": loyalty.points_earning,
    "referral": care.invite,
    "catalogue": shop.browse_catalogue,
    "returns_policy": shop.returns_policy,
    "restock": shop.restock_typed,
}

# The question a flow is waiting on, asked again after an aside (stopping promotions mid-complaint).
FLOW_REPROMPTS: dict[str, Callable[[Turn], list[Reply]]] = {
    "redeem": redeem.reprompt,
    "complaint": complaint.reprompt,
    "profile": profile_edit.reprompt,
    "return": returns.reprompt,
}

# A photo sent while a flow waits (the returns flow's photo step); None when the flow does not take it.
FLOW_MEDIA_HANDLERS: dict[str, Callable[[Turn], Awaitable[list[Reply] | None]]] = {
    "return": returns.on_photo,
}

# A flow's text handler returns None when the text is not for it (the flow has ended; the NLU decides).
FLOW_TEXT_HANDLERS: dict[str, Callable[[Turn, str], Awaitable[list[Reply] | None]]] = {
    "redeem": redeem.on_text,
    "complaint": complaint.on_text,
    "profile": profile_edit.on_text,
    "rating": rating.on_text,
    "feedback": care.feedback_given,
    "return": returns.on_text,
}
