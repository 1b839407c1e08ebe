"""Both catalogues hold the same keys with the same placeholders, and every key the code uses exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

from bot.flows.complaint import CATEGORIES
from bot.flows.profile_edit import FIELDS
from bot.handlers.menu import INTENT_LABELS
from bot.texts import CATALOGUES, text
from storage.models import LEDGER_REASONS, ORDER_STATUSES

BOT = Path(__file__).resolve().parents[2] / "bot"
USED_KEY = re.compile(r"""(?:reply|\.t|button|catalogue_text\(\w+,|menu\(turn,)\(\s*"([a-z_]+\.[a-z_.]+)\"""")


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_same_keys_in_both_languages() -> None:
    assert set(CATALOGUES["zh"]) == set(CATALOGUES["en"])


def test_same_placeholders_in_both_languages() -> None:
    different = {
        key: (_placeholders(CATALOGUES["zh"][key]), _placeholders(CATALOGUES["en"][key]))
        for key in CATALOGUES["zh"]
        if _placeholders(CATALOGUES["zh"][key]) != _placeholders(CATALOGUES["en"][key])
    }
    assert different == {}


def test_every_literal_key_in_the_code_exists() -> None:
    used = {key for path in BOT.rglob("*.py") for key in USED_KEY.findall(path.read_text(encoding="utf-8"))}
    assert used, "the pattern finds the keys"
    assert used - set(CATALOGUES["en"]) == set()


def test_no_empty_texts() -> None:
    assert [key for language in CATALOGUES.values() for key, value in language.items() if not value.strip()] == []


def test_unknown_language_falls_back_to_chinese() -> None:
    assert text("fr", "flow.cancel_button") == "取消"


def test_keys_built_from_data_cover_every_value() -> None:
    """Keys made at run time (ledger reason, order status, complaint category) exist for every value."""
    needed = (
        {f"ledger.{reason}" for reason in LEDGER_REASONS}
        | {f"order.status.{status}" for status in ORDER_STATUSES}
        | {f"complaint.category.{category}" for category in CATEGORIES}
        | {f"profile.field.{field}" for field in FIELDS}
        | {f"profile.ask_{field}" for field in FIELDS if field != "language"}
        | {f"odd.{kind}" for kind in ("sticker", "photo", "voice", "document", "location", "edited", "other")}
        | set(INTENT_LABELS.values())
    )
    assert needed - set(CATALOGUES["en"]) == set()
