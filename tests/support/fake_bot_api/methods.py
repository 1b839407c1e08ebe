"""The Bot API methods CareBot calls, answered with objects python-telegram-bot can de-json.

Only these are faked (a call to any other method answers 404, which PTB raises as EndPointNotFound):
getMe, getUpdates, deleteWebhook and setWebhook (PTB's bootstrap, polling and `serve_webhook`),
sendMessage and sendDocument (the reply sender), answerCallbackQuery (buttons), and copyMessage,
createForumTopic, closeForumTopic and deleteForumTopic (the staff relay).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.support.fake_bot_api.delivery import Delivery, Webhook
from tests.support.fake_bot_api.protocol import (
    JSON,
    ApiError,
    UploadedFile,
    check_reply_markup,
    check_text,
    inline_markup,
    int_param,
    required,
)
from tests.support.fake_bot_api.state import DEFAULT_ICON_COLOR, ForumTopic, TelegramState

Method = Callable[[JSON, dict[str, UploadedFile]], Awaitable[Any]]

# Sends to a chat whose user blocked the bot answer 403 (see FakeBotApi.block_user).
SEND_METHODS = frozenset({"sendMessage", "sendDocument", "copyMessage"})
COPYABLE_CONTENT = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "photo",
    "sticker",
    "voice",
    "document",
    "location",
    "video",
    "audio",
    "animation",
    "contact",
    "video_note",
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class BotApiMethods:
    """The fakes of the methods, keyed by their Bot API names in `table`."""

    def __init__(self, state: TelegramState, delivery: Delivery) -> None:
        self.state = state
        self.delivery = delivery
        self.table: dict[str, Method] = {
            "getMe": self.get_me,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "sendMessage": self.send_message,
            "sendDocument": self.send_document,
            "answerCallbackQuery": self.answer_callback_query,
            "copyMessage": self.copy_message,
            "createForumTopic": self.create_forum_topic,
            "closeForumTopic": self.close_forum_topic,
            "deleteForumTopic": self.delete_forum_topic,
        }

    # -- updates and webhook -------------------------------------------------------------------------------

    async def get_me(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        return {**self.state.bot_user, "can_join_groups": True, "can_read_all_group_messages": False}

    async def get_updates(self, params: JSON, files: dict[str, UploadedFile]) -> list[JSON]:
        if self.delivery.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        return await self.delivery.poll(
            offset=int(params.get("offset") or 0),
            limit=min(max(int(params.get("limit") or 100), 1), 100),
            wait=float(params.get("timeout") or 0),
        )

    async def set_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        url = str(params.get("url") or "")
        if url and not url.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        webhook = Webhook(url, params.get("secret_token"), params) if url else None
        self.delivery.set_webhook(webhook, drop_pending_updates=bool(params.get("drop_pending_updates")))
        return True

    async def delete_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self.delivery.set_webhook(None, drop_pending_updates=bool(params.get("drop_pending_updates")))
        return True

    # -- messages ------------------------------------------------------------------------------------------

    async def send_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self.state.chat(required(params, "chat_id"))
        text = params.get("text")
        if text in (None, ""):
            raise ApiError(400, "Bad Request: message text is empty")
        check_text(text)
        check_reply_markup(params.get("reply_markup"))
        message = self.state.new_message(chat, self.state.bot_user, text=str(text))
        if params.get("entities"):
            message["entities"] = params["entities"]
        return self._finish_sent(message, params)

    async def send_document(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self.state.chat(required(params, "chat_id"))
        upload = files.get("document")
        if upload is not None:
            document = {
                **self.state.file("document"),
                "file_name": upload.filename,
                "mime_type": upload.content_type,
                "file_size": len(upload.body),
            }
        elif params.get("document"):
            document = {"file_id": str(params["document"]), "file_unique_id": f"u{self.state.next_id()}"}
        else:
            raise ApiError(400, "Bad Request: there is no document in the request")
        check_text(params.get("caption"), caption=True)
        check_reply_markup(params.get("reply_markup"))
        message = self.state.new_message(chat, self.state.bot_user, document=document)
        if params.get("caption"):
            message["caption"] = params["caption"]
        return self._finish_sent(message, params)

    async def answer_callback_query(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        query_id = str(required(params, "callback_query_id"))
        if query_id not in self.state.open_queries:
            raise ApiError(400, QUERY_INVALID)
        self.state.open_queries.discard(query_id)
        return True

    async def copy_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        key = (int_param(params, "from_chat_id"), int_param(params, "message_id"))
        source = self.state.messages.get(key)
        if source is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        if not any(k in source for k in COPYABLE_CONTENT):
            raise ApiError(400, "Bad Request: message can't be copied")
        chat = self.state.chat(required(params, "chat_id"))
        content = {k: v for k, v in source.items() if k in COPYABLE_CONTENT}
        if "caption" in params:
            content["caption"] = params["caption"]
        check_reply_markup(params.get("reply_markup"))
        message = self.state.new_message(chat, self.state.bot_user, **content)
        self._finish_sent(message, params)
        return {"message_id": message["message_id"]}

    # -- forum topics --------------------------------------------------------------------------------------

    async def create_forum_topic(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self.state.chat(required(params, "chat_id"))
        name = str(required(params, "name"))
        if len(name) > 128:
            raise ApiError(400, "Bad Request: TOPIC_NAME_INVALID")
        color = int(params.get("icon_color") or DEFAULT_ICON_COLOR)
        service = self.state.new_message(
            chat, self.state.bot_user, forum_topic_created={"name": name, "icon_color": color}
        )
        thread_id = service["message_id"]
        service.update(message_thread_id=thread_id, is_topic_message=True)
        topic = ForumTopic(thread_id, name, color)
        self.state.topics[(chat["id"], thread_id)] = topic
        return topic.to_json()

    async def close_forum_topic(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        topic = self.state.topics.get((int_param(params, "chat_id"), int_param(params, "message_thread_id")))
        if topic is None:
            raise ApiError(400, "Bad Request: TOPIC_ID_INVALID")
        if topic.closed:
            raise ApiError(400, "Bad Request: TOPIC_NOT_MODIFIED")
        topic.closed = True
        return True

    async def delete_forum_topic(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        """The topic goes, with every message in it."""
        chat_id, thread_id = int_param(params, "chat_id"), int_param(params, "message_thread_id")
        if self.state.topics.pop((chat_id, thread_id), None) is None:
            raise ApiError(400, "Bad Request: TOPIC_ID_INVALID")
        self.state.delete_thread(chat_id, thread_id)
        return True

    def _finish_sent(self, message: JSON, params: JSON) -> JSON:
        """Thread and reply a sent message as asked, and keep an inline keyboard on it."""
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id") if isinstance(reply, dict) else None
        self.state.thread(message, params.get("message_thread_id"), reply_to or params.get("reply_to_message_id"))
        if markup := inline_markup(params.get("reply_markup")):
            message["reply_markup"] = markup
        return message
