"""Intent labels: only customer turns, only known intents; unsure turns first; masked, de-duplicated export."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from actions.conversation_log import log_turn
from actions.intent_labels import (
    NotACustomerTurn,
    UnknownIntent,
    label_turn,
    labelled_examples,
    mask_personal,
    rasa_yaml,
    review_queue,
)
from actions.staff import add_staff
from tests.support.loyalty import NOW, make_customer

INTENTS = ("check_points", "order_status", "greet")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("my phone is 13800138000", "my phone is 13800000000"),
        ("电话13800138000", "电话13800000000"),
        ("call +86 138-0013-8000 please", "call 13800000000 please"),
        ("手机：138 0013 8000，谢谢", "手机：13800000000，谢谢"),
        ("座机 010-62345678", "座机 13800000000"),
        ("office (021) 6123 4567", "office 13800000000"),
        ("ring me at (555) 123-4567", "ring me at 13800000000"),
        ("UK +44 20 7946 0958", "UK 13800000000"),
        ("call me on 7946 0958", "call me on 13800000000"),
        ("手机 98765432 白天打", "手机 13800000000 白天打"),
        ("订单 SO-20260105-001 还没到", "订单 SO-20000101-001 还没到"),
        ("order so 20261101 007 is late", "order SO-20000101-001 is late"),
        ("订单号SO20260612014", "订单号SO-20000101-001"),
        ("mail me at wang.fang+shop@example.com.cn", "mail me at name@example.com"),
        ("身份证 11010519491231002X", "身份证 110101200001010000"),
    ],
)
def test_personal_data_is_masked(text: str, masked: str) -> None:
    assert mask_personal(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "I want 2 cups",
        "iPhone 15 Pro Max 256GB screen is black",
        "RTX 4090 and RTX4090 and model A1234",
        "尺码 XL，身高 175，体重 70kg，要 3 件",
        "paid 12999.00 yuan, 1,299 CNY, ¥8800",
        "my parcel 12345678 has not moved for days",
        "退款 20260105 那天申请的，金额 1299",
        "order #123456 late, 50% off, 2026-12-08",
        "+5 points",
        "hotel room 1234567",
        "SO-1001 is not one of the shop's order numbers",
    ],
)
def test_other_numbers_are_kept(text: str) -> None:
    assert mask_personal(text) == text


async def test_label_review_and_export(session: AsyncSession) -> None:
    customer = await make_customer(session)
    lily, _ = await add_staff(session=session, name="Lily", role="agent", telegram_user_id=1, actor="t", now=NOW)

    async def turn(text: str, **values: object) -> int:
        row = await log_turn(session=session, customer_id=customer.id, direction="in", text=text, now=NOW, **values)  # type: ignore[arg-type]
        return row.id

    sure = await turn("how many points do I have", intent="check_points", confidence=0.97, handler="intent.x")
    unsure = await turn(
        "where is SO-20261101-007, my number 13800138000", intent="greet", confidence=0.41, handler="fallback"
    )
    middling = await turn("积分还剩多少", intent="check_points", confidence=0.62, handler="intent.x")
    known = await turn("hi", intent="greet", confidence=0.99, handler="intent.greet")
    reply = await log_turn(session=session, customer_id=customer.id, direction="out", text="Hello!", now=NOW)

    assert [t.message_id for t in await review_queue(session=session)] == [unsure, middling, sure, known]
    with pytest.raises(UnknownIntent):
        await label_turn(session=session, message_id=unsure, intent="nope", known=INTENTS, staff=lily, now=NOW)
    with pytest.raises(NotACustomerTurn):
        await label_turn(session=session, message_id=reply.id, intent="greet", known=INTENTS, staff=lily, now=NOW)
    for message_id, intent in (
        (unsure, "greet"),
        (unsure, "order_status"),
        (middling, "check_points"),
        (known, "greet"),
    ):
        await label_turn(session=session, message_id=message_id, intent=intent, known=INTENTS, staff=lily, now=NOW)
    assert [t.message_id for t in await review_queue(session=session)] == [sure]

    examples = await labelled_examples(session=session, exclude=["HI "])  # "hi" is already training data
    assert [(e.intent, e.text, e.language) for e in examples] == [
        ("check_points", "积分还剩多少", "zh"),
        ("order_status", "where is SO-20000101-001, my number 13800000000", "en"),
    ]
    data = yaml.safe_load(rasa_yaml(examples))
    assert data["version"] == "3.1"
    assert data["nlu"][1] == {
        "intent": "order_status",
        "examples": "- where is SO-20000101-001, my number 13800000000\n",
    }
