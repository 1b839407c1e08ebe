"""Rating (客户满意): 1-5 after a staff chat or a ticket, by button or typed ("5", "五星", "4 stars", "⭐⭐⭐")."""

from __future__ import annotations

import re

from actions import handoff, tickets
from bot import callbacks
from bot.callbacks import Callback
from bot.conversation import Button, Reply
from bot.replies import stale_button
from bot.texts import text
from bot.turn import Turn

KINDS = ("handoff", "ticket")
CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
TYPED = re.compile(r"^(?:给|打)?\s*([1-5一二两三四五])\s*(?:颗星|星|分|stars?|/\s*5)?\s*[!！。.]*$", re.IGNORECASE)


def parse_rating(text: str) -> int | None:
    """1-5 from a typed rating, None when the text is something else."""
    stripped = text.strip()
    if stripped and set(stripped) <= {"⭐", "★", " "}:
        stars = len(stripped.replace(" ", ""))
        return stars if 1 <= stars <= 5 else None
    found = TYPED.match(stripped)
    if found is None:
        return None
    digit = found.group(1)
    return CHINESE_DIGITS.get(digit) or int(digit)


def ask(turn: Turn, *, kind: str, target_id: int) -> Reply:
    """The 1-5 buttons; a typed answer is understood too while the rating flow is open."""
    turn.start_flow("rating", kind=kind, target=target_id)
    return rating_request(turn.language, kind=kind, target_id=target_id)


def rating_request(language: str, *, kind: str, target_id: int) -> Reply:
    """The rating question with its buttons, for senders outside a conversation (a resolved ticket)."""
    if kind not in KINDS:
        raise ValueError(f"unknown rating kind {kind!r}")
    row = tuple(
        Button(text(language, "rating.star", score=score), callbacks.encode("rate", kind, target_id, score))
        for score in range(1, 6)
    )
    return Reply(text(language, "rating.ask"), (row,))


async def on_button(turn: Turn, callback: Callback) -> list[Reply]:
    """`v1:rate:<handoff|ticket>:<id>:<1-5>`; ownership and state are checked by the action."""
    kind, target, score = callback.part(0), callback.part(1), callback.part(2)
    if kind not in KINDS or target is None or not target.isdigit() or score not in {"1", "2", "3", "4", "5"}:
        return stale_button(turn)
    return await _rate(turn, kind, int(target), int(score))


async def on_text(turn: Turn, text: str) -> list[Reply] | None:
    """A typed rating; anything else closes the question and is understood as a new message (None)."""
    flow = turn.flow or {}
    score = parse_rating(text)
    kind, target = flow.get("kind"), flow.get("target")
    if score is None or kind not in KINDS or not isinstance(target, int):
        turn.end_flow()
        return None
    return await _rate(turn, str(kind), target, score)


async def _rate(turn: Turn, kind: str, target: int, score: int) -> list[Reply]:
    flow = turn.flow
    if flow is not None and flow.get("name") == "rating":
        turn.end_flow()
    if kind == "handoff":
        await handoff.rate_handoff(
            session=turn.session, customer_id=turn.customer.id, handoff_id=target, rating=score, now=turn.now,
            window=turn.services.rating_window,
        )  # fmt: skip
    else:
        await tickets.rate_ticket(
            session=turn.session, customer_id=turn.customer.id, ticket_id=target, rating=score, now=turn.now,
            window=turn.services.rating_window,
        )  # fmt: skip
    return [turn.reply("rating.thanks")]
