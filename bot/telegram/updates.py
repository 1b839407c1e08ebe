"""Thin Telegram handlers: an update becomes an `Incoming`, the pipeline decides, the replies are rendered."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from telegram import Message, MessageEntity, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.conversation import Incoming
from bot.telegram.rendering import render_replies, send_outgoing

if TYPE_CHECKING:
    from bot.telegram.app import BotApplication, BotContext

logger = logging.getLogger(__name__)

CLAIM_BUTTON = r"^v1:claim:\d{1,18}$"


def register(application: BotApplication, *, staff_group_id: int | None) -> None:
    """Customers in private chats; staff in the topics of the staff forum group (when configured)."""
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private, on_customer_message))
    if staff_group_id is not None:  # before the customers' buttons: claim buttons live in the staff group
        application.add_handler(CallbackQueryHandler(on_staff_claim, pattern=CLAIM_BUTTON))
    application.add_handler(CallbackQueryHandler(on_customer_button))
    if staff_group_id is not None:
        group = filters.Chat(chat_id=staff_group_id)
        application.add_handler(CommandHandler("queue", on_staff_queue, filters=group & filters.UpdateType.MESSAGE))
        application.add_handler(CommandHandler("duty", on_staff_duty, filters=group & filters.UpdateType.MESSAGE))
        staff_topics = group & filters.IS_TOPIC_MESSAGE & filters.UpdateType.MESSAGE
        application.add_handler(MessageHandler(staff_topics, on_staff_message))


async def on_customer_message(update: Update, context: BotContext) -> None:
    """A customer's message, command or edit goes through the pipeline; the replies go back to the chat."""
    incoming = incoming_from_update(update)
    if incoming is not None:
        await _converse(incoming, context)


async def on_customer_button(update: Update, context: BotContext) -> None:
    """A button press is answered at once (stops the spinner), then handled like a message."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer()
    except TelegramError as error:  # an expired query still deserves its reply below
        logger.info("answerCallbackQuery for update %s failed: %s", update.update_id, type(error).__name__)
    incoming = incoming_from_update(update)
    if incoming is not None and incoming.chat_id > 0:
        await _converse(incoming, context)


async def on_staff_message(update: Update, context: BotContext) -> None:
    """A message in a customer's topic goes to the desk with its sender's Telegram id: registered staff are
    relayed to the customer (or close the chat with /close); anyone else is refused."""
    message = update.effective_message
    if message is None or message.message_thread_id is None or message.from_user is None:
        return
    if message.from_user.is_bot:
        return
    relay = await context.staff_desk.handle_message(
        topic_id=message.message_thread_id,
        staff_user_id=message.from_user.id,
        text=message.text or message.caption or "",
        update_id=update.update_id,
    )
    if relay is not None:
        await context.staff.send_result(relay, thread_id=message.message_thread_id)


async def on_staff_queue(update: Update, context: BotContext) -> None:
    """`/queue` in the staff group: the waiting chats with claim buttons, where it was asked."""
    message = update.effective_message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return
    listing = await context.staff_desk.queue_for(staff_user_id=message.from_user.id, update_id=update.update_id)
    if listing is not None:
        thread_id = message.message_thread_id if message.is_topic_message else None
        await send_outgoing(
            context.sender, message.chat_id, render_replies(listing.staff_replies), message_thread_id=thread_id
        )


async def on_staff_duty(update: Update, context: BotContext) -> None:
    """`/duty on` or `/duty off` in the staff group: whether its sender is mentioned on new escalations."""
    message = update.effective_message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return
    on = (context.args or ["on"])[0].lower() not in ("off", "0", "stop", "下班")
    result = await context.staff_desk.set_duty(staff_user_id=message.from_user.id, on=on, update_id=update.update_id)
    if result is not None:
        thread_id = message.message_thread_id if message.is_topic_message else None
        await send_outgoing(
            context.sender, message.chat_id, render_replies(result.staff_replies), message_thread_id=thread_id
        )


async def on_staff_claim(update: Update, context: BotContext) -> None:
    """A claim button under `/queue`: the presser takes the chat; its topic is told who did."""
    query = update.callback_query
    if query is None or query.message is None or query.from_user is None or query.data is None:
        return
    answer, topic_id = await context.staff_desk.claim_from_group(
        handoff_id=int(query.data.rsplit(":", 1)[1]), staff_user_id=query.from_user.id
    )
    try:
        await query.answer(answer.text[:200])
    except TelegramError as error:
        logger.info("answerCallbackQuery for update %s failed: %s", update.update_id, type(error).__name__)
    if topic_id is not None:
        await send_outgoing(
            context.sender, query.message.chat.id, render_replies((answer,)), message_thread_id=topic_id
        )


async def _converse(incoming: Incoming, context: BotContext) -> None:
    outcome = await context.pipeline.handle(incoming)
    if outcome.in_flight:  # a repeat while the first delivery may still be sending: ask for it again later
        context.report_unfinished(incoming.update_id)
        return
    results = await send_outgoing(context.sender, incoming.chat_id, render_replies(outcome.replies))
    context.staff_queue.put(outcome.staff_notices)  # posted by a background task: never waits for the group
    if incoming.update_id is None or (outcome.repeated and not outcome.replies):
        return
    if all(result.ok or result.blocked for result in results):
        await context.pipeline.mark_answered(incoming.update_id)
    else:  # not sent even after retries: the redelivery sends the stored replies
        context.report_unfinished(incoming.update_id)


def incoming_from_update(update: Update) -> Incoming | None:
    """The transport-neutral view of a customer's update, or None when it has no customer to answer."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or user.is_bot:
        return None
    common: dict[str, Any] = {
        "update_id": update.update_id,
        "user_id": user.id,
        "chat_id": chat.id if chat is not None else user.id,
        "first_name": user.first_name,
        "username": user.username,
        "language_code": user.language_code,
    }
    if update.callback_query is not None:
        return Incoming(**common, kind="callback", callback_data=update.callback_query.data or "")
    if update.edited_message is not None:
        return Incoming(**common, kind="edited", text=update.edited_message.text or "")
    message = update.message
    if message is None:
        return None
    return Incoming(**common, message_id=message.message_id, **_message_fields(message))


def _message_fields(message: Message) -> dict[str, Any]:
    if message.text is not None:
        command = _command(message)
        if command is not None:
            name, args = command
            return {"kind": "command", "text": message.text, "command": name, "command_args": args}
        return {"kind": "text", "text": message.text}
    if message.sticker is not None:
        return {"kind": "sticker", "text": message.sticker.emoji or ""}
    if message.photo:  # the largest size's file, kept with a ticket the photo is attached to
        return {"kind": "photo", "text": message.caption or "", "file_id": message.photo[-1].file_id}
    if message.voice is not None or message.audio is not None or message.video_note is not None:
        return {"kind": "voice"}
    if message.document is not None:
        return {"kind": "document", "text": message.caption or ""}
    if message.location is not None or message.venue is not None:
        return {"kind": "location"}
    return {"kind": "other", "text": message.caption or ""}


def _command(message: Message) -> tuple[str, str] | None:
    """`/start ref_ABC` -> ("start", "ref_ABC"); `/help@CareBot` -> ("help", ""); else None."""
    entities = message.parse_entities([MessageEntity.BOT_COMMAND])
    first = next((entity for entity in entities if entity.offset == 0), None)
    if first is None or message.text is None:
        return None
    name = message.text[1 : first.length].split("@", 1)[0].lower()
    return name, message.text[first.length :].strip()
