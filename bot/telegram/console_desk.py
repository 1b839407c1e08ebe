"""The web console's way to reach customers on Telegram: the staff desk's rules (`bot/staff.py`), sent through
the same rate-limited `Sender` as the bot (its token buckets live in the shared Redis, so the console and the
bot replicas keep Telegram's limits together).

The console process owns its own PTB `Bot` for this; it never polls, so it takes no updates from the bot.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace

from telegram import Bot

from actions.ticket_desk import OverdueTicket
from bot.conversation import StaffRelayResult
from bot.staff import StaffDesk
from bot.telegram.rendering import render_replies, send_outgoing
from bot.telegram.sender import Sender
from bot.telegram.staff import StaffRelay
from runtime.services import Services
from runtime.settings import Settings
from storage.redis_state import RateLimiter


class TelegramDesk:
    """Replies and closings typed in the console, delivered to the customer and noted in the staff topic."""

    def __init__(self, desk: StaffDesk, sender: Sender, relay: StaffRelay, *, staff_group_id: int | None) -> None:
        self._desk = desk
        self._sender = sender
        self._relay = relay
        self._group = staff_group_id

    async def reply(self, *, handoff_id: int, staff_id: int, text: str) -> str:
        """Send a staff reply; "sent", "blocked" (the customer blocked the bot), "failed", "no_chat" or "empty"."""
        result, topic = await self._desk.reply_from_console(handoff_id=handoff_id, staff_id=staff_id, text=text)
        if not result.replies:
            return "empty"
        return await self._deliver(result, topic)

    async def close(self, *, handoff_id: int, staff_id: int) -> str:
        """Close the handoff: the customer is told and asked for a rating; the staff topic is closed."""
        result, topic = await self._desk.close_from_console(handoff_id=handoff_id, staff_id=staff_id)
        return await self._deliver(result, topic)

    async def ticket_update(self, *, ticket_id: int) -> str:
        """Tell the customer their ticket's new status (and ask for a rating once it is resolved)."""
        result = await self._desk.ticket_update(ticket_id=ticket_id)
        if result.customer_chat_id is None:
            return "no_chat"
        return await self._deliver(result, None)

    async def announce_overdue(self, tickets: Sequence[OverdueTicket]) -> None:
        """Post one line per overdue ticket in the staff group (the worker's overdue job calls this)."""
        if self._group is None:
            return
        for ticket in tickets:
            notice = self._desk.overdue_notice(
                ticket_id=ticket.ticket_id, category=ticket.category, priority=ticket.priority, due=ticket.due
            )
            await self._sender.send_message(self._group, notice.text)

    async def _deliver(self, result: StaffRelayResult, topic: int | None) -> str:
        outcome = "sent" if result.customer_chat_id is not None else "no_chat"  # an erased customer has no chat
        if result.customer_chat_id is not None:
            sent = await send_outgoing(self._sender, result.customer_chat_id, render_replies(result.replies))
            if any(item.blocked for item in sent):
                outcome = "blocked"
            elif not all(item.ok for item in sent):
                outcome = "failed"
        if topic is not None:  # staff in the group see that the chat was closed from the console
            if outcome == "blocked":
                await self._relay.tell_blocked(topic)
            await self._relay.send_result(replace(result, customer_chat_id=None), thread_id=topic)
        return outcome


@asynccontextmanager
async def open_telegram_desk(settings: Settings, services: Services) -> AsyncIterator[TelegramDesk]:
    """A Bot on TELEGRAM_BOT_TOKEN (and TELEGRAM_BASE_URL), the shared-limit sender and the staff desk."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # as the bot sets it: RetryAfter durations as timedelta
    bot = Bot(settings.bot.telegram_bot_token, base_url=settings.bot.telegram_base_url)
    async with bot:
        sender = Sender(bot, limiter=RateLimiter(services.redis), session_factory=services.session_factory)
        desk = StaffDesk(services)
        relay = StaffRelay(sender, desk=desk, staff_group_id=settings.bot.staff_group_id)
        yield TelegramDesk(desk, sender, relay, staff_group_id=settings.bot.staff_group_id)
