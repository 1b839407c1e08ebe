"""Staff-group relay: one forum topic per handed-off customer in the staff supergroup (STAFF_GROUP_ID).

A new handoff opens a topic named after the customer and posts their profile summary; the customer's
messages are relayed into it; what staff write in the topic goes back to the customer; `/close` in the
topic ends the handoff. Which topic belongs to which customer is kept in the database (handoffs), so any
replica can relay.

A customer's erasure deletes the topics of their handoffs (their name, profile and messages are there):
after an erasure in the chat at once (an "erased" notice), and at start-up for those erased from the
command line while the bot was away (`STARTUP_SWEEP`). A topic that could not be deleted (the bot lacks
the right to delete messages) is closed and tried again at the next erasure or start.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import ForumTopic, MessageEntity, User

from bot.conversation import StaffNotice, StaffRelayResult
from bot.staff import StaffDesk
from bot.telegram.rendering import render_replies, send_outgoing, split_text
from bot.telegram.sender import Sender

logger = logging.getLogger(__name__)

MAX_TOPIC_NAME = 128
# Queued at start-up: deletes the topics of customers erased (from the command line) while the bot was away.
STARTUP_SWEEP = StaffNotice(kind="erased", customer_id=0, text="")


class StaffRelay:
    """Posts staff notices into the staff group and relays staff replies to customers."""

    def __init__(self, sender: Sender, *, desk: StaffDesk, staff_group_id: int | None) -> None:
        self._sender = sender
        self._desk = desk
        self._group = staff_group_id

    async def deliver(self, notices: Sequence[StaffNotice]) -> None:
        """Post each notice: a new handoff opens the customer's topic first."""
        for notice in notices:
            if self._group is None:
                if notice.kind != "erased":  # without a group there are no topics to delete
                    logger.warning("STAFF_GROUP_ID is not set: a %s notice for staff was not posted", notice.kind)
                continue
            if notice.kind == "erased":
                await self._delete_erased_topics()
                for part in split_text(notice.text):
                    await self._sender.send_message(self._group, part)
                continue
            thread_id = notice.topic_id
            if thread_id is None and notice.kind != "ticket":
                thread_id = await self._open_topic(notice)
            if notice.copy_from is not None and await self._copied(notice.copy_from, thread_id):
                continue
            for part in split_text(notice.text):
                await self._sender.send_message(self._group, part, message_thread_id=thread_id)
            if notice.kind == "handoff":
                await self._mention_on_duty(thread_id)

    async def _mention_on_duty(self, thread_id: int | None) -> None:
        """Mention the staff on duty (a Telegram mention notifies them even without a username)."""
        group = self._group
        people = await self._desk.on_duty()
        if group is None or not people:
            return
        text = self._desk.staff_text("staff.on_duty", names="").text
        entities = []
        for user_id, name in people:
            separator = "" if text.endswith(("：", ": ")) else ", "
            text += separator
            offset = len(text.encode("utf-16-le")) // 2  # Telegram counts UTF-16 code units
            text += name
            entities.append(
                MessageEntity(
                    MessageEntity.TEXT_MENTION,
                    offset,
                    len(name.encode("utf-16-le")) // 2,
                    user=User(user_id, name, is_bot=False),
                )
            )
        await self._sender.call(
            group,
            lambda: self._sender.bot.send_message(
                chat_id=group, text=text, message_thread_id=thread_id, entities=entities
            ),
        )

    async def _delete_erased_topics(self) -> None:
        """Delete the staff topics of erased customers; one that cannot be deleted is closed and kept for later."""
        group = self._group
        assert group is not None
        for topic_id in await self._desk.erased_topics():
            await self._delete_topic(group, topic_id)

    async def _delete_topic(self, group: int, topic_id: int) -> None:
        deleted = await self._sender.call(group, lambda: self._sender.bot.delete_forum_topic(group, topic_id))
        if deleted.ok:
            await self._desk.topic_removed(topic_id)
            return
        logger.error(
            "could not delete staff topic %s of an erased customer (%s): the bot needs the right to delete "
            "messages; the topic is closed and deleted at the next erasure or start",
            topic_id,
            deleted.error,
        )
        await self._sender.call(group, lambda: self._sender.bot.close_forum_topic(group, topic_id))

    async def _copied(self, source: tuple[int, int], thread_id: int | None) -> bool:
        """Copy a customer's photo, file or voice message into their topic; False when Telegram refused."""
        group = self._group
        assert group is not None
        from_chat, message_id = source
        result = await self._sender.call(
            group,
            lambda: self._sender.bot.copy_message(
                chat_id=group, from_chat_id=from_chat, message_id=message_id, message_thread_id=thread_id
            ),
        )
        return result.ok

    async def _open_topic(self, notice: StaffNotice) -> int | None:
        group = self._group
        assert group is not None
        name = (notice.topic_name or f"#{notice.customer_id}")[:MAX_TOPIC_NAME]
        result = await self._sender.call(group, lambda: self._sender.bot.create_forum_topic(group, name))
        topic = result.value
        if not isinstance(topic, ForumTopic):
            logger.error("could not open a staff topic for customer %s (%s)", notice.customer_id, result.error)
            return None
        await self._desk.set_topic(customer_id=notice.customer_id, topic_id=topic.message_thread_id)
        return topic.message_thread_id

    async def tell_blocked(self, thread_id: int) -> None:
        """Tell staff in the customer's topic that the customer blocked the bot (nothing reaches them)."""
        if self._group is not None:
            notice = self._desk.staff_text("staff.customer_blocked")
            await self._sender.send_message(self._group, notice.text, message_thread_id=thread_id)

    async def send_result(self, relay: StaffRelayResult, *, thread_id: int) -> None:
        """Send what a staff message produced: replies to the customer, notes to the topic; close it on /close."""
        blocked = False
        if relay.customer_chat_id is not None:
            sent = await send_outgoing(self._sender, relay.customer_chat_id, render_replies(relay.replies))
            blocked = any(result.blocked for result in sent)
        if self._group is not None:
            if blocked:
                await self.tell_blocked(thread_id)
            for reply in relay.staff_replies:
                for part in split_text(reply.text):
                    await self._sender.send_message(self._group, part, message_thread_id=thread_id)
            if relay.closed:
                group = self._group
                await self._sender.call(group, lambda: self._sender.bot.close_forum_topic(group, thread_id))
