"""Degraded-mode intent routing, used when the NLU server is down, slow or its circuit is open.

Keywords in Chinese and English cover the intents that must keep working whatever happens:
stop marketing, ask for a human, complain, check points. Everything else becomes `help`, so the
bot shows its menu. Pure string matching: it never raises and needs no model.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

HELP_INTENT = "help"


@dataclass(frozen=True)
class KeywordRule:
    intent: str
    zh: tuple[str, ...]  # substrings (Chinese has no word boundaries)
    en: tuple[str, ...]  # whole words or phrases, case-insensitive


# First match wins: opting out matters most, then reaching a person, then complaints.
RULES: tuple[KeywordRule, ...] = (
    KeywordRule(
        "unsubscribe",
        zh=("退订", "取消订阅", "别再发", "不要再发", "别发了", "不要推送", "别推送", "拒收", "取消推送"),
        en=(
            "unsubscribe",
            "opt out",
            "opt-out",
            "stop sending",
            "stop messaging",
            "no more messages",
            "stop promotions",
            "stop marketing",
            "td",
        ),
    ),
    KeywordRule(
        "request_human",
        zh=("人工", "真人", "客服", "转接", "找个人", "活人"),
        en=(
            "human",
            "agent",
            "real person",
            "to a person",
            "representative",
            "operator",
            "someone real",
            "staff",
            "customer service",
        ),
    ),
    KeywordRule(
        "complaint",
        zh=("投诉", "差评", "举报", "太差", "垃圾", "骗子", "气死", "维权", "欺骗"),
        en=("complain", "complaint", "terrible", "awful", "worst", "unacceptable", "scam", "disgusting", "ripped off"),
    ),
    KeywordRule(
        "check_points",
        zh=("积分", "分数"),
        en=("points", "point balance", "my balance", "pts"),
    ),
)


@dataclass(frozen=True)
class Route:
    intent: str
    matched: str | None  # the keyword that decided it, None for the help default


def route(text: str) -> Route:
    """The intent for `text` by keyword, or `help`."""
    normalised = unicodedata.normalize("NFKC", str(text)).lower()
    for rule in RULES:
        for keyword in rule.zh:
            if keyword in normalised:
                return Route(rule.intent, keyword)
        for keyword in rule.en:
            if _english_pattern(keyword).search(normalised):
                return Route(rule.intent, keyword)
    return Route(HELP_INTENT, None)


def _english_pattern(keyword: str) -> re.Pattern[str]:
    # ASCII boundaries only, so "积分points" and "td退订" still match.
    return re.compile(r"(?<![a-z0-9])" + re.escape(keyword) + r"(?![a-z0-9])")
