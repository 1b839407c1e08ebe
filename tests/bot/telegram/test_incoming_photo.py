"""A customer's photo becomes an Incoming with its message id and the largest size's file id (kept with a
ticket it is attached to)."""

from __future__ import annotations

from telegram import Bot, Update

from bot.telegram.updates import incoming_from_update
from tests.support.fake_bot_api import FakeBotApi


async def test_a_photo_carries_its_largest_file(fake_bot_api: FakeBotApi, fake_bot: Bot) -> None:
    data = fake_bot_api.photo(4242, caption="拉链坏了")
    incoming = incoming_from_update(Update.de_json(data, fake_bot))
    assert incoming is not None and incoming.kind == "photo" and incoming.text == "拉链坏了"
    sizes = data["message"]["photo"]
    assert incoming.message_id == data["message"]["message_id"]
    assert incoming.file_id == sizes[-1]["file_id"] != sizes[0]["file_id"]
