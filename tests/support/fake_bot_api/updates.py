"""Builders of incoming updates: what customers and staff send, as Telegram would deliver it.

Each builder remembers the message in the shared state (so the bot can copy it or a callback can point at
it) and returns the Update JSON, ready for `FakeBotApi.inject` or `telegram.Update.de_json`.
"""

from __future__ import annotations

import time

from tests.support.fake_bot_api.protocol import JSON
from tests.support.fake_bot_api.state import TelegramState


def command_entities(text: str) -> list[JSON]:
    """The bot_command entity Telegram adds to a text starting with a slash."""
    if not text.startswith("/"):
        return []
    return [{"type": "bot_command", "offset": 0, "length": len(text.split(maxsplit=1)[0])}]


class UpdateBuilders:
    """The update builders; `FakeBotApi` inherits them, so tests write `api.user_message(42, "hi")`."""

    def __init__(self, state: TelegramState) -> None:
        self.state = state

    def user(self, user_id: int, *, first_name: str = "Customer", language_code: str | None = "zh") -> JSON:
        """A Bot API User object for a customer."""
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    def user_message(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Customer",
        language_code: str | None = "zh",
        chat_id: int | None = None,
    ) -> JSON:
        """An update with a text message from a customer in their private chat (commands get entities)."""
        sender = self.user(user_id, first_name=first_name, language_code=language_code)
        message = self._user_content(sender, chat_id, text=text)
        if entities := command_entities(text):
            message["entities"] = entities
        return self.state.update("message", message)

    def callback(self, user_id: int, data: str, message_id: int, *, chat_id: int | None = None) -> JSON:
        """An update with a callback query from pressing an inline button on one of the bot's messages."""
        sender = self.user(user_id)
        chat = chat_id if chat_id is not None else user_id
        message = self.state.messages.get((chat, message_id))
        if message is None:  # sent before the fake started: Telegram still has it
            message = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": self.state.chat(chat, sender),
                "from": self.state.bot_user,
                "text": "",
            }
            self.state.messages[(chat, message_id)] = message
        query_id = str(self.state.next_id() * 7919)
        self.state.open_queries.add(query_id)
        query = {"id": query_id, "from": sender, "chat_instance": f"ci{chat}", "data": data, "message": message}
        return self.state.update("callback_query", query)

    def sticker(self, user_id: int, *, emoji: str = "👍") -> JSON:
        """An update with a sticker from a customer."""
        sticker = {
            **self.state.file("sticker"),
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
            "emoji": emoji,
        }
        return self.state.update("message", self._user_content(self.user(user_id), None, sticker=sticker))

    def photo(self, user_id: int, *, caption: str | None = None) -> JSON:
        """An update with a photo (two sizes) from a customer."""
        base = self.state.file("photo")
        sizes = [
            {**base, "file_id": base["file_id"] + "s", "width": 90, "height": 60, "file_size": 1200},
            {**base, "width": 1280, "height": 853, "file_size": 98_000},
        ]
        content: JSON = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        return self.state.update("message", self._user_content(self.user(user_id), None, **content))

    def voice(self, user_id: int, *, duration: int = 3) -> JSON:
        """An update with a voice note from a customer."""
        voice = {**self.state.file("voice"), "duration": duration, "mime_type": "audio/ogg", "file_size": 8000}
        return self.state.update("message", self._user_content(self.user(user_id), None, voice=voice))

    def document(
        self,
        user_id: int,
        *,
        file_name: str = "invoice.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
    ) -> JSON:
        """An update with a document from a customer."""
        doc = {**self.state.file("document"), "file_name": file_name, "mime_type": mime_type, "file_size": 20_480}
        content: JSON = {"document": doc}
        if caption is not None:
            content["caption"] = caption
        return self.state.update("message", self._user_content(self.user(user_id), None, **content))

    def location(self, user_id: int, *, latitude: float = 31.2304, longitude: float = 121.4737) -> JSON:
        """An update with a location from a customer."""
        location = {"latitude": latitude, "longitude": longitude}
        return self.state.update("message", self._user_content(self.user(user_id), None, location=location))

    def edited_message(self, user_id: int, message_id: int, text: str, *, chat_id: int | None = None) -> JSON:
        """An update editing an earlier customer message to `text`."""
        chat = chat_id if chat_id is not None else user_id
        sender = self.user(user_id)
        now = int(time.time())
        original = self.state.messages.get((chat, message_id), {})
        message: JSON = {
            "message_id": message_id,
            "date": original.get("date", now),
            "edit_date": now,
            "chat": self.state.chat(chat, sender),
            "from": sender,
            "text": text,
        }
        self.state.messages[(chat, message_id)] = message
        return self.state.update("edited_message", message)

    def group_message(
        self,
        chat_id: int,
        thread_id: int | None,
        user_id: int,
        text: str,
        *,
        first_name: str = "Staff",
        reply_to_message_id: int | None = None,
    ) -> JSON:
        """An update with a staff message in a forum supergroup topic (`thread_id` None: General topic)."""
        sender = self.user(user_id, first_name=first_name, language_code=None)
        message = self.state.new_message(self.state.chat(chat_id), sender, text=text)
        if entities := command_entities(text):
            message["entities"] = entities
        self.state.thread(message, thread_id, reply_to_message_id)
        return self.state.update("message", message)

    def _user_content(self, sender: JSON, chat_id: int | None, **content: object) -> JSON:
        chat = self.state.chat(chat_id if chat_id is not None else sender["id"], sender)
        return self.state.new_message(chat, sender, **content)
