"""A message with several requests (bot/requests.py): the simple ones answered, then at most one flow started
(so it lives with the flows it starts)."""

from __future__ import annotations

from actions import points
from bot.conversation import Reply
from bot.flows import complaint, returns
from bot.requests import Request
from bot.turn import Turn


async def answer_several(turn: Turn, found: list[Request]) -> list[Reply]:
    """Balance and policy answered here; a return (or else a complaint) started with the message kept in it;
    the customer is told what was noted, so nothing they asked is silently dropped."""
    replies = [turn.reply("several.noted", count=len(found))]
    if "points" in found:
        balance = await points.balance(session=turn.session, customer_id=turn.customer.id, now=turn.now)
        replies.append(turn.reply("points.balance", balance=balance))
    if "policy" in found or "return" in found:
        replies.append(turn.reply("policy.summary"))
    if "return" in found:  # asked for in so many words: the return, whatever else is wrong
        return [*replies, *await returns.start(turn)]
    if "complaint" in found:
        return [*replies, turn.reply("several.then_complaint"), *await complaint.start(turn)]
    return replies
