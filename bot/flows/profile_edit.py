"""Profile update: choose birthday, phone or language, then give the value (validated before saving)."""

from __future__ import annotations

from datetime import date

from actions.customers import set_birthday, set_language, set_phone
from actions.phones import InvalidPhone, normalise_phone, phone_region
from bot.callbacks import Callback
from bot.conversation import Reply
from bot.dates import BIRTHDAY_UNKNOWN_YEAR, parse_birthday
from bot.replies import stale_button
from bot.slots import ask_again
from bot.turn import Turn

FIELDS = ("birthday", "phone", "language")


FIELD_WORDS = {
    "birthday": ("生日", "出生", "birthday", "date of birth"),
    "phone": ("手机", "电话", "号码", "phone", "mobile", "number"),
    "language": ("语言", "中文", "英文", "language", "english", "chinese"),
}
LANGUAGE_VALUES = {
    "zh": "zh", "中文": "zh", "汉语": "zh", "简体中文": "zh", "普通话": "zh", "chinese": "zh", "mandarin": "zh",
    "en": "en", "英文": "en", "英语": "en", "english": "en",
}  # fmt: skip


def _field_named(text: str) -> str | None:
    lowered = text.lower()
    return next((field for field, words in FIELD_WORDS.items() if any(word in lowered for word in words)), None)


async def start(turn: Turn) -> list[Reply]:
    """Straight to the point when the message says what to change ("switch to English", "生日是3月5号")."""
    language = LANGUAGE_VALUES.get((turn.nlu.entity("language") or "").strip().lower()) if turn.nlu else None
    if language is not None:
        return await _save_language(turn, language)
    date_entity = turn.nlu.entity("date") if turn.nlu else None
    if date_entity:
        turn.start_flow("profile", step="value", field="birthday")
        return await on_text(turn, date_entity)
    named = _field_named(turn.incoming.text)
    if named == "language":
        return language_buttons(turn)
    if named is not None:  # "我想改生日": straight to the question (and the answer, if it is already there)
        turn.start_flow("profile", step="value", field=named)
        if named == "birthday" and _birthday_in(turn, turn.incoming.text) is not None:
            return await on_text(turn, turn.incoming.text)
        return [turn.reply(f"profile.ask_{named}")]
    turn.start_flow("profile", step="field")
    return [_field_question(turn)]


def _field_question(turn: Turn) -> Reply:
    rows = [[turn.button(f"profile.field.{name}", "profile", "field", name)] for name in FIELDS]
    rows.append([turn.button("flow.cancel_button", "flow", "cancel")])
    return turn.reply("profile.ask_field", buttons=rows)


def reprompt(turn: Turn) -> list[Reply]:
    """The question the profile change is waiting on, asked again."""
    flow = turn.flow or {}
    if flow.get("step") == "value" and flow.get("field") in FIELDS:
        return [turn.reply(f"profile.ask_{flow['field']}")]
    return [_field_question(turn)]


def language_buttons(turn: Turn) -> list[Reply]:
    buttons = [[turn.button("language.zh", "lang", "zh"), turn.button("language.en", "lang", "en")]]
    return [turn.reply("language.ask", buttons=buttons)]


async def on_button(turn: Turn, callback: Callback) -> list[Reply]:
    flow = turn.flow
    field = callback.part(1)
    if flow is None or flow.get("name") != "profile" or callback.part(0) != "field" or field not in FIELDS:
        return stale_button(turn)
    return _field_chosen(turn, flow, field)


def _field_chosen(turn: Turn, flow: dict[str, object], field: str) -> list[Reply]:
    if field == "language":
        turn.end_flow()
        return language_buttons(turn)
    flow.update(step="value", field=field)
    return [turn.reply(f"profile.ask_{field}")]


async def on_text(turn: Turn, text: str) -> list[Reply]:
    flow = turn.flow or {}
    if flow.get("step") != "value":
        field = _field_named(text) or _value_kind(turn, text)  # typed instead of tapped, or the value itself
        if field is None:
            return ask_again(turn, "profile.pick_button")
        if field != "language" and _value_kind(turn, text) == field:
            flow.update(step="value", field=field)
            return await on_text(turn, text)
        return _field_chosen(turn, flow, field)
    if flow.get("field") == "birthday":
        birthday = _birthday_in(turn, text)
        if birthday is None:
            return ask_again(turn, "profile.bad_birthday")
        await set_birthday(session=turn.session, customer=turn.customer, birthday=birthday)
        turn.end_flow()
        shown = birthday.strftime("%m-%d") if birthday.year == BIRTHDAY_UNKNOWN_YEAR else birthday.isoformat()
        return [turn.reply("profile.saved_birthday", birthday=shown)]
    try:
        saved = await set_phone(session=turn.session, customer=turn.customer, phone=text, region=_region(turn))
    except InvalidPhone:
        return ask_again(turn, "profile.bad_phone")
    turn.end_flow()
    return [turn.reply("profile.saved_phone", phone=saved)]


def _region(turn: Turn) -> str | None:
    """Where a number without its country code is read: the shop's PHONE_REGION, else by the language."""
    return phone_region(language=turn.language, shop_region=turn.services.phone_region)


def _birthday_in(turn: Turn, text: str) -> date | None:
    return parse_birthday(text, today=turn.now.astimezone(turn.services.timezone).date())


def _value_kind(turn: Turn, text: str) -> str | None:
    """A date or a phone number typed where the buttons asked which field: the answer says which."""
    if _birthday_in(turn, text) is not None:
        return "birthday"
    try:
        normalise_phone(text, region=_region(turn))
    except InvalidPhone:
        return None
    return "phone"


async def set_language_from_button(turn: Turn, callback: Callback) -> list[Reply]:
    language = callback.part(0)
    if language not in ("zh", "en"):
        return stale_button(turn)
    return await _save_language(turn, language)


async def _save_language(turn: Turn, language: str) -> list[Reply]:
    await set_language(session=turn.session, customer=turn.customer, language=language)
    turn.language = language
    return [turn.reply("language.saved")]
