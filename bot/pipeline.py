"""The conversation pipeline, shared by every transport (Telegram, terminal).

One update: drop duplicates -> find or create the customer -> choose the language -> relay to staff
during a handoff -> let an active flow consume it -> otherwise ask the NLU (with a "did you mean"
fallback, then a human) -> run the handler -> log the turn. One database transaction per update.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from actions import conversation_log, handoff
from actions.customers import find_or_create_by_telegram
from actions.errors import DomainError
from actions.updates import claim_update, earlier_delivery, keep_outcome, mark_answered
from bot import callbacks
from bot.conversation import Incoming, Outcome, Reply, StaffNotice, TurnFailed, clean_text
from bot.escapes import Escape, escape_of
from bot.flows import redeem
from bot.flows.several import answer_several
from bot.flows.yesno import is_acknowledgement, is_cancel
from bot.handlers import care, menu, shop
from bot.intents import (
    BUTTON_HANDLERS,
    COMMAND_HANDLERS,
    FLOW_MEDIA_HANDLERS,
    FLOW_REPROMPTS,
    FLOW_TEXT_HANDLERS,
    INTENT_HANDLERS,
    TOPIC_HANDLERS,
)
from bot.language import choose_language
from bot.patterns import simplified
from bot.replies import main_menu, stale_button
from bot.requests import requests_in
from bot.texts import text as catalogue_text
from bot.topics import topic_of
from bot.turn import Turn
from nlu import keyword_router
from nlu.client import NluResult
from runtime.services import Services
from storage.redis_state import StateUnavailable, forget_chat

logger = logging.getLogger(__name__)

FALLBACKS_BEFORE_HUMAN = 2
# What a customer may say about a problem just solved ("还是不行", "no, it is still broken"): soon after a
# resolution these reopen the ticket instead; what the bot answers itself (points, products, thanks) does not.
REOPENING_INTENTS = frozenset({"complaint", "feedback", "out_of_scope"})
MEDIA_KINDS = ("photo", "voice", "document", "location", "sticker", "other")
MAX_UNSURE_TEXT = 500
PRIVACY_COMMANDS = ("mydata", "deleteme")
ASIDE_COMMANDS = ("stop",)
# Requests that start a flow of their own, and that flow's name: asked inside another flow, they replace it.
FLOW_INTENTS = {
    "complaint": "complaint",
    "redeem_points": "redeem",
    "update_profile": "profile",
    "return_refund": "return",
}
# Questions answered inside a flow without leaving it (none of them starts a flow of its own).
ASIDE_INTENTS = frozenset(
    {"check_points", "points_history", "membership_info", "product_question", "order_status", "faq", "greet", "thanks"}
)  # answered inside a flow, which then asks its question again
ASIDE_TOPICS = frozenset({"points_expiry", "points_earning", "referral", "returns_policy"})  # the same, by topic


def _suggestions(text: str, result: NluResult) -> list[str]:
    """The "did you mean" candidates: a keyword hit (投诉, 退订, 人工, 积分…) first, then the NLU's ranking.

    A keyword is not trusted enough to act on when the model is unsure, but it is a strong hint to offer.
    """
    ranked = [score.name for score in result.ranking]
    hinted = keyword_router.route(text).intent
    if hinted == keyword_router.HELP_INTENT:
        return ranked
    return [hinted, *(name for name in ranked if name != hinted)]


def _leaves_handoff(incoming: Incoming, *, waiting: bool) -> bool:
    """/cancel always ends a staff chat; a plain "取消"/"cancel" only while nobody has answered yet
    (once staff are talking, the word may be meant for them)."""
    if incoming.kind == "command":
        return incoming.command == "cancel"
    return waiting and incoming.kind == "text" and is_cancel(incoming.text)


def _may_reopen(result: NluResult) -> bool:
    """Whether a message understood this way may be about a ticket just resolved: not understood, understood
    only by the keyword router's default, or a complaint, feedback or something out of scope."""
    degraded = result.from_fallback_router and result.intent == keyword_router.HELP_INTENT
    return not result.confident or degraded or result.intent in REOPENING_INTENTS


