"""What the fake Telegram knows: the bot, chats, messages, forum topics, open callback queries, and the ids."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

from tests.support.fake_bot_api.protocol import JSON, ApiError

DEFAULT_ICON_COLOR = 7322096


@dataclass
class ForumTopic:
    """A forum topic created with createForumTopic (or seen in a group message)."""

    message_thread_id: int
    name: str
    icon_color: int = DEFAULT_ICON_COLOR
    closed: bool = False

    def to_json(self) -> JSON:
        """The Bot API ForumTopic object."""
        return {"message_thread_id": self.message_thread_id, "name": self.name, "icon_color": self.icon_color}


class TelegramState:
    """Shared by the update builders (what customers and staff send) and the methods (what the bot sends)."""

    def __init__(self, bot_user: JSON) -> None:
        self.bot_user = bot_user
        self.messages: dict[tuple[int, int], JSON] = {}
        self.topics: dict[tuple[int, int], ForumTopic] = {}
        self.open_queries: set[str] = set()
        self._chats: dict[int, JSON] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._update_ids = itertools.count(100_000_001)
        self._ids = itertools.count(1)

    def chat(self, chat_id: Any, user: JSON | None = None) -> JSON:
        """The Chat object for an id, remembered once seen (private chats take the user's names)."""
        try:
            key = int(chat_id)
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        if key not in self._chats or (user is not None and key == user["id"]):
            if key > 0:
                chat: JSON = {"id": key, "type": "private", "first_name": (user or {}).get("first_name", "Customer")}
            elif str(key).startswith("-100"):
                chat = {"id": key, "type": "supergroup", "title": "Customer care", "is_forum": True}
            else:
                chat = {"id": key, "type": "group", "title": "Group"}
            self._chats[key] = chat
        return self._chats[key]

    def new_message(self, chat: JSON, sender: JSON, **content: Any) -> JSON:
        """A message with the chat's next message id, remembered."""
        counter = self._message_ids.setdefault(chat["id"], itertools.count(1))
        message: JSON = {"message_id": next(counter), "date": int(time.time()), "chat": chat, "from": sender}
        message.update(content)
        self.messages[(chat["id"], message["message_id"])] = message
        return message

    def delete_thread(self, chat_id: int, thread_id: int) -> None:
        """Forget a forum topic's messages, its creation message included (deleteForumTopic)."""
        for key, message in list(self.messages.items()):
            if key[0] == chat_id and (key[1] == thread_id or message.get("message_thread_id") == thread_id):
                del self.messages[key]

    def update(self, kind: str, payload: JSON) -> JSON:
        """An Update with the next update id."""
        return {"update_id": next(self._update_ids), kind: payload}

    def next_id(self) -> int:
        """A fresh number for file and callback query ids."""
        return next(self._ids)

    def file(self, kind: str) -> JSON:
        """The file_id / file_unique_id pair of a new file."""
        n = self.next_id()
        return {"file_id": f"fake-{kind}-{n}", "file_unique_id": f"u{kind[:2]}{n}"}

    def thread(self, message: JSON, thread_id: Any, reply_to_message_id: Any) -> None:
        """Put a message in a forum topic: Telegram makes it a reply to the topic's creation message."""
        chat_id = message["chat"]["id"]
        reply_to = self.messages.get((chat_id, int(reply_to_message_id))) if reply_to_message_id else None
        if thread_id:
            thread = int(thread_id)
            message.update(message_thread_id=thread, is_topic_message=True)
            topic = self.topics.setdefault((chat_id, thread), ForumTopic(thread, f"Topic {thread}"))
            if reply_to is None:
                reply_to = self.messages.get((chat_id, thread)) or {
                    "message_id": thread,
                    "date": message["date"],
                    "chat": message["chat"],
                    "message_thread_id": thread,
                    "forum_topic_created": {"name": topic.name, "icon_color": topic.icon_color},
                }
        if reply_to is not None:
            message["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
