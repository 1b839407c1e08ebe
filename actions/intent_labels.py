"""Labels that teach the NLU: staff set the intent a customer's turn really meant; the labelled turns become
Rasa training data, with personal data masked and without the texts the training, dev and held-out sets
already hold.

The turns to review come first when the model was unsure: fallbacks, then the lowest confidence.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.audit import record_event
from actions.errors import DomainError
from storage.models import IntentLabel, MessageLog, Staff

# Personal data in what customers write, matched precisely so that the numbers which teach the model stay:
# quantities, sizes, prices, model numbers ("iPhone 15", "RTX 4090"), parcel counts, dates.
# Chinese characters are word characters to `\w`, so the edges are spelled out: no ASCII letter or digit.
_BEFORE, _AFTER = r"(?<![0-9A-Za-z+])", r"(?![0-9A-Za-z])"
_PHONES = (
    # Mainland mobiles, also after +86/0086 and in groups: 13800138000, +86 138-0013-8000.
    r"(?:(?:\+|00)86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}",
    # Landlines with their area code: 010-62345678, (021) 6123 4567, 0755-8888-1234.
    r"(?:\(0\d{2,3}\)\s?|0\d{2,3}[\s-])[2-9]\d{2,3}[\s-]?\d{4}",
    # North American numbers with separators: (555) 123-4567, 555-123-4567, 555.123.4567.
    r"(?:\(\d{3}\)\s?|\d{3}[.\s-])\d{3}[.\s-]\d{4}",
    # Any number written internationally (8 digits or more, checked below): +44 20 7946 0958, +852 9123 4567.
    r"\+\d{1,3}(?:[\s-]?\(?\d{1,4}\)?){2,5}",
)
PHONE = re.compile(_BEFORE + "(?:" + "|".join(_PHONES) + ")" + _AFTER)
# A bare number right after words saying it is a phone number: "手机 98765432", "call me on 7946 0958".
PHONE_BY_WORD = re.compile(
    r"(?P<word>(?:电话|手机号?|联系方式|座机|\b(?:phone|mobile|tel|cell|whatsapp|call me(?: on| at)?))[\s:：是为]*)"
    r"(?P<number>\d[\d\s-]{5,14}\d)" + _AFTER,
    re.IGNORECASE,
)
# The shop's order numbers (as bot/patterns.py reads them: SO-YYYYMMDD-NNN, also with spaces or no dashes).
ORDER_ID = re.compile(r"(?<![A-Za-z0-9])SO[-\s]?\d{8}[-\s]?\d{3,}(?![0-9])", re.IGNORECASE)
# Mainland resident identity card numbers: 18 characters with a date of birth inside.
ID_CARD = re.compile(r"(?<![0-9])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]" + _AFTER)
EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
MASKED_PHONE, MASKED_ORDER, MASKED_EMAIL = "13800000000", "SO-20000101-001", "name@example.com"
MASKED_ID_CARD = "110101200001010000"
MIN_PHONE_DIGITS = 8
CJK = re.compile(r"[\u3400-\u9fff]")


class UnknownIntent(DomainError):
    """Not an intent the NLU model knows."""


class NotACustomerTurn(DomainError):
    """Only what a customer wrote can be labelled."""


@dataclass(frozen=True)
class ReviewTurn:
    """A customer turn to label, with what the model said and the label so far."""

    message_id: int
    customer_id: int | None
    text: str
    intent: str | None
    confidence: float | None
    handler: str | None
    at: datetime
    label: str | None


@dataclass(frozen=True)
class LabelledExample:
    """A labelled turn ready for training."""

    intent: str
    text: str
    language: str


def mask_personal(text: str) -> str:
    """The text with e-mail addresses, phone numbers, identity card numbers and the shop's order ids replaced by
    dummy values of the same shape (the model learns from real-looking text; square brackets would read as Rasa
    entity markup). Other numbers stay: quantities, sizes, amounts, model numbers."""
    text = EMAIL.sub(MASKED_EMAIL, text)
    text = ORDER_ID.sub(MASKED_ORDER, text)
    text = ID_CARD.sub(MASKED_ID_CARD, text)
    text = PHONE.sub(_phone, text)
    return PHONE_BY_WORD.sub(lambda found: found.group("word") + MASKED_PHONE, text)


def _phone(found: re.Match[str]) -> str:
    """A phone number's mask; a short "+5 3 2" is not a phone number and stays."""
    number = found.group(0)
    return MASKED_PHONE if sum(character.isdigit() for character in number) >= MIN_PHONE_DIGITS else number


