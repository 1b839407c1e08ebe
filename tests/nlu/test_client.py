"""NluClient against a real local HTTP stub: parsing, retry, timeout, circuit breaker, degraded routing."""

from __future__ import annotations

import pytest

from nlu.client import NluClient
from tests.nlu.stub_server import OK_PAYLOAD, closed_port, stub_rasa


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def client_for(url: str, **options: object) -> NluClient:
    defaults: dict[str, object] = {"timeout": 0.5, "threshold": 0.5, "failure_threshold": 3, "reset_seconds": 30.0}
    return NluClient(base_url=url, **{**defaults, **options})  # type: ignore[arg-type]


async def test_parses_intent_ranking_entities_and_faq_topic() -> None:
    async with stub_rasa() as stub, client_for(stub.url) as client:
        result = await client.parse("运费多少")
    assert stub.requests == [{"text": "运费多少"}]
    assert (result.intent, result.confidence, result.confident) == ("faq", 0.91, True)
    assert [r.name for r in result.ranking] == ["faq", "product_question"]
    assert result.entity("product") == "TEA-LJ-250"
    assert result.faq_topic == "shipping_fee"
    assert not result.from_fallback_router


async def test_fallback_intent_is_not_confident_and_ranking_keeps_real_intents() -> None:
    payload = {
        "intent": {"name": "nlu_fallback", "confidence": 0.3},
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.3},
            {"name": "check_points", "confidence": 0.28},
            {"name": "points_history", "confidence": 0.25},
        ],
        "entities": [],
    }
    async with stub_rasa(payload) as stub, client_for(stub.url) as client:
        result = await client.parse("积分那个")
    assert result.intent == "nlu_fallback" and not result.confident
    assert [r.name for r in result.ranking] == ["check_points", "points_history"]
    assert result.faq_topic is None


async def test_confidence_under_threshold_is_not_confident() -> None:
    payload = {**OK_PAYLOAD, "intent": {"name": "faq", "confidence": 0.4}}
    async with stub_rasa(payload) as stub, client_for(stub.url, threshold=0.5) as client:
        result = await client.parse("运费")
    assert result.intent == "faq" and not result.confident


async def test_retries_once_after_a_server_error() -> None:
    async with stub_rasa(503) as stub, client_for(stub.url) as client:
        result = await client.parse("运费多少")
    assert len(stub.requests) == 2
    assert result.intent == "faq" and not result.from_fallback_router


async def test_two_server_errors_route_by_keyword() -> None:
    async with stub_rasa(500, 500) as stub, client_for(stub.url) as client:
        result = await client.parse("我要转人工")
    assert len(stub.requests) == 2
    assert result.from_fallback_router and result.intent == "request_human"


async def test_slow_server_times_out_retries_once_and_degrades() -> None:
    async with stub_rasa("hang", "hang") as stub, client_for(stub.url, timeout=0.2) as client:
        result = await client.parse("how many points do I have")
    assert len(stub.requests) == 2
    assert result.from_fallback_router and result.intent == "check_points"


async def test_unexpected_payload_degrades() -> None:
    async with stub_rasa("garbage", "garbage") as stub, client_for(stub.url) as client:
        result = await client.parse("hello")
    assert result.from_fallback_router and result.intent == "help"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("我还有多少积分", "check_points"),
        ("how many points have I got", "check_points"),
        ("转人工", "request_human"),
        ("can I talk to a real person", "request_human"),
        ("我要投诉你们的快递", "complaint"),
        ("this is unacceptable, I want to complain", "complaint"),
        ("别再发广告了，退订", "unsubscribe"),
        ("please stop sending me promotions", "unsubscribe"),
        ("你们有龙井吗", "help"),
        ("what's the weather like", "help"),
    ],
)
async def test_stopped_server_degrades_to_keywords(text: str, intent: str) -> None:
    async with client_for(f"http://127.0.0.1:{await closed_port()}") as client:
        result = await client.parse(text)
    assert result.from_fallback_router and result.confident
    assert result.intent == intent


async def test_circuit_opens_after_repeated_failures_and_recovers() -> None:
    clock = FakeClock()
    async with stub_rasa(500, 500, 500, 500, 500, 500) as stub, client_for(stub.url, clock=clock) as client:
        for _ in range(3):
            assert (await client.parse("积分")).from_fallback_router
        assert client.breaker.state == "open"
        calls = len(stub.requests)

        assert (await client.parse("积分")).intent == "check_points"
        assert len(stub.requests) == calls  # open: the server is not called

        clock.now += 30.0
        assert client.breaker.state == "half-open"
        result = await client.parse("运费多少")  # the trial call reaches the (recovered) server
        assert not result.from_fallback_router and result.intent == "faq"
        assert client.breaker.state == "closed"


async def test_failed_trial_call_reopens_the_circuit() -> None:
    clock = FakeClock()
    async with client_for(f"http://127.0.0.1:{await closed_port()}", clock=clock) as client:
        for _ in range(3):
            await client.parse("hi")
        clock.now += 30.0
        await client.parse("hi")
        assert client.breaker.state == "open"


async def test_blank_text_gets_the_menu_without_a_request() -> None:
    async with stub_rasa() as stub, client_for(stub.url) as client:
        result = await client.parse("   ")
    assert stub.requests == []
    assert result.intent == "help" and result.from_fallback_router
