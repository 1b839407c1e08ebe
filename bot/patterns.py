"""Text patterns the conversation recognises in more than one place."""

from __future__ import annotations

import re

ORDER_ID = re.compile(r"\bSO-\d{8}-\d{3,}\b", re.IGNORECASE)


def find_order_id(text: str) -> str | None:
    """The first order number in the shop's own format (SO-YYYYMMDD-NNN) anywhere in the text, upper-cased."""
    found = ORDER_ID.search(text)
    return found.group(0).upper() if found else None
