"""Affirm and deny inside a flow, by keyword first (fast, certain), NLU second."""

from __future__ import annotations

import re

from bot.patterns import simplified
from bot.turn import Turn

CANCEL_WORDS = {"取消", "退出", "cancel", "/cancel", "stop", "quit", "exit"}
YES = {
    "是",
    "是的",
    "好",
    "好的",
    "对",
    "对的",
    "确认",
    "确定",
    "可以",
    "嗯",
    "行",
    "没问题",
    "yes",
    "y",
    "yeah",
    "yep",
    "ok",
    "okay",
    "sure",
    "confirm",
    "correct",
    "right",
    "👍",
}
NO = {"不", "不是", "不要", "不用", "否", "算了", "no", "n", "nope", "nah", "not now", "wrong", "👎"}
TRIM = re.compile(r"^[\s\W_]+|[\s\W_]+$", re.UNICODE)
# "嗯？", "ok?", "确认？": said as a question ("huh?", "really?"), never an answer.
QUESTION = re.compile(r"[?？]\s*$")


def normalise(text: str) -> str:
    stripped = TRIM.sub("", text.strip().lower())
    return stripped or text.strip()


ACKNOWLEDGEMENTS = {
    "👍", "👌", "🙏", "🙂", "😊", "ok", "okay", "k", "好", "好的", "嗯", "嗯嗯", "收到", "知道了", "行", "got it",
    "alright", "cool",
}  # fmt: skip


def is_question(text: str) -> bool:
    """The message ends in a question mark: "嗯？" is "huh?", not "yes"."""
    return bool(QUESTION.search(text))


def is_acknowledgement(text: str) -> bool:
    """A thumbs-up or "ok" outside any question: noted, not a request (nor a step of a finished flow)."""
    stripped = text.strip()
    if is_question(stripped):
        return False
    return normalise(stripped) in ACKNOWLEDGEMENTS or (bool(stripped) and set(stripped) <= {"👍", "👌", "🙏", " "})


def is_cancel(text: str) -> bool:
    return normalise(text) in CANCEL_WORDS


async def yes_or_no(turn: Turn, text: str) -> bool | None:
    """True for yes, False for no, None when the text is neither (then the flow asks again). A question
    ("嗯？", "ok?", "确认？") is neither: the customer is unsure, and a patient agent explains again."""
    if is_question(text):
        return None
    word = normalise(text)
    if word in YES:
        return True
    if word in NO:
        return False
    result = await turn.services.nlu.parse(simplified(text))
    if result.confident and result.intent == "affirm":
        return True
    if result.confident and result.intent == "deny":
        return False
    return None
