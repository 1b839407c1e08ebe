"""Several requests in one message: "订单号是SO-…，手表黑屏了，能不能保修，另外我的积分还有多少".

The message is read clause by clause for the requests a patient agent would pick out: the simple ones
(the points balance, the returns and warranty policy) are answered at once, and at most one flow starts
(a complaint about something broken, or a return), with what the message already said kept in it.
Only messages with two or more such requests are handled here; one request goes to the NLU as usual.
"""

from __future__ import annotations

import re
from typing import Literal

from bot.patterns import fold

Request = Literal["points", "policy", "complaint", "return"]

CLAUSE = re.compile(r"[，,。.;；!！?？\n]+|另外|还有就是|顺便问一?下|顺便|and also|\balso\b|by the way|\bplus\b")
PATTERNS: tuple[tuple[Request, re.Pattern[str]], ...] = (
    (
        "points",
        re.compile(r"积分.{0,4}(?:多少|余额|还剩|剩多少|查一?下)|多少积分|how many points|points? balance|my points"),
    ),
    ("return", re.compile(r"退货|退掉|退款|要退|return (?:it|this|my|the)|refund")),
    (
        "policy",
        re.compile(r"保修|质保|能不能换|可以换吗|能换吗|warranty|guarantee|exchange (?:it|policy)|return policy"),
    ),
    (
        "complaint",
        re.compile(
            r"黑屏|坏了|不亮|漏水|破了|破损|碎了|开不了机|充不进电|不能用|没法用|有问题|投诉|质量差|"
            r"broken|not working|doesn'?t work|stopped working|faulty|cracked|leaks?|complain|defective"
        ),
    ),
)
MIN_LENGTH = 12  # shorter messages are one request


def requests_in(text: str) -> list[Request]:
    """The requests the message makes, in the order they first appear; [] for one request or none."""
    folded = fold(text)
    if len(folded) < MIN_LENGTH:
        return []
    found: list[Request] = []
    for clause in CLAUSE.split(folded):
        for request, pattern in PATTERNS:
            if pattern.search(clause) and request not in found:
                found.append(request)
    return found if len(found) >= 2 else []