def _misses(flow: dict[str, object]) -> int:
    """How many answers in a row the flow's current step has refused (bot/slots.py `ask_again`)."""
    return int(str(flow.get("misses", 0))) if flow.get("missed_step") == flow.get("step") else 0


def _for_the_bot(incoming: Incoming) -> bool:
    """Privacy requests are the bot's to answer, also while a person is handling the chat."""
    return incoming.kind == "command" and incoming.command in PRIVACY_COMMANDS


class Pipeline:
    def __init__(self, services: Services) -> None:
        self._services = services

    async def handle(self, incoming: Incoming) -> Outcome:
        """Answer one update in one transaction, which also claims its update id (a repeat changes nothing).

        Raises `TurnFailed` (from the cause, nothing committed) when something unexpected goes wrong; the
        transport's error edge logs it and sends the apology it carries.
        """
        started = time.perf_counter()
        language = self._services.default_language
        update_id = incoming.update_id
        try:
            async with self._services.session_factory() as session, session.begin():
                if update_id is not None and not await claim_update(
                    session=session, update_id=update_id, now=self._services.clock()
                ):
                    return await self._repeat(session, update_id, language)
                turn = await self._open_turn(session, incoming)
                language = turn.language
                replies = await self._respond(turn)
                if not turn.remembers and turn.flow is not None:  # a question whose answer cannot be followed
                    replies.append(turn.reply("state.unavailable"))
                await self._finish_turn(turn, replies, started)
                outcome = Outcome(replies=tuple(replies), staff_notices=tuple(turn.notices), language=turn.language)
                if update_id is not None:
                    await keep_outcome(
                        session=session,
                        update_id=update_id,
                        outcome=outcome.to_record(),
                        customer_id=turn.customer.id,
                    )
            # After the commit: state saved before it would run ahead of a rolled-back update, and its
            # redelivery would then skip the step (a confirmed redemption that never happened).
            await self._keep_state(turn)
            return outcome
        except Exception as error:
            apology = Reply(catalogue_text(language, "error.sorry"))
            raise TurnFailed(update_id=update_id, apology=apology) from error

    async def _keep_state(self, turn: Turn) -> None:
        """Save the dialogue state (or forget the chat after an erasure); without Redis the answer stands."""
        chat_id = turn.incoming.chat_id
        try:
            if turn.customer.erased_at is not None:  # this turn erased the customer: nothing of theirs is kept
                await forget_chat(self._services.redis, chat_id)
            else:
                await self._services.dialogue.save(chat_id, turn.state)
        except (StateUnavailable, RedisError, OSError) as error:
            logger.warning("dialogue state of update %s not kept: %s", turn.incoming.update_id, type(error).__name__)

    async def _repeat(self, session: AsyncSession, update_id: int, language: str) -> Outcome:
        """A redelivery: nothing happens again, but replies lost in a crash after the commit are sent now."""
        earlier = await earlier_delivery(
            session=session, update_id=update_id, now=self._services.clock(), resend_after=self._services.resend_after
        )
        if earlier.unsent_outcome is not None:
            return Outcome.from_record(earlier.unsent_outcome)
        return Outcome(language=language, repeated=True, in_flight=earlier.in_flight)

    async def mark_answered(self, update_id: int) -> None:
        """The transport sent the update's replies: its claim no longer keeps them."""
        async with self._services.session_factory() as session, session.begin():
            await mark_answered(session=session, update_id=update_id, now=self._services.clock())

    async def _open_turn(self, session: AsyncSession, incoming: Incoming) -> Turn:
        now = self._services.clock()
        customer, _created = await find_or_create_by_telegram(
            session=session,
            telegram_user_id=incoming.user_id,
            chat_id=incoming.chat_id,
            name=clean_text(incoming.first_name),
            username=clean_text(incoming.username) if incoming.username else None,
            language_code=incoming.language_code,
            now=now,
        )
        cleaned = clean_text(incoming.text or "")
        try:
            state, remembers = await self._services.dialogue.load(incoming.chat_id), True
        except StateUnavailable:  # Redis is down: answer without the conversation's state, and say so
            state, remembers = {}, False
        language = choose_language(
            text=cleaned if incoming.kind in ("text", "edited") else "",
            # A button press or sticker has no script: keep the language the conversation is in.
            saved=state.get("language") or customer.language,
            language_code=incoming.language_code,
            default=self._services.default_language,
        )
        turn_incoming = Incoming(**{**incoming.__dict__, "text": cleaned})
        return Turn(
            services=self._services,
            session=session,
            customer=customer,
            incoming=turn_incoming,
            language=language,
            state=state,
            now=now,
            remembers=remembers,
        )

    async def _respond(self, turn: Turn) -> list[Reply]:
        incoming = turn.incoming
        open_handoff = await handoff.active_handoff(session=turn.session, customer_id=turn.customer.id)
        before: list[Reply] = []
        if open_handoff is not None and not self._services.staff_group:
            # Nobody reads relays without a staff group (STAFF_GROUP_ID removed during a handoff): the
            # request becomes a ticket and this message is answered by the bot.
            before = await care.handoff_without_staff(turn, open_handoff)
            open_handoff = None
        if open_handoff is not None and _leaves_handoff(incoming, waiting=open_handoff.status == "waiting"):
            turn.handler = "handoff.left"
            return await care.leave_handoff(turn, open_handoff)
        if open_handoff is not None and incoming.kind != "callback" and not _for_the_bot(incoming):
            turn.handler = "handoff.relay"
            body = incoming.text or f"[{incoming.kind}]"
            media = incoming.kind in MEDIA_KINDS and incoming.message_id is not None
            turn.notices.append(
                StaffNotice(
                    kind="relay",
                    customer_id=turn.customer.id,
                    text=body,
                    topic_id=open_handoff.staff_topic_id,
                    copy_from=(incoming.chat_id, incoming.message_id) if media and incoming.message_id else None,
                )
            )
            return []
        try:
            async with turn.session.begin_nested():  # a refused business rule leaves nothing half-done
                return before + await self._dispatch(turn)
        except DomainError as refused:
            logger.info("update %s refused: %s", incoming.update_id, type(refused).__name__)
            turn.handler = f"refused.{type(refused).__name__}"
            return [*before, turn.reply("error.refused")]

    async def _dispatch(self, turn: Turn) -> list[Reply]:
        incoming = turn.incoming
        if incoming.kind == "callback":
            return await self._on_button(turn)
        if incoming.kind == "command":
            handler = COMMAND_HANDLERS.get(incoming.command or "")
            turn.handler = f"command.{incoming.command}" if handler else "command.unknown"
            if handler is None:
                return main_menu(turn, "command.unknown")
            replies = await handler(turn)
            if incoming.command in ASIDE_COMMANDS:  # /stop inside a complaint: done, and the complaint goes on
                replies += self._reprompt(turn)
            return replies
        waiting = turn.flow
        take_media = FLOW_MEDIA_HANDLERS.get(str(waiting.get("name"))) if waiting is not None else None
        if incoming.kind == "photo" and take_media is not None:  # a photo the flow asked for (returns)
            taken = await take_media(turn)
            if taken is not None:
                turn.handler = f"flow.{waiting.get('name') if waiting else ''}.photo"
                return taken
        if incoming.kind != "text":
            turn.handler = f"odd.{incoming.kind}"
            return menu.odd_input(turn, incoming.kind)
        if not incoming.text:
            turn.handler = "odd.empty"
            return menu.odd_input(turn, "other")
        flow = turn.flow
        if flow is not None and topic_of(incoming.text) == "bot_identity":  # answered, and the flow goes on
            turn.handler = "flow.aside.bot_identity"
            return await menu.who_am_i(turn) + self._reprompt(turn)
        if flow is not None:
            escape = escape_of(incoming.text)
            if escape is not None:  # before the flow can take it as an answer
                turn.handler = f"flow.escape.{escape}"
                return await self._escape(turn, escape)
            consume = FLOW_TEXT_HANDLERS.get(str(flow.get("name")))
            if consume is not None:
                turn.handler = f"flow.{flow.get('name')}"
                misses = _misses(flow)
                consumed = await consume(turn, incoming.text)
                if consumed is not None and turn.flow is not None and _misses(turn.flow) > misses:
                    # Not an answer to the question: maybe a question of its own ("积分还有多少" at the order step).
                    aside = await self._aside(turn)
                    if aside is not None and (turn.handler or "").startswith("flow.switch."):
                        return aside  # another request with a flow of its own: that one now
                    if aside is not None and turn.flow is not None:
                        turn.flow["misses"] = misses  # a question answered is not a miss
                        return aside + self._reprompt(turn)
                if consumed is not None:
                    return consumed
            else:
                turn.end_flow()  # a confirm-only flow (erase) ends when the customer talks about something else
        return await self._understand(turn)

    async def _aside(self, turn: Turn) -> list[Reply] | None:
        """A simple question asked in the middle of a flow, answered when the model is sure of it; the flow
        then asks its own question again. Requests that would start another flow are not asides."""
        topic = topic_of(turn.incoming.text)
        if topic in ASIDE_TOPICS:  # "when do my points expire": a question the topics know better than the model
            turn.handler = f"flow.aside.{topic}"
            return await TOPIC_HANDLERS[topic](turn)
        result = await self._services.nlu.parse(simplified(turn.incoming.text))
        if not result.confident or result.from_fallback_router:
            return None
        flow = turn.flow or {}
        if result.intent in FLOW_INTENTS and FLOW_INTENTS[result.intent] != flow.get("name"):
            # "I want to change my birthday" while a complaint waits: the customer moved on. Said plainly,
            # nothing half-done is submitted, and the new request is taken up.
            left = turn.t(f"flow.name.{flow.get('name')}")
            turn.end_flow()
            turn.nlu = result
            turn.handler = f"flow.switch.{result.intent}"
            return [turn.reply("flow.set_aside", flow=left), *await INTENT_HANDLERS[result.intent](turn)]
        if result.intent not in ASIDE_INTENTS:
            return None
        turn.nlu = result
        turn.handler = f"flow.aside.{result.intent}"
        return await INTENT_HANDLERS[result.intent](turn)

    async def _escape(self, turn: Turn, escape: Escape) -> list[Reply]:
        """A way out asked for inside a flow: a person, cancel, erasure, no promotions, or an insult."""
        if escape == "cancel":
            turn.end_flow()
            return main_menu(turn, "flow.cancelled")
        if escape == "human":
            return await care.request_human(turn)  # ends the flow
        if escape == "erase":
            return await care.delete_me(turn)  # the erasure question replaces the flow
        if escape == "unsubscribe":
            return await care.unsubscribe(turn) + self._reprompt(turn)
        # An insult is not an answer: nothing is stored, a person is offered, the flow waits.
        buttons = [
            [turn.button("menu.human", "menu", "request_human")],
            [turn.button("flow.cancel_button", "flow", "cancel")],
        ]
        return [turn.reply("flow.abuse", buttons=buttons)]

    def _reprompt(self, turn: Turn) -> list[Reply]:
        flow = turn.flow
        reprompt = FLOW_REPROMPTS.get(str(flow.get("name"))) if flow is not None else None
        return reprompt(turn) if reprompt is not None else []

    async def _understand(self, turn: Turn) -> list[Reply]:
        topic = topic_of(turn.incoming.text)
        if topic is not None:  # one exact question the intents do not single out
            turn.handler = f"topic.{topic}"
            return await TOPIC_HANDLERS[topic](turn)
        about_reward = await redeem.reward_in_words(turn)
        if about_reward is not None:  # "换这个" after a reward was talked about; "20元优惠券要多少分"
            turn.handler = "reward.in_words"
            return about_reward
        escape = escape_of(turn.incoming.text)
        if escape in ("human", "erase", "unsubscribe"):  # certain enough to act on without the model
            turn.handler = f"escape.{escape}"
            return await self._escape(turn, escape)
        several = requests_in(turn.incoming.text)
        if several:  # "…黑屏…能不能保修…积分还有多少": each request answered or noted, at most one flow
            turn.handler = "several." + "+".join(several)
            return await answer_several(turn, several)
        if is_acknowledgement(turn.incoming.text):  # 👍 / ok after an answer: nothing to do, nothing to ask
            turn.handler = "acknowledged"
            return [turn.reply("smalltalk.acknowledged")]
        if escape == "cancel":  # nothing open to cancel: the menu
            turn.handler = "escape.cancel"
            return await menu.cancel(turn)
        result = await self._services.nlu.parse(simplified(turn.incoming.text))
        turn.nlu = result
        if not result.confident or (
            result.intent in ("faq", "product_question") and shop.points_back(turn.incoming.text)
        ):
            # "how much is it?", "那黑色的呢": about the product just discussed (the model cannot know which)
            follow_up = await shop.product_follow_up(turn)
            if follow_up is not None:
                turn.handler = "follow_up.product"
                return follow_up
        if _may_reopen(result):  # "还是不行" a day after the ticket was resolved: the ticket, not the menu
            reopened = await care.reopen_resolved_ticket(turn)
            if reopened is not None:
                turn.state.pop("fallbacks", None)
                turn.state.pop("unsure_text", None)
                return reopened
        if not result.confident:
            # Kept so that the "did you mean" button answers the words that were meant (the product asked
            # about, the feedback given, the reason for a person), not an empty button press.
            turn.state["unsure_text"] = turn.incoming.text[:MAX_UNSURE_TEXT]
            turn.state["fallbacks"] = int(turn.state.get("fallbacks", 0)) + 1
            turn.handler = "fallback"
            if turn.state["fallbacks"] >= FALLBACKS_BEFORE_HUMAN:
                turn.state["fallbacks"] = 0
                return menu.offer_human(turn)
            return menu.did_you_mean(turn, _suggestions(turn.incoming.text, result))
        turn.state.pop("fallbacks", None)
        turn.state.pop("unsure_text", None)
        if result.from_fallback_router and result.intent == "help":
            turn.handler = "intent.help.degraded"
            return main_menu(turn, "nlu.degraded")
        return await self._run_intent(turn, result.intent)

    async def _run_intent(self, turn: Turn, intent: str) -> list[Reply]:
        handler = INTENT_HANDLERS.get(intent, menu.show_help)
        turn.handler = f"intent.{intent}"
        return await handler(turn)

    async def _on_button(self, turn: Turn) -> list[Reply]:
        callback = callbacks.decode(turn.incoming.callback_data)
        turn.handler = f"button.{callback.area}" if callback else "button.invalid"
        if callback is None:
            return stale_button(turn)
        if callback.area in ("menu", "intent"):
            intent = callback.part(0) or ""
            if intent not in INTENT_HANDLERS:
                return stale_button(turn)
            turn.state.pop("fallbacks", None)
            unsure_text = turn.state.pop("unsure_text", None)
            if isinstance(unsure_text, str) and unsure_text:
                turn.incoming = replace(turn.incoming, text=unsure_text)
            return await self._run_intent(turn, intent)
        if callback.area == "flow" and callback.part(0) == "cancel":
            turn.end_flow()
            return main_menu(turn, "flow.cancelled")
        handler = BUTTON_HANDLERS.get(callback.area)
        return await handler(turn, callback) if handler else stale_button(turn)

    async def _finish_turn(self, turn: Turn, replies: list[Reply], started: float) -> None:
        turn.state["language"] = turn.language
        latency_ms = int((time.perf_counter() - started) * 1000)
        incoming = turn.incoming
        await conversation_log.log_turn(
            session=turn.session,
            customer_id=turn.customer.id,
            direction="in",
            text=(incoming.callback_data if incoming.kind == "callback" else incoming.text) or f"[{incoming.kind}]",
            intent=turn.nlu.intent if turn.nlu else None,
            confidence=turn.nlu.confidence if turn.nlu else None,
            handler=turn.handler,
            latency_ms=latency_ms,
            update_id=incoming.update_id,
            now=turn.now,
        )
        for reply in replies:
            await conversation_log.log_turn(
                session=turn.session, customer_id=turn.customer.id, direction="out", text=reply.text, now=turn.now
            )
