"""The trained model behind the real Rasa server, through the app's client (needs `-m nlu` data + model)."""

from __future__ import annotations

import pytest

from nlu.client import NluClient

pytestmark = [pytest.mark.nlu, pytest.mark.timeout(900)]

SAMPLES = [
    ("你好呀", "greet"),
    ("hello!", "greet"),
    ("我现在有多少积分", "check_points"),
    ("what's my points balance", "check_points"),
    ("订单SO-20260105-001到哪里了", "order_status"),
    ("where is my order", "order_status"),
    ("我要投诉，东西坏了没人管", "complaint"),
    ("I want to file a complaint", "complaint"),
    ("帮我转人工客服", "request_human"),
    ("let me talk to a human", "request_human"),
    ("以后别给我发促销信息了", "unsubscribe"),
    ("stop sending me promotions", "unsubscribe"),
    ("龙井茶多少钱", "product_question"),
    ("how much is the gaiwan", "product_question"),
    ("运费怎么算", "faq"),
    ("how much is shipping", "faq"),
    ("今天北京天气怎么样", "out_of_scope"),
    ("tell me a joke", "out_of_scope"),
]


async def test_sample_utterances_classify_right(nlu_server: str) -> None:
    async with NluClient(base_url=nlu_server, timeout=5.0, threshold=0.0) as client:
        results = [await client.parse(text) for text, _ in SAMPLES]
    assert not any(r.from_fallback_router for r in results)
    wrong = [(text, r.intent) for (text, intent), r in zip(SAMPLES, results, strict=True) if r.intent != intent]
    out_of_scope_as_fallback = [(t, i) for t, i in wrong if i == "nlu_fallback" and dict(SAMPLES)[t] == "out_of_scope"]
    assert wrong == out_of_scope_as_fallback, f"misclassified: {wrong}"


async def test_entities_and_faq_topic_come_through(nlu_server: str) -> None:
    async with NluClient(base_url=nlu_server, timeout=5.0) as client:
        order = await client.parse("订单SO-20260105-001到哪里了")
        product = await client.parse("龙井茶还有货吗")
        faq = await client.parse("运费多少钱")
    assert order.entity("order_id") == "SO-20260105-001"
    assert product.entity("product") == "TEA-LJ-250"
    assert faq.intent == "faq" and faq.faq_topic == "shipping_fee"
