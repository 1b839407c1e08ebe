"""Several requests in one message: simple ones answered, at most one flow started, nothing asked twice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.requests import requests_in
from storage.engine import SessionFactory
from storage.models import Ticket
from tests.bot.conftest import Chat, give_points, text_of
from tests.support.fake_nlu import ScriptedNlu

LONG_ZH = "我的订单号是SO-20261101-007，手表买回来就黑屏了，能不能保修，另外我的积分还有多少"
LONG_EN = "My watch stopped working, is it under warranty? Also how many points do I have?"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (LONG_ZH, ["complaint", "policy", "points"]),
        (LONG_EN, ["complaint", "policy", "points"]),
        ("我要退货，卫衣洗一次就破了", ["return", "complaint"]),
        ("我的积分还有多少", []),  # one request: the NLU's
        ("手表黑屏了", []),
        ("我要投诉，保温杯用了两天就漏水了，包都湿了", []),  # one complaint, said twice
    ],
)  # fmt: skip
def test_requests_in(text: str, expected: list[str]) -> None:
    assert requests_in(text) == expected


async def test_a_long_message_is_answered_and_the_complaint_started(
    chat: Chat, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    nlu.say("hi", "greet")
    await chat.say("hi")
    await give_points(shop, 42, 320)
    outcome = await chat.say(LONG_ZH)
    text = text_of(outcome)
    assert "3 件事" in text and "320" in text and "保修一年" in text and "哪方面的问题" in text
    confirm = await chat.press("v1:complaint:cat:quality")  # the description and order are not asked again
    assert "SO-20261101-007" in text_of(confirm) and "黑屏" in text_of(confirm)
    await chat.say("确认")
    async with shop() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
    assert ticket.order_ref == "SO-20261101-007" and "黑屏" in ticket.description


async def test_a_return_asked_for_wins_over_the_complaint(chat: Chat) -> None:
    outcome = await chat.say("我要退货，卫衣洗一次就破了")
    assert "7天内" in text_of(outcome) and "哪个订单" in text_of(outcome)
    assert "哪方面的问题" not in text_of(outcome)
