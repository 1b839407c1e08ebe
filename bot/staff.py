"""The staff side of a conversation, transport-neutral: what a staff member's message in a customer's
topic does (relay it to the customer, or `/close` the handoff and ask for a rating).

Only active registered staff (`actions/staff.py`, `carebot staff add`) act; the customer sees their
registered name. Anyone else in the staff group is told once that they are not registered, and nothing
they write is relayed or changes a handoff.

The Telegram staff relay (`bot/telegram/staff.py`) delivers what this returns; a staff reply reaches the
customer in two hops: Telegram handler -> `StaffDesk.handle_message` -> the relay sends the result.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions import conversation_log, handoff, privacy
from actions.customers import get_customer
from actions.errors import DomainError
from actions.staff import UnknownStaff, active_staff_by_telegram_id
from actions.takeover import open_queue
from actions.updates import claim_update
from bot import callbacks
from bot.conversation import Button, Incoming, Reply, StaffRelayResult, TurnFailed, clean_text
from bot.flows import rating
from bot.texts import text as catalogue_text
from bot.turn import Turn
from runtime.services import Services
from storage.models import Customer, Handoff, Staff, Ticket
from storage.redis_state import StateUnavailable

logger = logging.getLogger(__name__)

# Who was refused is kept in Redis for a day: the refusal is a courtesy, not a CRM fact, so it needs no
# table for people who are not staff, and someone who keeps writing is reminded at most once a day.
REFUSED_PREFIX = "carebot:staff-refused:"
REFUSAL_MEMORY_SECONDS = 24 * 3600
QUEUE_BUTTONS = 20  # waiting chats listed by /queue (the console shows them all)
# Who is on duty is a shift's state, not a CRM fact: a Redis sorted set of staff ids scored by when their
# duty lapses (a shift at most), so someone who forgets `/duty off` is not mentioned forever.
DUTY_KEY = "carebot:on-duty"
DUTY_SECONDS = 12 * 3600


class StaffDesk:
    """Staff messages in customers' topics, one database transaction each."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def set_topic(self, *, customer_id: int, topic_id: int) -> None:
        """Remember which staff-group topic belongs to a customer's open handoff."""
        async with self._services.session_factory() as session, session.begin():
            await handoff.set_topic(session=session, customer_id=customer_id, topic_id=topic_id)

    async def erased_topics(self) -> list[int]:
        """Staff topics of erased customers, still to delete (they hold the customer's name and messages)."""
        async with self._services.session_factory() as session:
            return await privacy.erased_staff_topics(session=session)

    async def topic_removed(self, topic_id: int) -> None:
        """The staff topic was deleted: no handoff points to it any more."""
        async with self._services.session_factory() as session, session.begin():
            await privacy.forget_staff_topic(session=session, topic_id=topic_id)

    async def handle_message(
        self, *, topic_id: int, staff_user_id: int, text: str, update_id: int
    ) -> StaffRelayResult | None:
        """A message from Telegram user `staff_user_id` in a customer's topic: what goes to the customer and to
        staff (None: a repeat). Someone who is not active staff gets a refusal the first time, then nothing.

        Raises `TurnFailed` (nothing committed) when something unexpected goes wrong.
        """
        try:
            async with self._services.session_factory() as session, session.begin():
                if not await claim_update(session=session, update_id=update_id, now=self._services.clock()):
                    return None
                member = await active_staff_by_telegram_id(session=session, telegram_user_id=staff_user_id)
                if member is not None:
                    return await self._act(session, member, topic_id=topic_id, text=text)
        except Exception as error:
            raise TurnFailed(update_id=update_id, apology=self._staff_reply("staff.relay_failed")) from error
        return await self._refuse(staff_user_id)

    async def queue_for(self, *, staff_user_id: int, update_id: int) -> StaffRelayResult | None:
        """`/queue` in the staff group: the waiting chats, VIPs first, each with a claim button (staff only;
        anyone else gets the refusal). None: a repeat of the update."""
        async with self._services.session_factory() as session, session.begin():
            if not await claim_update(session=session, update_id=update_id, now=self._services.clock()):
                return None
            member = await active_staff_by_telegram_id(session=session, telegram_user_id=staff_user_id)
            if member is None:
                refused = True
            else:
                refused = False
                entries = [
                    entry
                    for entry in await open_queue(session=session, default_language=self._services.default_language)
                    if entry.handoff.status == "waiting"
                ][:QUEUE_BUTTONS]
        if refused:
            return await self._refuse(staff_user_id)
        if not entries:
            return StaffRelayResult(customer_chat_id=None, staff_replies=(self.staff_text("staff.queue_empty"),))
        lines = [self.staff_text("staff.queue_header", count=len(entries)).text]
        buttons = []
        for entry in entries:
            since = entry.handoff.opened_at.astimezone(self._services.timezone).strftime("%H:%M")
            lines.append(
                self.staff_text(
                    "staff.queue_line",
                    vip="⭐ " if entry.card.vip else "",
                    handoff=entry.handoff.id,
                    name=entry.card.name,
                    language=entry.card.language,
                    since=since,
                ).text
            )
            label = self.staff_text("staff.claim_button", handoff=entry.handoff.id, name=entry.card.name).text
            buttons.append((Button(label[:60], callbacks.encode("claim", entry.handoff.id)),))
        listing = Reply("\n".join(lines), tuple(buttons))
        return StaffRelayResult(customer_chat_id=None, staff_replies=(listing,))

    async def set_duty(self, *, staff_user_id: int, on: bool, update_id: int) -> StaffRelayResult | None:
        """`/duty on|off` in the staff group: on duty, a staff member is mentioned on every new escalation
        (for up to 12 hours). None: a repeat of the update."""
        async with self._services.session_factory() as session, session.begin():
            if not await claim_update(session=session, update_id=update_id, now=self._services.clock()):
                return None
            member = await active_staff_by_telegram_id(session=session, telegram_user_id=staff_user_id)
        if member is None:
            return await self._refuse(staff_user_id)
        now = self._services.clock().timestamp()
        try:
            if on:
                await self._services.redis.zadd(DUTY_KEY, {str(member.id): now + DUTY_SECONDS})
            else:
                await self._services.redis.zrem(DUTY_KEY, str(member.id))
        except RedisError as error:
            logger.warning("duty roster unavailable (%s)", type(error).__name__)
            return StaffRelayResult(customer_chat_id=None, staff_replies=(self.staff_text("staff.duty_failed"),))
        key = "staff.duty_on" if on else "staff.duty_off"
        return StaffRelayResult(customer_chat_id=None, staff_replies=(self.staff_text(key, name=member.name),))

    async def on_duty(self) -> list[tuple[int, str]]:
        """(Telegram user id, name) of the active staff on duty now; empty while Redis is down."""
        now = self._services.clock().timestamp()
        try:
            await self._services.redis.zremrangebyscore(DUTY_KEY, "-inf", now)
            members = await self._services.redis.zrangebyscore(DUTY_KEY, now, "+inf")
            ids = [int(str(raw, "ascii") if isinstance(raw, bytes) else str(raw)) for raw in members]
        except RedisError as error:
            logger.warning("duty roster unavailable (%s)", type(error).__name__)
            return []
        if not ids:
            return []
        async with self._services.session_factory() as session:
            staff = await session.scalars(
                select(Staff)
                .where(Staff.id.in_(ids), Staff.active.is_(True), Staff.telegram_user_id.is_not(None))
                .order_by(Staff.name)
            )
            return [(member.telegram_user_id or 0, member.name) for member in staff]

    async def claim_from_group(self, *, handoff_id: int, staff_user_id: int) -> tuple[Reply, int | None]:
        """A claim button pressed in the staff group: the answer for the presser, and the handoff's topic where
        the claim is announced (None: nothing to announce)."""
        async with self._services.session_factory() as session, session.begin():
            member = await active_staff_by_telegram_id(session=session, telegram_user_id=staff_user_id)
            if member is None:
                return self.staff_text("staff.not_registered", user_id=staff_user_id), None
            try:
                async with session.begin_nested():
                    current = await handoff.claim_handoff(
                        session=session, handoff_id=handoff_id, staff_id=member.id, now=self._services.clock()
                    )
            except DomainError:
                return self.staff_text("staff.claim_taken"), None
            return self.staff_text("staff.claimed", name=member.name, handoff=handoff_id), current.staff_topic_id

    async def reply_from_console(
        self, *, handoff_id: int, staff_id: int, text: str
    ) -> tuple[StaffRelayResult, int | None]:
        """A reply typed in the web console: what goes to the customer, and the handoff's staff topic (if any).
        The handoff is claimed for this staff member first (`actions.handoff.HandoffTaken` when someone else
        has it); an empty reply changes nothing."""
        async with self._services.session_factory() as session, session.begin():
            member, current, customer = await self._console_claim(session, handoff_id, staff_id)
            body = clean_text(text)
            if not body:
                return StaffRelayResult(customer_chat_id=None), current.staff_topic_id
            now = self._services.clock()
            result = await self._relay(session, customer, current.id, member=member, body=body, now=now)
            return result, current.staff_topic_id

    async def close_from_console(self, *, handoff_id: int, staff_id: int) -> tuple[StaffRelayResult, int | None]:
        """Closing in the web console: the chat goes back to the bot, the customer is told and asked to rate."""
        async with self._services.session_factory() as session, session.begin():
            _, current, customer = await self._console_claim(session, handoff_id, staff_id)
            result = await self._close_handoff(session, customer, current.id, self._services.clock())
            return result, current.staff_topic_id

    async def ticket_update(self, *, ticket_id: int) -> StaffRelayResult:
        """What the customer is told when staff move their ticket on (its new status, in their language);
        a resolved ticket also asks for a 1-5 rating with buttons. Nothing for "open" or an erased customer."""
        async with self._services.session_factory() as session:
            ticket = await session.get(Ticket, ticket_id)
            if ticket is None or ticket.status == "open":
                return StaffRelayResult(customer_chat_id=None)
            customer = await get_customer(session=session, customer_id=ticket.customer_id)
        language = await self._language_of(customer)
        replies = [Reply(catalogue_text(language, f"ticket.status.{ticket.status}", ticket=ticket.id))]
        if ticket.status == "resolved":
            replies.append(rating.rating_request(language, kind="ticket", target_id=ticket.id))
        return StaffRelayResult(customer_chat_id=customer.telegram_chat_id, replies=tuple(replies))

    def overdue_notice(self, *, ticket_id: int, category: str, priority: int, due: str) -> Reply:
        """The staff group's announcement of an overdue ticket (in the shop's default language)."""
        return self.staff_text("staff.ticket_overdue", ticket=ticket_id, category=category, priority=priority, due=due)

    def staff_text(self, key: str, **values: object) -> Reply:
        """A text for staff, in the shop's default language."""
        return Reply(catalogue_text(self._services.default_language, key, **values))

    async def _console_claim(
        self, session: AsyncSession, handoff_id: int, staff_id: int
    ) -> tuple[Staff, Handoff, Customer]:
        member = await session.get(Staff, staff_id)
        if member is None or not member.active:
            raise UnknownStaff(f"no active staff member #{staff_id}")
        current = await handoff.claim_handoff(
            session=session, handoff_id=handoff_id, staff_id=staff_id, now=self._services.clock()
        )
        customer = await get_customer(session=session, customer_id=current.customer_id)
        return member, current, customer

    async def _act(self, session: AsyncSession, member: Staff, *, topic_id: int, text: str) -> StaffRelayResult:
        current = await handoff.handoff_for_topic(session=session, topic_id=topic_id)
        if current is None:
            return self._to_staff_only("staff.no_open_chat")
        customer = await get_customer(session=session, customer_id=current.customer_id)
        now = self._services.clock()
        body = clean_text(text)
        if body.split("@", 1)[0] == "/close":
            return await self._close_handoff(session, customer, current.id, now)
        if not body or body.startswith("/"):  # media, or a command meant for the bot: not for the customer
            return self._to_staff_only("staff.not_relayed")
        return await self._relay(session, customer, current.id, member=member, body=body, now=now)

    async def _refuse(self, user_id: int) -> StaffRelayResult:
        """Not registered (or removed): a polite refusal into the topic the first time in a day, then silence."""
        try:
            first = await self._services.redis.set(
                f"{REFUSED_PREFIX}{user_id}", "1", nx=True, ex=REFUSAL_MEMORY_SECONDS
            )
        except RedisError as error:  # without the memory, telling again beats a silently dropped reply
            logger.warning("staff refusal memory unavailable (%s)", type(error).__name__)
            first = True
        if not first:
            return StaffRelayResult(customer_chat_id=None)
        refusal = catalogue_text(self._services.default_language, "staff.not_registered", user_id=user_id)
        return StaffRelayResult(customer_chat_id=None, staff_replies=(Reply(refusal),))

    async def _relay(
        self, session: AsyncSession, customer: Customer, handoff_id: int, *, member: Staff, body: str, now: datetime
    ) -> StaffRelayResult:
        await handoff.accept_handoff(session=session, handoff_id=handoff_id, staff_id=member.id, now=now)
        language = await self._language_of(customer)
        reply = Reply(catalogue_text(language, "human.staff_says", name=member.name, text=body))
        await conversation_log.log_turn(
            session=session, customer_id=customer.id, direction="out", text=reply.text, handler="staff", now=now
        )
        return StaffRelayResult(customer_chat_id=customer.telegram_chat_id, replies=(reply,))

    async def _state_of(self, chat_id: int) -> dict[str, Any]:
        """The customer's dialogue state; empty while Redis is down (the saved language is used instead)."""
        try:
            return await self._services.dialogue.load(chat_id)
        except StateUnavailable:
            return {}

    async def _language_of(self, customer: Customer) -> str:
        state = await self._state_of(customer.telegram_chat_id or 0)
        return str(state.get("language") or customer.language or self._services.default_language)

    def _staff_reply(self, key: str) -> Reply:
        return Reply(catalogue_text(self._services.default_language, key))

    def _to_staff_only(self, key: str) -> StaffRelayResult:
        return StaffRelayResult(customer_chat_id=None, staff_replies=(self._staff_reply(key),))

    async def _close_handoff(
        self, session: AsyncSession, customer: Customer, handoff_id: int, now: datetime
    ) -> StaffRelayResult:
        await handoff.close_handoff(session=session, handoff_id=handoff_id, now=now)
        chat_id = customer.telegram_chat_id or 0
        state = await self._state_of(chat_id)
        turn = Turn(
            services=self._services,
            session=session,
            customer=customer,
            incoming=Incoming(user_id=customer.telegram_user_id or 0, chat_id=chat_id, kind="other"),
            language=str(state.get("language") or customer.language or self._services.default_language),
            state=state,
            now=now,
        )
        replies = (turn.reply("human.closed"), rating.ask(turn, kind="handoff", target_id=handoff_id))
        if customer.telegram_chat_id is not None:  # (an erased customer has no chat to rate in)
            with contextlib.suppress(StateUnavailable):  # without Redis the rating buttons still work
                await self._services.dialogue.save(chat_id, turn.state)  # a typed "5" now answers the rating
        return StaffRelayResult(
            customer_chat_id=customer.telegram_chat_id,
            replies=replies,
            staff_replies=(self._staff_reply("staff.closed"),),
            closed=True,
        )
