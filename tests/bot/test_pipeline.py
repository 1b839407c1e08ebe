"""The conversation pipeline with a real database and Redis and a scripted NLU."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.conversation import Incoming
from bot.pipeline import Pipeline
from bot.staff import StaffDesk
from storage.engine import SessionFactory
from storage.models import Customer, Handoff, MessageLog, Redemption, Ticket
from tests.bot.conftest import AGENT, NOW, Chat, customer_of, give_points, text_of
from tests.support.fake_nlu import ScriptedNlu


async def test_greeting_creates_the_customer_and_shows_the_menu(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    nlu.say("你好", "greet")
    outcome = await chat.say("你好")
    assert outcome.language == "zh"
    assert "您好" in text_of(outcome)
    assert len(chat.buttons) == 6
    customer = await customer_of(shop, 42)
    assert customer.name == "小明" and customer.last_seen_at == NOW


async def test_english_text_gets_english_replies_even_with_a_chinese_client(chat: Chat, nlu: ScriptedNlu) -> None:
    nlu.say("hello", "greet")
    outcome = await chat.say("hello")
    assert outcome.language == "en"
    assert "Hello" in text_of(outcome)


async def test_points_balance_comes_from_the_ledger(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("hi", "greet")
    await chat.say("hi")
    await give_points(shop, 42, 730)
    nlu.say("积分还有多少", "check_points")
    outcome = await chat.say("积分还有多少")
    assert "730" in text_of(outcome)


async def test_complaint_flow_creates_exactly_one_ticket(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("我要投诉", "complaint")
    await chat.say("我要投诉")
    await chat.press("v1:complaint:cat:quality")
    await chat.say("杯子收到就裂了")
    await chat.say("SO-20261101-007")
    outcome = await chat.say("确认")
    assert "#" in text_of(outcome) and "2026-11-23 22:00" in text_of(outcome)  # 14:00 + 8 business hours
    assert [notice.kind for notice in outcome.staff_notices] == ["ticket"]
    async with shop() as session:
        tickets = (await session.scalars(select(Ticket))).all()
    assert len(tickets) == 1
    assert (tickets[0].category, tickets[0].description, tickets[0].order_ref) == (
        "quality",
        "杯子收到就裂了",
        "SO-20261101-007",
    )
    again = await chat.say("确认")  # the flow has ended: a repeat creates nothing
    assert again.replies
    async with shop() as session:
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 1


async def test_cancel_leaves_any_flow(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("complain", "complaint")
    await chat.say("complain")
    outcome = await chat.say("cancel")
    assert "Cancelled" in text_of(outcome)
    async with shop() as session:
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 0


async def test_unsubscribe_clears_consent_and_can_be_undone(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("别再给我发促销了", "unsubscribe")
    outcome = await chat.say("别再给我发促销了")
    assert "退订" in text_of(outcome)
    customer = await customer_of(shop, 42)
    assert not customer.marketing_consent and customer.opted_out_at is not None
    await chat.press("v1:consent:subscribe")
    assert (await customer_of(shop, 42)).marketing_consent


async def test_a_duplicate_update_is_handled_once(pipeline: Pipeline, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("hi", "greet")
    update = Incoming(user_id=7, chat_id=7, kind="text", update_id=555, text="hi")
    first = await pipeline.handle(update)
    second = await pipeline.handle(update)
    assert first.replies and not second.replies
    async with shop() as session:
        assert (
            await session.scalar(select(func.count()).select_from(MessageLog).where(MessageLog.direction == "in")) == 1
        )


async def test_odd_input_gets_a_polite_reply_and_changes_nothing(chat: Chat, shop: SessionFactory) -> None:
    for kind in ("sticker", "photo", "voice", "document", "location", "edited", "other"):
        outcome = await chat.send(kind, text="")
        assert len(outcome.replies) == 1 and outcome.replies[0].text
    customer = await customer_of(shop, 42)
    assert customer.points_balance == 0 and not customer.marketing_consent


async def test_forged_stale_and_malformed_callbacks_change_nothing(chat: Chat, shop: SessionFactory) -> None:
    for data in ("v1:redeem:confirm", "v1:erase:confirm", "v9:menu:help", "x" * 200, "", "v1:rate:handoff:1:9",
                 "v1:complaint:confirm", "v1:lang:fr", "v1:menu:drop_tables", "v1:return:start:../../etc"):  # fmt: skip
        outcome = await chat.send("callback", callback_data=data)
        assert outcome.replies, data
    customer = await customer_of(shop, 42)
    assert customer.erased_at is None and customer.language is None
    async with shop() as session:
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 0


async def test_huge_emoji_and_control_character_messages_are_safe(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    for text in ("😀😀😀", "a" * 10_000, "\x00\x07\u202ehello\x1b[31m", "   "):
        outcome = await chat.say(text)
        assert outcome.replies
    assert all(len(parsed) <= 4000 and "\x00" not in parsed for parsed in nlu.parsed)


async def test_second_fallback_in_a_row_offers_a_human(chat: Chat) -> None:
    first = await chat.say("qwertyuiop")
    assert [button.data for button in chat.buttons][:2] == ["v1:intent:check_points", "v1:intent:membership_info"]
    assert first.replies
    second = await chat.say("asdfghjkl")
    assert chat.buttons[0].data == "v1:menu:request_human"
    assert second.replies


async def test_handoff_relays_customer_messages_and_staff_replies(
    chat: Chat, pipeline: Pipeline, nlu: ScriptedNlu, shop: SessionFactory, staff_desk: StaffDesk
) -> None:
    outcome = await chat.command("human")
    assert [notice.kind for notice in outcome.staff_notices] == ["handoff"]
    customer = await customer_of(shop, 42)
    await staff_desk.set_topic(customer_id=customer.id, topic_id=77)

    relayed = await chat.say("我的快递三天没动了")
    assert not relayed.replies
    assert [(n.kind, n.text, n.topic_id) for n in relayed.staff_notices] == [("relay", "我的快递三天没动了", 77)]
    assert nlu.parsed == []  # the bot stays out of a staff chat

    staff = await staff_desk.handle_message(topic_id=77, staff_user_id=AGENT, text="马上查", update_id=9001)
    assert staff is not None and staff.customer_chat_id == 42 and "马上查" in staff.replies[0].text
    closed = await staff_desk.handle_message(topic_id=77, staff_user_id=AGENT, text="/close", update_id=9002)
    assert closed is not None and closed.closed
    rating = closed.replies[-1].buttons[0][4].data
    async with shop() as session:
        handoff = await session.scalar(select(Handoff))
        assert handoff is not None and handoff.status == "closed"
    chat.buttons = [button for row in closed.replies[-1].buttons for button in row]
    await chat.press(rating)
    async with shop() as session:
        assert (await session.scalar(select(Handoff.rating))) == 5


async def test_unknown_product_is_answered_honestly(chat: Chat, nlu: ScriptedNlu) -> None:
    nlu.say("do you sell submarines", "product_question")
    outcome = await chat.say("do you sell submarines")
    assert "don't carry" in text_of(outcome)


async def test_product_attribute_from_the_catalogue(chat: Chat, nlu: ScriptedNlu) -> None:
    nlu.say("卫衣有什么颜色", "product_question", product="卫衣")
    outcome = await chat.say("卫衣有什么颜色")
    assert "藏青色" in text_of(outcome)
    nlu.say("how much is the smart watch", "product_question", product="smart watch")
    assert "1299.00" in text_of(await chat.say("how much is the smart watch"))


async def test_faq_answer_comes_from_the_faq_table(chat: Chat, nlu: ScriptedNlu) -> None:
    nlu.say("运费多少", "faq", faq_topic="shipping_fee")
    assert "包邮" in text_of(await chat.say("运费多少"))


async def test_redeem_flow_issues_a_code_and_debits_points(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("hi", "greet")
    await chat.say("hi")
    await give_points(shop, 42, 250)
    nlu.say("redeem my points", "redeem_points")
    await chat.say("redeem my points")
    assert len([b for b in chat.buttons if b.data.startswith("v1:redeem:pick")]) == 2  # 100 and 200 point rewards
    await chat.press("v1:redeem:pick")
    outcome = await chat.press("v1:redeem:confirm")
    async with shop() as session:
        redemption = await session.scalar(select(Redemption))
    assert redemption is not None and f"code: {redemption.code}" in text_of(outcome)
    assert (await customer_of(shop, 42)).points_balance == 250 - redemption.points


async def test_profile_birthday_in_chinese_form(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("我想改生日", "update_profile")
    await chat.say("我想改生日")  # the field is named: asked for the date straight away, no button needed
    await chat.say("一九九〇年二月十四日")
    assert str((await customer_of(shop, 42)).birthday) == "1990-02-14"


async def test_language_choice_is_saved(chat: Chat, shop: SessionFactory) -> None:
    await chat.command("language")
    outcome = await chat.press("v1:lang:en")
    assert "English" in text_of(outcome)
    assert (await customer_of(shop, 42)).language == "en"


async def test_mydata_and_deleteme(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("hi", "greet")
    await chat.say("hi")
    export = await chat.command("mydata")
    assert export.replies[0].document is not None
    assert b'"telegram_user_id": 42' in export.replies[0].document.content
    await chat.command("deleteme")
    await chat.press("v1:erase:confirm")
    async with shop() as session:
        erased = await session.scalar(select(Customer).where(Customer.erased_at.is_not(None)))
    assert erased is not None and erased.name != "小明"


async def test_nlu_down_keyword_router_still_answers(chat: Chat, services: object) -> None:
    from nlu.client import NluClient

    client = NluClient(base_url="http://127.0.0.1:9", timeout=0.2, failure_threshold=1)
    services.nlu = client  # type: ignore[attr-defined]
    try:
        points_reply = await chat.say("我的积分")
        assert "积分余额" in text_of(points_reply)
        other = await chat.say("能开发票吗")
        assert "简单的请求" in text_of(other) and chat.buttons
    finally:
        await client.aclose()
