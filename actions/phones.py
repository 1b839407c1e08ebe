"""Phone numbers as customers type them and shop files hold them: one rule for every writer.

Accepted: 8 to 15 ASCII digits (15 is the E.164 maximum, country code included) with an optional leading
+; spaces and hyphens between the digits are formatting and are dropped. No country code is assumed:
`13800138000` stays as given, `+86 138-0013-8000` becomes `+8613800138000`.
"""

from __future__ import annotations

import re

from actions.errors import DomainError

MIN_DIGITS = 8
MAX_DIGITS = 15
_SHAPE = re.compile(r"\+?[0-9](?:[0-9]|[\s\-])*[0-9]")
_SEPARATORS = re.compile(r"[\s\-]")


class InvalidPhone(DomainError):
    """Not a phone number by the shared rule (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__(
            f"expected {MIN_DIGITS} to {MAX_DIGITS} digits with an optional leading +, e.g. +8613800138000"
        )


def normalise_phone(text: str) -> str:
    """The number without formatting (`+8613800138000`); InvalidPhone when it is not one."""
    value = text.strip()
    if not _SHAPE.fullmatch(value):
        raise InvalidPhone()
    compact = _SEPARATORS.sub("", value)
    if not MIN_DIGITS <= len(compact.removeprefix("+")) <= MAX_DIGITS:
        raise InvalidPhone()
    return compact
