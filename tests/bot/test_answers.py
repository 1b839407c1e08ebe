"""Answers that were missing: what the bot is, points expiry and earning, the referral code, the catalogue
by category, out-of-stock prices, the tier asked about."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from actions.orders import record_order
from actions.rules import LoyaltyRules
from bot.topics import topic_of
from storage.engine import SessionFactory
from storage.models import Customer, Product
from tests.bot.conftest import NOW, Chat, customer_of, text_of
from tests.support.fake_nlu import ScriptedNlu


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("are you a bot?", "bot_identity"),
        ("Am I talking to a real person?", "bot_identity"),
        ("你是机器人吗", "bot_identity"),
        ("你是真人吗？", "bot_identity"),
        ("when do my points expire?", "points_expiry"),
        ("积分什么时候过期", "points_expiry"),
        ("我的積分什麼時候到期", "points_expiry"),
        ("how do I earn more points", "points_earning"),
        ("积分怎么赚", "points_earning"),
        ("怎么才能获得更多积分", "points_earning"),
        ("what is my referral code", "referral"),
        ("我的邀请码是多少", "referral"),
        ("what do you sell", "catalogue"),
        ("有什么产品", "catalogue"),
        ("你们都卖些什么？", "catalogue"),
        ("show me your products", "catalogue"),
        ("who r u", "bot_identity"),
        ("can u tell me when my pts expire", "points_expiry"),
        ("whats ur refund policy", "returns_policy"),
        ("保修多久", "returns_policy"),
        ("退货的规则是什么", "returns_policy"),
    ],
)
def test_topics(text: str, expected: str) -> None:
    assert topic_of(text) == expected


@pytest.mark.parametrize(
    "text", ["我的积分还有多少", "how many points do I have", "有什么优惠吗", "do you have the hoodie in XL?", "hi"]
)
def test_not_topics(text: str) -> None:
    assert topic_of(text) is None


async def test_are_you_a_bot(chat: Chat, nlu: ScriptedNlu) -> None:
    outcome = await chat.say("are you a bot?")
    assert "shop's assistant" in text_of(outcome) and "/human" in text_of(outcome)
    assert chat.buttons[0].data == "v1:menu:request_human"
    assert nlu.parsed == []  # answered without the model


async def test_are_you_a_bot_inside_a_flow_keeps_the_flow(chat: Chat, nlu: ScriptedNlu) -> None:
    nlu.say("我要投诉", "complaint")
    await chat.say("我要投诉")
    await chat.press("v1:complaint:cat:quality")
    outcome = await chat.say("你是机器人吗")
    assert "/human" in text_of(outcome) and "请详细描述" in text_of(outcome)
    confirm_next = await chat.say("杯子漏水")
    assert "订单号" in text_of(confirm_next)


async def _earn(shop: SessionFactory, user_id: int, order_id: str, amount: str, days_ago: int) -> None:
    customer = await customer_of(shop, user_id)
    async with shop() as session, session.begin():
        await record_order(
            session=session, rules=LoyaltyRules(), source="shop", order_id=order_id, customer_id=customer.id,
            amount=Decimal(amount), currency="CNY", ordered_at=NOW - timedelta(days=days_ago), status="paid", now=NOW,
        )  # fmt: skip


async def test_points_expiry_dates(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("hi", "greet")
    await chat.say("hi")
    await _earn(shop, 42, "SO-20260101-001", "100.00", days_ago=300)
    await _earn(shop, 42, "SO-20261101-002", "50.00", days_ago=20)
    outcome = await chat.say("积分什么时候过期")
    lines = text_of(outcome).splitlines()
    assert lines[1].endswith("100 分") and lines[2].endswith("50 分")
    assert lines[1] < lines[2]  # the earliest first
    assert "12 个月" in text_of(outcome)


async def test_points_expiry_with_no_points(chat: Chat) -> None:
    outcome = await chat.say("when do my points expire?")
    assert "None of your points are due to expire" in text_of(outcome)


async def test_how_points_are_earned(chat: Chat) -> None:
    outcome = await chat.say("how do I earn more points")
    text = text_of(outcome)
    assert "1 point per yuan" in text and "100 points on your birthday" in text and "/invite" in text


async def test_referral_code(chat: Chat, shop: SessionFactory) -> None:
    outcome = await chat.say("我的邀请码是多少")
    customer = await customer_of(shop, 42)
    assert f"ref_{customer.referral_code}" in text_of(outcome)


async def test_catalogue_by_category_with_buttons(chat: Chat, shop: SessionFactory) -> None:
    async with shop() as session, session.begin():
        await session.execute(update(Product).where(Product.sku.like("APP-%")).values(category="apparel"))
        await session.execute(update(Product).where(Product.sku.like("HOME-%")).values(category="home"))
    outcome = await chat.say("有什么产品")
    assert "请选择分类" in text_of(outcome)
    assert {"服饰 (1)", "家居 (1)", "shop (2)"} == {b.label for b in chat.buttons}  # unknown categories as stored
    listing = await chat.press("v1:browse:cat:home")
    assert [b.label for b in chat.buttons] == ["保温杯 · 89.00 元（暂时缺货）"]
    assert "家居" in text_of(listing)
    card = await chat.press("v1:browse:item:")
    assert "暂时缺货" in text_of(card)


async def test_a_forged_product_button_is_refused(chat: Chat) -> None:
    outcome = await chat.send("callback", callback_data="v1:browse:item:99999")
    assert "过期" in text_of(outcome)


async def test_an_out_of_stock_price_says_so(chat: Chat, nlu: ScriptedNlu) -> None:
    nlu.say("保温杯多少钱", "product_question", product="保温杯")
    outcome = await chat.say("保温杯多少钱")
    assert "89.00" in text_of(outcome) and "缺货" in text_of(outcome)


async def test_the_tier_asked_about_is_answered(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("金卡有什么权益", "membership_info")
    outcome = await chat.say("金卡有什么权益")
    first, second = (reply.text for reply in outcome.replies)
    assert first.startswith("【金卡会员】") and "您目前是【普通会员】" in second


async def test_own_tier_in_english_reads_well(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("what's my membership level", "membership_info")
    outcome = await chat.say("what's my membership level")
    assert "member member" not in text_of(outcome).lower()
    async with shop() as session:
        customer = await session.scalar(select(Customer).where(Customer.telegram_user_id == 42))
    assert customer is not None and customer.tier_code == "basic"


async def test_a_policy_question_is_answered_not_a_return_started(chat: Chat) -> None:
    outcome = await chat.say("whats ur refund policy")
    assert "7 days of delivery" in text_of(outcome)
    assert [b.data for b in chat.buttons] == ["v1:menu:return_refund"]  # a return only when they want one
