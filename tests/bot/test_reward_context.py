"""The reward talked about last: "换这个" / "I'll take that one" redeems it through the usual confirmation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from storage.engine import SessionFactory
from storage.models import Delivery, Redemption
from tests.bot.conftest import NOW, Chat, customer_of, give_points, text_of
from tests.support.fake_nlu import ScriptedNlu


async def _redemptions(shop: SessionFactory) -> int:
    async with shop() as session:
        return int(await session.scalar(select(func.count()).select_from(Redemption)) or 0)


async def test_a_reward_asked_about_is_taken_with_this_one(chat: Chat, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("hi", "greet")
    await chat.say("hi")
    await give_points(shop, 42, 300)
    asked = await chat.say("20元优惠券要多少积分？")
    assert "【20元优惠券】需要 200 积分" in text_of(asked) and "可以兑换" in text_of(asked)
    assert [button.data for button in chat.buttons] == [chat.buttons[0].data] and "offer" in chat.buttons[0].data
    confirm = await chat.say("那就换这个吧")
    assert "确认用 200 积分兑换【20元优惠券】吗" in text_of(confirm)
    done = await chat.say("确认")
    assert "兑换成功" in text_of(done) and await _redemptions(shop) == 1
    assert nlu.parsed == ["hi"]  # the model was not needed for any of it


async def test_this_one_in_the_list_means_the_one_just_named_or_the_only_one(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    nlu.say("积分兑换", "redeem_points")
    await chat.say("积分兑换")  # no points: nothing to pick
    await give_points(shop, 42, 150)  # covers the free-shipping voucher only
    await chat.say("积分兑换")
    confirm = await chat.say("换这个")
    assert "免运费券" in text_of(confirm)
    await chat.say("取消")
    await give_points(shop, 42, 300)  # now several rewards: "this one" alone says nothing
    await chat.say("积分兑换")
    unsure = await chat.say("我就要这个")
    assert "请点按钮" in text_of(unsure)  # which one of the list, tapped
    named = await chat.say("换20元优惠券")
    assert "确认用 200 积分兑换【20元优惠券】吗" in text_of(named)
    assert await _redemptions(shop) == 0


async def test_a_reward_the_balance_does_not_cover_says_how_many_points_are_missing(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    nlu.say("hi", "greet")
    await chat.say("hi")
    await give_points(shop, 42, 120)
    asked = await chat.say("how many points is the 50-yuan coupon?")
    assert "50-yuan coupon costs 450 points" in text_of(asked) and "330 more" in text_of(asked)
    taken = await chat.say("I'll take that one")
    assert "needs 450 points" in text_of(taken) and "Redeem" not in text_of(taken)
    assert await _redemptions(shop) == 0


async def test_this_one_after_a_reminder_that_named_a_reward(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    nlu.say("hi", "greet")
    await chat.say("hi")
    await give_points(shop, 42, 250)
    customer = await customer_of(shop, 42)
    async with shop() as session, session.begin():
        session.add(
            Delivery(
                source="expiry:2026-12", customer_id=customer.id, kind="service", status="sent",
                text="王芳，温馨提醒：您有 250 积分将于12月5日到期。这些积分已经可以兑换「免运费券」。",
                not_before=NOW - timedelta(hours=3), sent_at=NOW - timedelta(hours=3),
            )
        )  # fmt: skip
    confirm = await chat.say("换这个")
    assert "确认用 100 积分兑换【免运费券】吗" in text_of(confirm)


async def test_a_product_talked_about_after_the_reward_is_not_redeemed(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    nlu.say("hi", "greet")
    await chat.say("hi")
    await give_points(shop, 42, 300)
    await chat.say("免运费券要多少积分")
    nlu.say("卫衣多少钱", "product_question", product="卫衣")
    await chat.say("卫衣多少钱")
    nlu.say("换这个", "return_refund", confidence=0.3)
    after = await chat.say("换这个")
    assert "免运费券" not in text_of(after)
