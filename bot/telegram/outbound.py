"""Proactive messages on Telegram: the transport `jobs.outreach` hands each `Outgoing` to.

Everything goes through the bot's one `Sender` (shared Redis buckets, 429 pauses for every sender, 403 marks
the customer). A button is either a link or a button back into the chat; presses of both are counted (the
delivery id in the callback data, counted by bot.handlers.menu.campaign_button; a link through the
console's /go/ page when CONSOLE_PUBLIC_URL and LINK_SECRET are set, see actions.tracked_links).
"""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message

from actions.deliveries import Outcome, Outgoing
from bot import callbacks
from bot.telegram.sender import Sender, SendResult

LinkFor = Callable[[Outgoing], str]  # the URL a link button opens (a counted link through the console)


def direct_link(item: Outgoing) -> str:
    """Without a public console address presses of link buttons cannot be counted: the link goes direct."""
    return item.button_url or ""


def campaign_keyboard(item: Outgoing, link_for: LinkFor = direct_link) -> InlineKeyboardMarkup | None:
    if not item.button_label:
        return None
    if item.button_url:
        button = InlineKeyboardButton(item.button_label, url=link_for(item))
    else:
        button = InlineKeyboardButton(item.button_label, callback_data=callbacks.encode("campaign", item.delivery_id))
    return InlineKeyboardMarkup([[button]])


def outcome_of(item: Outgoing, result: SendResult[Message]) -> Outcome:
    """The ledger's status for what the sender reported."""
    if result.ok and result.value is not None:
        return Outcome(item.delivery_id, "sent", telegram_message_id=result.value.message_id)
    if result.blocked:
        return Outcome(item.delivery_id, "blocked", reason="blocked")
    if result.error == "timed_out":  # it may have reached Telegram: never sent again automatically
        return Outcome(item.delivery_id, "unknown", reason="timed_out")
    if result.error in {"network", "retry_after"}:  # it did not reach Telegram: safe to try later
        return Outcome(item.delivery_id, "retry", reason=result.error)
    return Outcome(item.delivery_id, "failed", reason=result.error)


class TelegramOutreach:
    """`jobs.outreach.Transport` over the bot's sender."""

    def __init__(self, sender: Sender, *, link_for: LinkFor = direct_link) -> None:
        self._sender = sender
        self._link_for = link_for

    async def __call__(self, item: Outgoing) -> Outcome:
        keyboard = campaign_keyboard(item, self._link_for)
        result = await self._sender.call(
            item.chat_id,
            lambda: self._sender.bot.send_message(
                chat_id=item.chat_id, text=item.text, reply_markup=keyboard, allow_paid_broadcast=item.paid or None
            ),
            paid=item.paid,
        )
        return outcome_of(item, result)
