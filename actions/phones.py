"""Phone numbers as customers type them and shop files hold them: one rule for every writer, stored in E.164.

A number is read with Google's libphonenumber (`phonenumbers`) and must be a valid number of its country.
Without a country code it is read in a default region: the shop's PHONE_REGION when set, else the one of
the customer's language (CN for Chinese), else none (then the country code is required). `138 0013 8000`
from a Chinese-speaking customer and `+86 138-0013-8000` both become `+8613800138000`; a country code
written in brackets, `(65) 9123 4567`, is taken as one when the number does not fit the default region.
"""

from __future__ import annotations

import re

import phonenumbers

from actions.errors import DomainError

# The region a customer writing this language most likely dials from, when the shop names none.
LANGUAGE_REGIONS = {"zh": "CN"}
# "(65) 9123 4567": a country code in brackets before the number.
_BRACKETED_CODE = re.compile(r"^\s*[(（]\s*(\d{1,3})\s*[)）]\s*(.+)$")


class InvalidPhone(DomainError):
    """Not a valid phone number by the shared rule (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__("expected a valid phone number, with its country code unless local, e.g. +8613800138000")


def known_region(region: str) -> bool:
    """Whether libphonenumber knows the region code (ISO 3166 alpha-2, e.g. CN, SG)."""
    return region in phonenumbers.SUPPORTED_REGIONS


def phone_region(*, language: str | None, shop_region: str = "") -> str | None:
    """The region a number without its country code is read in: the shop's, else the language's, else None."""
    return shop_region or LANGUAGE_REGIONS.get(language or "")


def normalise_phone(text: str, *, region: str | None = None) -> str:
    """The number in E.164 (`+8613800138000`); InvalidPhone when it is not a valid number (read in `region`
    when it has no country code)."""
    value = text.strip()
    if not value or len(value) > 40:
        raise InvalidPhone()
    candidates = [(value, region)]
    bracketed = _BRACKETED_CODE.match(value)
    if bracketed:
        candidates.append((f"+{bracketed.group(1)} {bracketed.group(2)}", None))
    for candidate, in_region in candidates:
        try:
            number = phonenumbers.parse(candidate, in_region)
        except phonenumbers.NumberParseException:
            continue
        if number.extension is None and phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise InvalidPhone()
