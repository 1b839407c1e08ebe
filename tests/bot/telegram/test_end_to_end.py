"""Whole conversations through the fake Bot API, driving the real Application with the real NLU server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select

from bot.telegram.app import build_application, serve_webhook
from runtime.settings import Settings
from storage.engine import SessionFactory
from storage.models import Customer, Handoff, LedgerEntry, Ticket
from tests.bot.telegram.conftest import EN_CUSTOMER, STAFF_AGENT, STAFF_GROUP_ID, ZH_CUSTOMER, RunningBot
from tests.bot.telegram.harness import UpdateTracker, button_data, texts
from tests.support.fake_bot_api import FakeBotApi

pytestmark = pytest.mark.nlu

LANGUAGES = [pytest.param(ZH_CUSTOMER, "zh", id="zh"), pytest.param(EN_CUSTOMER, "en", id="en")]
GREETING = {"zh": "你好", "en": "hello"}
POINTS = {"zh": "我还有多少积分", "en": "how many points do I have"}
COMPLAINT = {"zh": "我要投诉", "en": "I want to make a complaint"}
COMPLAINT_TEXT = {"zh": "收到的杯子碎了，包装也破了", "en": "The mug arrived broken and the box was crushed"}
UNSUBSCRIBE = {"zh": "退订，别再给我发促销了", "en": "unsubscribe me from promotions"}
UNKNOWN_PRODUCT = {"zh": "你们有卖潜水艇吗", "en": "do you sell submarines"}


async def customer_row(shop: SessionFactory, telegram_user_id: int) -> Customer:
    async with shop() as session:
        customer = await session.scalar(select(Customer).where(Customer.telegram_user_id == telegram_user_id))
        assert customer is not None
        return customer


@pytest.mark.parametrize(("user_id", "language"), LANGUAGES)
async def test_greeting_shows_the_menu(bot: RunningBot, user_id: int, language: str) -> None:
    replies = await bot.customer(user_id, language).say(GREETING[language])

    assert replies, "the bot answered"
    assert any(len(button_data(reply)) >= 3 for reply in replies), "a menu of buttons"


@pytest.mark.parametrize(("user_id", "language"), LANGUAGES)
async def test_points_balance_equals_the_ledger(
    bot: RunningBot, shop: SessionFactory, user_id: int, language: str
) -> None:
    replies = await bot.customer(user_id, language).say(POINTS[language])

    customer = await customer_row(shop, user_id)
    async with shop() as session:
        ledger = await session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.delta), 0)).where(LedgerEntry.customer_id == customer.id)
        )
    assert ledger == customer.points_balance and ledger > 0
    assert f"{ledger}" in texts(replies) or f"{ledger:,}" in texts(replies)


@pytest.mark.parametrize(("user_id", "language"), LANGUAGES)
async def test_complaint_creates_exactly_one_ticket_with_the_customers_text(
    bot: RunningBot, shop: SessionFactory, user_id: int, language: str
) -> None:
    chat = bot.customer(user_id, language)
    replies = await chat.say(COMPLAINT[language])
    # The flow asks step by step; answer with the first offered button, the text, and confirm.
    for _ in range(8):
        buttons = [data for reply in replies for data in button_data(reply)]
        async with shop() as session:
            tickets = await session.scalar(select(func.count(Ticket.id)))
        if tickets:
            break
        if buttons:
            replies = await chat.press(buttons[0])
        else:
            replies = await chat.say(COMPLAINT_TEXT[language])

    customer = await customer_row(shop, user_id)
    async with shop() as session:
        rows = (await session.scalars(select(Ticket).where(Ticket.customer_id == customer.id))).all()
    assert len(rows) == 1
    assert COMPLAINT_TEXT[language] in rows[0].description


@pytest.mark.parametrize(("user_id", "language"), LANGUAGES)
async def test_unsubscribe_clears_consent(bot: RunningBot, shop: SessionFactory, user_id: int, language: str) -> None:
    assert (await customer_row(shop, user_id)).marketing_consent

    replies = await bot.customer(user_id, language).say(UNSUBSCRIBE[language])

    assert replies
    customer = await customer_row(shop, user_id)
    assert not customer.marketing_consent and customer.opted_out_at is not None


@pytest.mark.parametrize(("user_id", "language"), LANGUAGES)
async def test_a_duplicate_update_is_handled_once(bot: RunningBot, user_id: int, language: str) -> None:
    update = bot.api.user_message(user_id, POINTS[language], language_code=language)
    await bot.api.inject(update)
    await bot.tracker.wait(update["update_id"])
    after_first = len(bot.api.sent_messages(user_id))

    await bot.api.inject_duplicate(update)
    await bot.tracker.wait(update["update_id"], times=2)

    assert after_first >= 1
    assert len(bot.api.sent_messages(user_id)) == after_first


@pytest.mark.parametrize(("user_id", "language"), LANGUAGES)
async def test_a_sticker_gets_a_polite_reply(
    bot: RunningBot, shop: SessionFactory, user_id: int, language: str
) -> None:
    before = await customer_row(shop, user_id)
    chat = bot.customer(user_id, language)

    replies = await chat.send(bot.api.sticker(user_id))

    assert len(replies) == 1 and replies[0]["text"]
    after = await customer_row(shop, user_id)
    assert (after.points_balance, after.marketing_consent) == (before.points_balance, before.marketing_consent)


@pytest.mark.parametrize(("user_id", "language"), LANGUAGES)
async def test_an_unknown_product_is_answered_honestly(bot: RunningBot, user_id: int, language: str) -> None:
    replies = await bot.customer(user_id, language).say(UNKNOWN_PRODUCT[language])

    text = texts(replies)
    assert replies
    if language == "zh":
        assert "没有" in text or "暂无" in text or "找不到" in text
    else:
        assert any(word in text.lower() for word in ("don't", "do not", "not find", "no such", "couldn't"))


@pytest.mark.parametrize(("user_id", "language"), LANGUAGES)
async def test_handoff_relays_to_the_staff_topic_and_back(
    bot: RunningBot, shop: SessionFactory, agent: str, user_id: int, language: str
) -> None:
    chat = bot.customer(user_id, language)
    await chat.say("/human")

    topics = await bot.api.wait_for("createForumTopic")
    assert topics[0].params["chat_id"] == STAFF_GROUP_ID
    await bot.api.wait_for(  # the handoff card is posted once its topic is recorded
        "sendMessage", predicate=lambda call: call.params.get("chat_id") == STAFF_GROUP_ID
    )
    customer = await customer_row(shop, user_id)
    async with shop() as session:
        handoff = await session.scalar(select(Handoff).where(Handoff.customer_id == customer.id))
    assert handoff is not None and handoff.staff_topic_id is not None
    thread_id = handoff.staff_topic_id

    question = {"zh": "我的快递三天没动了", "en": "My parcel has not moved for three days"}[language]
    assert await chat.say(question) == [], "the bot stays silent while staff have the chat"
    relayed = await bot.api.wait_for(  # posted by the staff queue, off the customer's update path
        "sendMessage",
        predicate=lambda call: call.params.get("chat_id") == STAFF_GROUP_ID and question in call.params["text"],
    )
    assert relayed[0].params.get("message_thread_id") == thread_id

    photo = bot.api.photo(user_id, caption="破了" if language == "zh" else "broken")
    assert await chat.send(photo) == [], "a photo goes to staff too, not to the bot"
    copies = await bot.api.wait_for("copyMessage")
    assert copies[0].params["chat_id"] == STAFF_GROUP_ID
    assert copies[0].params["from_chat_id"] == user_id
    assert copies[0].params["message_id"] == photo["message"]["message_id"]
    assert copies[0].params["message_thread_id"] == thread_id

    answer = {"zh": "已经帮您催了，明天送到", "en": "I chased the courier, it arrives tomorrow"}[language]
    staff_update = bot.api.group_message(STAFF_GROUP_ID, thread_id, STAFF_AGENT, answer)
    await bot.api.inject(staff_update)
    await bot.tracker.wait(staff_update["update_id"])
    assert any(answer in m["text"] for m in bot.api.sent_messages(user_id))

    close = bot.api.group_message(STAFF_GROUP_ID, thread_id, STAFF_AGENT, "/close")
    await bot.api.inject(close)
    await bot.tracker.wait(close["update_id"])
    async with shop() as session:
        status = await session.scalar(select(Handoff.status).where(Handoff.id == handoff.id))
    assert status == "closed"


@pytest.mark.parametrize(("user_id", "language"), LANGUAGES)
async def test_nlu_server_down_gives_degraded_but_sensible_replies(
    start_bot: object, shop: SessionFactory, stopped_nlu_url: str, user_id: int, language: str
) -> None:
    async with start_bot(stopped_nlu_url) as down:  # type: ignore[operator]
        chat = down.customer(user_id, language)
        points = await chat.say(POINTS[language])
        other = await chat.say({"zh": "今天天气怎么样", "en": "what's the weather like"}[language])

    customer = await customer_row(shop, user_id)
    assert str(customer.points_balance) in texts(points), "points still answered by keyword"
    assert other and all(reply["text"] for reply in other), "anything else still gets a helpful reply"


async def test_webhook_mode_end_to_end(
    fake_bot_api: FakeBotApi, make_settings: Callable[..., Settings], shop: SessionFactory, nlu_server: str
) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    settings = make_settings(
        fake_bot_api,
        nlu_url=nlu_server,
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_SECRET="e2e-secret_token",
        WEBHOOK_PORT=port,
    )
    application = build_application(settings)
    tracker = UpdateTracker()
    tracker.install(application)
    stop = asyncio.Event()
    serving = asyncio.create_task(serve_webhook(application, settings, sockets=[listener], stop=stop))
    try:
        await fake_bot_api.wait_for("setWebhook", timeout=30)
        assert fake_bot_api.webhook is not None and fake_bot_api.webhook.secret_token == "e2e-secret_token"

        forged = fake_bot_api.user_message(ZH_CUSTOMER, GREETING["zh"], language_code="zh")
        assert await fake_bot_api.inject(forged, secret_token="not-the-secret") == 403

        for user_id, language in ((ZH_CUSTOMER, "zh"), (EN_CUSTOMER, "en")):
            update = fake_bot_api.user_message(user_id, GREETING[language], language_code=language)
            assert await fake_bot_api.inject(update) == 200
            await tracker.wait(update["update_id"])
            assert fake_bot_api.sent_messages(user_id), f"a {language} greeting was answered"
        assert tracker.handled(forged["update_id"]) == 0

        async with httpx.AsyncClient() as http:
            health = await http.get(f"http://127.0.0.1:{port}/healthz")
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "database": True, "redis": True}
    finally:
        stop.set()
        await serving
        listener.close()


async def test_invite_gives_a_deep_link_with_the_bots_username(bot: RunningBot, shop: SessionFactory) -> None:
    replies = await bot.customer(EN_CUSTOMER, "en").say("/invite")

    customer = await customer_row(shop, EN_CUSTOMER)
    assert "https://t.me/CareBotTestBot?start=" in texts(replies)
    assert customer.referral_code is not None and customer.referral_code in texts(replies)
