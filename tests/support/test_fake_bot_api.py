"""The fake Bot API driven by the real python-telegram-bot: Bot calls, errors, polling and webhook delivery."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, RetryAfter
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from nlu.local_server import free_port
from tests.support.fake_bot_api import FakeBotApi

pytestmark = pytest.mark.usefixtures("ptb_timedelta")

CUSTOMER = 4242
GROUP = -1001234567890


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the same text."""
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


def echo_application(api: FakeBotApi) -> Application[Any, Any, Any, Any, Any, Any]:
    """An application pointed at the fake that echoes text messages."""
    application = Application.builder().token(api.token).base_url(api.base_url).build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


@pytest.fixture
async def http(fake_bot_api: FakeBotApi) -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client for raw requests to the fake."""
    async with httpx.AsyncClient() as client:
        yield client


# -- Bot calls -------------------------------------------------------------------------------------------------


async def test_get_me(fake_bot: Bot, fake_bot_api: FakeBotApi) -> None:
    me = await fake_bot.get_me()
    assert me.is_bot and me.username == "CareBotTestBot" and me.id == 123456789
    assert [c.method for c in fake_bot_api.calls()] == ["getMe", "getMe"]  # Bot.initialize, then ours


async def test_send_message_records_decoded_keyboard(fake_bot: Bot, fake_bot_api: FakeBotApi) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes")]])
    message = await fake_bot.send_message(CUSTOMER, "123", reply_markup=keyboard)
    second = await fake_bot.send_message(CUSTOMER, "again")

    assert message.text == "123" and message.chat.id == CUSTOMER and message.from_user is not None
    assert message.reply_markup == keyboard
    assert second.message_id == message.message_id + 1
    assert fake_bot_api.sent_messages(CUSTOMER) == [
        {
            "chat_id": CUSTOMER,
            "text": "123",
            "reply_markup": {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]},
        },
        {"chat_id": CUSTOMER, "text": "again"},
    ]


async def test_too_many_requests_raises_retry_after(fake_bot: Bot, fake_bot_api: FakeBotApi) -> None:
    fake_bot_api.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as error:
        await fake_bot.send_message(CUSTOMER, "hello")
    assert error.value.retry_after == timedelta(seconds=7)

    await fake_bot.send_message(CUSTOMER, "hello")
    assert [c.status for c in fake_bot_api.calls("sendMessage")] == [429, 200]
    assert fake_bot_api.sent_messages() == [{"chat_id": CUSTOMER, "text": "hello"}]


async def test_blocked_user_raises_forbidden(fake_bot: Bot, fake_bot_api: FakeBotApi) -> None:
    fake_bot_api.block_user(CUSTOMER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await fake_bot.send_message(CUSTOMER, "hello")
    await fake_bot.send_message(CUSTOMER + 1, "someone else")
    assert fake_bot_api.sent_messages() == [{"chat_id": CUSTOMER + 1, "text": "someone else"}]


async def test_get_updates_honours_offset_and_limit(fake_bot: Bot, fake_bot_api: FakeBotApi) -> None:
    first = fake_bot_api.user_message(CUSTOMER, "one")
    second = fake_bot_api.user_message(CUSTOMER, "two")
    await fake_bot_api.inject(first)
    await fake_bot_api.inject(second)

    updates = await fake_bot.get_updates(limit=1)
    assert [u.message.text for u in updates if u.message] == ["one"]
    updates = await fake_bot.get_updates(offset=updates[0].update_id + 1)
    assert [u.update_id for u in updates] == [second["update_id"]]
    assert await fake_bot.get_updates(offset=second["update_id"] + 1) == ()
    assert await fake_bot.get_updates() == ()  # confirmed updates are gone


async def test_pending_get_updates_returns_on_inject(fake_bot: Bot, fake_bot_api: FakeBotApi) -> None:
    poll = asyncio.create_task(fake_bot.get_updates(timeout=60, read_timeout=90))
    await fake_bot_api.wait_for("getUpdates")
    assert not poll.done()
    update = fake_bot_api.user_message(CUSTOMER, "/start promo", first_name="小明")
    await fake_bot_api.inject(update)

    (received,) = await asyncio.wait_for(poll, 5)
    assert received.message is not None and received.message.text == "/start promo"
    assert received.message.from_user is not None and received.message.from_user.language_code == "zh"
    assert received.message.parse_entities() == {received.message.entities[0]: "/start"}


async def test_duplicate_is_delivered_again_after_confirmation(fake_bot: Bot, fake_bot_api: FakeBotApi) -> None:
    update = fake_bot_api.user_message(CUSTOMER, "pay")
    await fake_bot_api.inject(update)
    (first,) = await fake_bot.get_updates()
    await fake_bot_api.inject_duplicate(update)
    (again,) = await fake_bot.get_updates(offset=first.update_id + 1)
    assert again.update_id == first.update_id
    assert await fake_bot.get_updates(offset=first.update_id + 1) == ()


async def test_send_document_upload(fake_bot: Bot, fake_bot_api: FakeBotApi) -> None:
    message = await fake_bot.send_document(CUSTOMER, InputFile(b"%PDF-1.4 fake", filename="invoice.pdf"), caption="42")
    assert message.document is not None and message.document.file_name == "invoice.pdf"
    assert message.caption == "42"
    (call,) = fake_bot_api.calls("sendDocument")
    assert call.params == {"chat_id": CUSTOMER, "caption": "42"}
    assert call.files["document"].body == b"%PDF-1.4 fake"
    assert call.files["document"].filename == "invoice.pdf"


async def test_forum_topics_and_staff_messages(fake_bot: Bot, fake_bot_api: FakeBotApi) -> None:
    topic = await fake_bot.create_forum_topic(GROUP, "Order #1001 · 小明")
    assert topic.name == "Order #1001 · 小明" and topic.icon_color == 7322096
    sent = await fake_bot.send_message(GROUP, "New ticket", message_thread_id=topic.message_thread_id)
    assert sent.message_thread_id == topic.message_thread_id and sent.is_topic_message

    assert await fake_bot.close_forum_topic(GROUP, topic.message_thread_id)
    with pytest.raises(BadRequest, match=r"(?i)topic_not_modified"):
        await fake_bot.close_forum_topic(GROUP, topic.message_thread_id)

    update = Update.de_json(fake_bot_api.group_message(GROUP, topic.message_thread_id, 7, "On it"), fake_bot)
    assert update.message is not None and update.message.chat.is_forum
    assert update.message.message_thread_id == topic.message_thread_id
    assert update.message.reply_to_message is not None
    assert update.message.reply_to_message.forum_topic_created is not None


async def test_callback_and_answer(fake_bot: Bot, fake_bot_api: FakeBotApi) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Track", callback_data="track:1001")]])
    sent = await fake_bot.send_message(CUSTOMER, "Your order", reply_markup=keyboard)
    update = Update.de_json(fake_bot_api.callback(CUSTOMER, "track:1001", sent.message_id), fake_bot)
    query = update.callback_query
    assert query is not None and query.data == "track:1001" and isinstance(query.message, Message)
    assert query.message.reply_markup == keyboard

    assert await fake_bot.answer_callback_query(query.id, text="Shipped")
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await fake_bot.answer_callback_query(query.id)


async def test_copy_message_to_a_staff_topic(fake_bot: Bot, fake_bot_api: FakeBotApi) -> None:
    photo = fake_bot_api.photo(CUSTOMER, caption="broken")
    topic = await fake_bot.create_forum_topic(GROUP, "Ticket")
    copied = await fake_bot.copy_message(
        GROUP, CUSTOMER, photo["message"]["message_id"], message_thread_id=topic.message_thread_id
    )
    message = fake_bot_api.message(GROUP, copied.message_id)
    assert message is not None and message["caption"] == "broken" and len(message["photo"]) == 2
    assert message["message_thread_id"] == topic.message_thread_id
    with pytest.raises(BadRequest, match=r"(?i)message to copy not found"):
        await fake_bot.copy_message(GROUP, CUSTOMER, 999)


@pytest.mark.parametrize(
    ("build", "check"),
    [
        (lambda api: api.sticker(CUSTOMER), lambda u: u.message.sticker.emoji == "👍"),
        (lambda api: api.photo(CUSTOMER, caption="broken"), lambda u: u.message.photo[-1].width == 1280),
        (lambda api: api.voice(CUSTOMER), lambda u: u.message.voice.duration == timedelta(seconds=3)),
        (lambda api: api.document(CUSTOMER), lambda u: u.message.document.file_name == "invoice.pdf"),
        (lambda api: api.location(CUSTOMER), lambda u: u.message.location.latitude == 31.2304),
        (lambda api: api.edited_message(CUSTOMER, 1, "fixed"), lambda u: u.edited_message.edit_date is not None),
    ],
)
async def test_update_builders_de_json(
    fake_bot: Bot,
    fake_bot_api: FakeBotApi,
    build: Callable[[FakeBotApi], dict[str, Any]],
    check: Callable[[Any], bool],
) -> None:
    update = Update.de_json(build(fake_bot_api), fake_bot)
    assert check(update)
    assert update.effective_user is not None and update.effective_user.id == CUSTOMER


async def test_update_ids_and_message_ids_increment(fake_bot_api: FakeBotApi) -> None:
    first, second = fake_bot_api.user_message(CUSTOMER, "a"), fake_bot_api.sticker(CUSTOMER)
    assert second["update_id"] == first["update_id"] + 1
    assert second["message"]["message_id"] == first["message"]["message_id"] + 1


# -- raw HTTP --------------------------------------------------------------------------------------------------


async def test_json_and_form_bodies_decode_alike(fake_bot_api: FakeBotApi, http: httpx.AsyncClient) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    url = fake_bot_api.url("sendMessage")
    as_json = await http.post(url, json={"chat_id": CUSTOMER, "text": "7", "reply_markup": markup})
    as_form = await http.post(url, data={"chat_id": str(CUSTOMER), "text": "7", "reply_markup": json.dumps(markup)})
    assert as_json.json()["ok"] and as_form.json()["ok"]
    first, second = fake_bot_api.sent_messages()
    assert first == second == {"chat_id": CUSTOMER, "text": "7", "reply_markup": markup}


async def test_unknown_method_and_token(fake_bot_api: FakeBotApi, fake_bot: Bot, http: httpx.AsyncClient) -> None:
    response = await http.post(fake_bot_api.url("sendTelepathy"))
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    with pytest.raises(EndPointNotFound):
        await fake_bot.do_api_request("sendTelepathy")
    wrong = await http.post(f"{fake_bot_api.base_url}1:nope/getMe")
    assert wrong.status_code == 401


async def test_wait_for_times_out_with_the_calls_seen(fake_bot_api: FakeBotApi) -> None:
    with pytest.raises(TimeoutError, match="sendMessage"):
        await fake_bot_api.wait_for("sendMessage", timeout=0.05)


# -- Application: polling and webhook --------------------------------------------------------------------------


async def test_application_polling_echo(fake_bot_api: FakeBotApi) -> None:
    application = echo_application(fake_bot_api)
    updater = application.updater
    assert updater is not None
    async with application:
        await updater.start_polling(timeout=timedelta(seconds=30))
        await application.start()
        try:
            await fake_bot_api.inject(fake_bot_api.user_message(CUSTOMER, "你好"))
            await fake_bot_api.wait_for("sendMessage")
        finally:
            await updater.stop()
            await application.stop()
    assert fake_bot_api.sent_messages() == [{"chat_id": CUSTOMER, "text": "你好"}]
    assert fake_bot_api.calls("deleteWebhook")  # PTB's polling bootstrap


async def test_application_webhook_echo_and_wrong_secret(fake_bot_api: FakeBotApi) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    application = echo_application(fake_bot_api)
    updater = application.updater
    assert updater is not None
    async with application:
        await updater.start_webhook(
            listen="127.0.0.1", port=port, url_path="telegram", webhook_url=url, secret_token="s3cret"
        )
        await application.start()
        try:
            assert fake_bot_api.webhook is not None and fake_bot_api.webhook.secret_token == "s3cret"
            rejected = fake_bot_api.user_message(CUSTOMER, "forged")
            assert await fake_bot_api.inject(rejected, secret_token="wrong") == 403
            assert await fake_bot_api.inject(fake_bot_api.user_message(CUSTOMER, "real")) == 200
            await fake_bot_api.wait_for("sendMessage")
            with pytest.raises(Conflict):
                await application.bot.get_updates()
        finally:
            await updater.stop()
            await application.stop()
    assert fake_bot_api.sent_messages() == [{"chat_id": CUSTOMER, "text": "real"}]
    assert [d.status for d in fake_bot_api.webhook_deliveries] == [403, 200]
