"""Every customer-facing string, in a zh and an en catalogue with the same keys and placeholders."""

from __future__ import annotations

from bot.texts import en, zh

CATALOGUES: dict[str, dict[str, str]] = {"zh": zh.TEXTS, "en": en.TEXTS}
LANGUAGES = tuple(CATALOGUES)


def text(language: str, key: str, /, **values: object) -> str:
    """The text for `key` in `language` (falling back to zh), with its placeholders filled in."""
    catalogue = CATALOGUES.get(language, CATALOGUES["zh"])
    return catalogue[key].format(**values)