def language_of(text: str) -> str:
    """zh when the text has Chinese characters, else en (the training data's two folders)."""
    return "zh" if CJK.search(text) else "en"


async def label_turn(
    *, session: AsyncSession, message_id: int, intent: str, known: Collection[str], staff: Staff, now: datetime
) -> IntentLabel:
    """Set (or change) the intent of a customer's turn; audited."""
    if intent not in known:
        raise UnknownIntent(f"unknown intent {intent!r}")
    turn = await session.get(MessageLog, message_id)
    if turn is None or turn.direction != "in" or not turn.text or turn.text.startswith(("/", "v1:")):
        raise NotACustomerTurn(f"message #{message_id} is not something a customer wrote")
    label = await session.get(IntentLabel, message_id)
    if label is None:
        label = IntentLabel(message_id=message_id, intent=intent, staff_id=staff.id, created_at=now)
        session.add(label)
    else:
        label.intent, label.staff_id, label.created_at = intent, staff.id, now
    record_event(
        session, actor=f"console:{staff.name}", action="nlu.labelled", target=("message", message_id),
        details={"intent": intent, "predicted": turn.intent}, now=now,
    )  # fmt: skip
    await session.flush()
    return label


async def review_queue(*, session: AsyncSession, limit: int = 100, unlabelled_only: bool = True) -> list[ReviewTurn]:
    """Customer turns to label: fallbacks first, then by rising confidence, newest first within a tie."""
    unsure_first = case((MessageLog.handler == "fallback", 0), else_=1)
    query = (
        select(MessageLog, IntentLabel.intent)
        .outerjoin(IntentLabel, IntentLabel.message_id == MessageLog.id)
        .where(MessageLog.direction == "in", MessageLog.text != "")
        .where(~MessageLog.text.startswith("/"), ~MessageLog.text.startswith("v1:"), ~MessageLog.text.startswith("["))
        .order_by(unsure_first, MessageLog.confidence.is_(None), MessageLog.confidence, MessageLog.id.desc())
        .limit(limit)
    )
    if unlabelled_only:
        query = query.where(IntentLabel.message_id.is_(None))
    return [
        ReviewTurn(
            message_id=turn.id,
            customer_id=turn.customer_id,
            text=turn.text,
            intent=turn.intent,
            confidence=turn.confidence,
            handler=turn.handler,
            at=turn.created_at,
            label=label,
        )
        for turn, label in (await session.execute(query)).all()
    ]


async def labelled_examples(*, session: AsyncSession, exclude: Iterable[str] = ()) -> list[LabelledExample]:
    """Labelled turns (masked), without empty (erased) texts, repeats, or texts in `exclude` (case and
    surrounding spaces ignored): the examples already in the training, dev and held-out sets."""
    seen = {_key(text) for text in exclude}
    query = (
        select(IntentLabel.intent, MessageLog.text)
        .join(MessageLog, MessageLog.id == IntentLabel.message_id)
        .order_by(IntentLabel.intent, MessageLog.id)
    )
    examples = []
    for intent, text in (await session.execute(query)).all():
        masked = " ".join(mask_personal(text).split())
        if not masked or _key(masked) in seen or _key(text) in seen:
            continue
        seen.add(_key(masked))
        examples.append(LabelledExample(intent=intent, text=masked, language=language_of(masked)))
    return examples


def rasa_yaml(examples: Iterable[LabelledExample]) -> str:
    """Rasa 3 NLU training data (`version: "3.1"`), one block per intent, examples in order."""
    by_intent: dict[str, list[str]] = {}
    for example in examples:
        by_intent.setdefault(example.intent, []).append(example.text)
    lines = ['version: "3.1"', "# Labelled by staff in the console (carebot nlu labels export); do not edit.", "nlu:"]
    for intent in sorted(by_intent):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {_yaml_line(text)}" for text in by_intent[intent]]
    return "\n".join(lines) + "\n"


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _yaml_line(text: str) -> str:
    # Inside a literal block scalar every character is literal; only line breaks must not appear.
    return text.replace("\r", " ").replace("\n", " ")
