"""Drive the real Application through the fake Bot API and know when each update was fully handled."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from telegram import Update
from telegram.ext import TypeHandler

from bot.telegram.app import BotApplication, BotContext
from tests.support.fake_bot_api import JSON, FakeBotApi

LAST_GROUP = 1_000  # handler groups run in order, so this one runs after the bot's handlers are done


class UpdateTracker:
    """Counts fully handled updates by id; `wait` returns once an update went through every handler group."""

    def __init__(self) -> None:
        self._handled: Counter[int] = Counter()
        self._changed = asyncio.Condition()

    def install(self, application: BotApplication) -> None:
        application.add_handler(TypeHandler(Update, self._done), group=LAST_GROUP)

    async def _done(self, update: Update, _: BotContext) -> None:
        async with self._changed:
            self._handled[update.update_id] += 1
            self._changed.notify_all()

    async def wait(self, update_id: int, times: int = 1, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: self._handled[update_id] >= times)

    def handled(self, update_id: int) -> int:
        return self._handled[update_id]


class Conversation:
    """One customer talking to the bot: send something, get back what the bot sent to their chat."""

    def __init__(self, api: FakeBotApi, tracker: UpdateTracker, user_id: int, language_code: str) -> None:
        self.api = api
        self.tracker = tracker
        self.user_id = user_id
        self.language_code = language_code

    async def send(self, update: JSON) -> list[JSON]:
        """Inject one update, wait until it is handled, return the messages the bot sent to this chat for it."""
        before = len(self.api.sent_messages(self.user_id))
        await self.api.inject(update)
        await self.tracker.wait(update["update_id"])
        return self.api.sent_messages(self.user_id)[before:]

    async def say(self, text: str) -> list[JSON]:
        return await self.send(
            self.api.user_message(self.user_id, text, first_name="Test", language_code=self.language_code)
        )

    async def press(self, data: str) -> list[JSON]:
        """Press the button with this callback data on the latest bot message that shows it."""
        message_id = self.message_with_button(data)
        return await self.send(self.api.callback(self.user_id, data, message_id))

    def message_with_button(self, data: str) -> int:
        """The id of the newest message in this chat whose inline keyboard has that callback data."""
        newest = len(self.api.calls()) + 10  # message ids count up per chat and never outnumber the calls
        for message_id in range(newest, 0, -1):
            message = self.api.message(self.user_id, message_id)
            if message is not None and data in button_data(message):
                return message_id
        raise AssertionError(f"no message to {self.user_id} shows a button {data!r}")


def button_data(message: JSON) -> list[str]:
    """The callback data of every inline button of a message (or of a sendMessage call's params)."""
    markup: Any = message.get("reply_markup") or {}
    return [str(button.get("callback_data")) for row in markup.get("inline_keyboard", []) for button in row]


def texts(messages: list[JSON]) -> str:
    """All texts of the messages, one block, for `in` assertions."""
    return "\n".join(str(message.get("text", "")) for message in messages)
