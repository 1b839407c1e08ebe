"""The degraded-mode keyword router: the important intents by keyword in both languages, else help."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlu.keyword_router import HELP_INTENT, RULES, route

KNOWN = {rule.intent for rule in RULES} | {HELP_INTENT}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("积分？", "check_points"),
        ("ＰＯＩＮＴＳ", "check_points"),
        ("my pts", "check_points"),
        ("找人工客服", "request_human"),
        ("I need an agent", "request_human"),
        ("I want to talk to a person", "request_human"),
        ("差评！", "complaint"),
        ("worst service ever", "complaint"),
        ("回复TD退订", "unsubscribe"),
        ("Unsubscribe", "unsubscribe"),
        ("退订积分活动短信", "unsubscribe"),  # opting out wins over points
        ("humane society", HELP_INTENT),  # whole words only
        ("hi", HELP_INTENT),
        ("", HELP_INTENT),
    ],
)
def test_routes(text: str, intent: str) -> None:
    assert route(text).intent == intent


@given(st.text())
def test_never_raises_and_returns_a_known_intent(text: str) -> None:
    assert route(text).intent in KNOWN
