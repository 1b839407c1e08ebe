"""Profile update: choose birthday, phone or language, then give the value (validated before saving)."""

from __future__ import annotations

import re

from actions.customers import set_language
from bot.callbacks import Callback
from bot.conversation import Reply
from bot.dates import BIRTHDAY_UNKNOWN_YEAR, parse_birthday
from bot.handlers.menu import stale_button
from bot.turn import Turn

FIELDS = ("birthday", "phone", "language")
PHONE = re.compile(r"^\+?\d[\d\s\-]{6,18}\d$")


async def start(turn: Turn) -> list[Reply]:
    date_entity = turn.nlu.entity("date") if turn.nlu else None
    if date_entity:
        turn.start_flow("profile", step="value", field="birthday")
        return await on_text(turn, date_entity)
    turn.start_flow("profile", step="field")
    rows = [[turn.button(f"profile.field.{name}", "profile", "field", name)] for name in FIELDS]
    rows.append([turn.button("flow.cancel_button", "flow", "cancel")])
    return [turn.reply("profile.ask_field", buttons=rows)]


def language_buttons(turn: Turn) -> list[Reply]:
    buttons = [[turn.button("language.zh", "lang", "zh"), turn.button("language.en", "lang", "en")]]
    return [turn.reply("language.ask", buttons=buttons)]


async def on_button(turn: Turn, callback: Callback) -> list[Reply]:
    flow = turn.flow
    field = callback.part(1)
    if flow is None or flow.get("name") != "profile" or callback.part(0) != "field" or field not in FIELDS:
        return stale_button(turn)
    if field == "language":
        turn.end_flow()
        return language_buttons(turn)
    flow.update(step="value", field=field)
    return [turn.reply(f"profile.ask_{field}")]


async def on_text(turn: Turn, text: str) -> list[Reply]:
    flow = turn.flow or {}
    if flow.get("step") != "value":
        return [turn.reply("profile.pick_button")]
    if flow.get("field") == "birthday":
        birthday = parse_birthday(text, today=turn.now.astimezone(turn.services.timezone).date())
        if birthday is None:
            return [turn.reply("profile.bad_birthday")]
        turn.customer.birthday = birthday
        turn.end_flow()
        shown = birthday.strftime("%m-%d") if birthday.year == BIRTHDAY_UNKNOWN_YEAR else birthday.isoformat()
        return [turn.reply("profile.saved_birthday", birthday=shown)]
    phone = text.strip()
    if not PHONE.match(phone):
        return [turn.reply("profile.bad_phone")]
    turn.customer.phone = re.sub(r"[\s\-]", "", phone)
    turn.end_flow()
    return [turn.reply("profile.saved_phone")]


async def set_language_from_button(turn: Turn, callback: Callback) -> list[Reply]:
    language = callback.part(0)
    if language not in ("zh", "en"):
        return stale_button(turn)
    await set_language(session=turn.session, customer=turn.customer, language=language)
    turn.language = language
    return [turn.reply("language.saved")]
