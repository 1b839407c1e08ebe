"""A human when the bot is not enough, feedback, marketing consent, privacy, and the /start welcome."""

from __future__ import annotations

import json
import re

from actions import consent, handoff, privacy, referrals, ticket_desk, tickets
from actions.profile import customer_profile
from bot.callbacks import Callback
from bot.conversation import Document, Reply, StaffNotice
from bot.patterns import fold
from bot.replies import main_menu, stale_button
from bot.texts import text
from bot.turn import Turn
from storage.models import Handoff

TRIM = re.compile(r"^[\s\W_]+|[\s\W_]+$", re.UNICODE)


async def request_human(turn: Turn) -> list[Reply]:
    """Open (or reuse) a handoff; staff see the profile in the customer's topic; the bot goes quiet.
    Without a staff group nobody would read the chat: a ticket says when staff will answer instead.
    Any open flow ends: the person takes it from here."""
    turn.end_flow()
    if not turn.services.staff_group:
        return await _ticket_for_staff(turn, reason=turn.incoming.text)
    opened, created = await handoff.request_handoff(
        session=turn.session, customer_id=turn.customer.id, reason=turn.incoming.text[:200], now=turn.now
    )
    if created:
        turn.notices.append(
            StaffNotice(
                kind="handoff",
                customer_id=turn.customer.id,
                text=await staff_summary(turn, priority=opened.priority),
                topic_id=opened.staff_topic_id,
                topic_name=f"{turn.customer.name or turn.customer.id} #{turn.customer.id}",
            )
        )
    key = "human.vip" if opened.priority == 1 else "human.connecting"
    return [turn.reply(key)]


async def reopen_resolved_ticket(turn: Turn) -> list[Reply] | None:
    """Written soon after a ticket was resolved and not something the bot answers itself: the ticket is
    reopened with this message and staff are told (None: no ticket resolved within TICKET_REOPEN_DAYS)."""
    reopened = await ticket_desk.reopen_by_customer(
        session=turn.session,
        customer_id=turn.customer.id,
        text=turn.incoming.text,
        now=turn.now,
        window=turn.services.reopen_window,
    )
    if reopened is None:
        return None
    ticket = reopened.ticket
    turn.handler = "ticket.reopened"
    turn.notices.append(
        StaffNotice(
            kind="ticket",
            customer_id=turn.customer.id,
            text=text(
                turn.services.default_language,
                "staff.ticket_reopened",
                ticket=ticket.id,
                category=ticket.category,
                resolved=reopened.resolved_at.astimezone(turn.services.timezone).strftime("%Y-%m-%d %H:%M"),
                assignee=reopened.assignee or "—",
                name=turn.customer.name or "—",
                customer=turn.customer.id,
                message=turn.incoming.text,
            ),
        )
    )
    new_problem = turn.button("ticket.new_problem", "intent", "complaint")
    return [turn.reply("ticket.reopened", ticket=ticket.id, buttons=[[new_problem]])]


async def handoff_without_staff(turn: Turn, current: Handoff) -> list[Reply]:
    """A handoff still open while no staff group is configured (any more): closed, and its request a ticket."""
    await handoff.close_handoff(session=turn.session, handoff_id=current.id, now=turn.now)
    return await _ticket_for_staff(turn, reason=current.reason)


async def _ticket_for_staff(turn: Turn, *, reason: str) -> list[Reply]:
    ticket = await handoff.request_ticket(
        session=turn.session,
        customer_id=turn.customer.id,
        reason=reason[:200],
        now=turn.now,
        business=turn.services.business,
        targets=turn.services.targets,
    )
    due = ticket.sla_due_at.astimezone(turn.services.timezone).strftime("%Y-%m-%d %H:%M")
    return [turn.reply("human.ticket", ticket=ticket.id, due=due)]


async def leave_handoff(turn: Turn, current: Handoff) -> list[Reply]:
    """The customer gives up waiting (or ends the chat): back to the bot, and staff are told."""
    await handoff.close_handoff(session=turn.session, handoff_id=current.id, now=turn.now)
    turn.end_flow()
    turn.notices.append(
        StaffNotice(
            kind="relay",
            customer_id=turn.customer.id,
            text=text(turn.services.default_language, "staff.customer_left"),
            topic_id=current.staff_topic_id,
        )
    )
    return main_menu(turn, "human.left")


async def staff_summary(turn: Turn, *, priority: int) -> str:
    """The profile staff see when a chat is handed to them (no phone number in the group)."""
    profile = (await customer_profile(session=turn.session, customer_id=turn.customer.id, now=turn.now)).as_dict()
    return text(
        turn.services.default_language,
        "staff.handoff",
        priority=priority,
        name=profile.get("name") or "—",
        customer=turn.customer.id,
        language=turn.language,
        tier=profile.get("tier"),
        points=profile.get("points"),
        segment=profile.get("segment") or "—",
        tickets=len(profile.get("open_tickets") or []),
        message=turn.incoming.text[:300],
    )


# "I have some feedback" / "我要提建议": an announcement, not the feedback itself.
FEEDBACK_ANNOUNCEMENT = re.compile(
    r"^(?:我)?(?:要|想|有|来)?(?:提|给|说|写)?(?:个|一个|一些|点|几个|一点)?(?:意见|建议|反馈|评价|表扬)(?:要提|想提|想说)?(?:给你们)?$|"
    r"^(?:i\s+)?(?:have|want\s+to\s+give|would\s+like\s+to\s+give|'d\s+like\s+to\s+give|want\s+to\s+leave|"
    r"can\s+i\s+give|got)?\s*(?:some|a\s+bit\s+of|a\s+piece\s+of|a)?\s*(?:feedback|suggestions?|comment)(?:\s+for\s+you)?$"
)


async def feedback(turn: Turn) -> list[Reply]:
    """Feedback is thanked once it is given: an announcement ("我要提建议") asks for it first, and the words
    that follow are the one ticket."""
    bare = TRIM.sub("", fold(turn.incoming.text))
    if FEEDBACK_ANNOUNCEMENT.match(bare):
        turn.start_flow("feedback")
        return [turn.reply("feedback.ask", buttons=[[turn.button("flow.cancel_button", "flow", "cancel")]])]
    return await _record_feedback(turn, turn.incoming.text)


async def feedback_given(turn: Turn, text: str) -> list[Reply]:
    """The feedback flow's one answer."""
    turn.end_flow()
    return await _record_feedback(turn, text)


async def _record_feedback(turn: Turn, text: str) -> list[Reply]:
    await tickets.record_feedback(session=turn.session, customer_id=turn.customer.id, text=text, now=turn.now)
    return [turn.reply("feedback.thanks")]


async def unsubscribe(turn: Turn) -> list[Reply]:
    changed = await consent.unsubscribe(session=turn.session, customer=turn.customer, now=turn.now)
    buttons = [[turn.button("consent.undo", "consent", "subscribe")]]
    return [turn.reply("consent.unsubscribed" if changed else "consent.already_unsubscribed", buttons=buttons)]


async def subscribe(turn: Turn) -> list[Reply]:
    changed = await consent.subscribe(session=turn.session, customer=turn.customer, now=turn.now)
    return [turn.reply("consent.subscribed" if changed else "consent.already_subscribed")]


async def consent_button(turn: Turn, callback: Callback) -> list[Reply]:
    if callback.part(0) == "subscribe":
        return await subscribe(turn)
    return stale_button(turn)


async def welcome(turn: Turn) -> list[Reply]:
    """/start, with an optional referral payload from a deep link."""
    payload = turn.incoming.command_args.strip()
    replies: list[Reply] = []
    if payload:
        code = referrals.code_from_payload(payload)
        attached = await referrals.attach_referral(
            session=turn.session, customer=turn.customer, code=code, now=turn.now
        )
        replies.append(turn.reply("start.referred" if attached else "start.referral_invalid"))
    return replies + main_menu(turn, "greet.welcome")


async def invite(turn: Turn) -> list[Reply]:
    """/invite: the customer's referral link (old customers bring new ones), or the code without a bot name."""
    bonus = turn.services.rules.referral_bonus
    if turn.services.bot_username:
        link = referrals.referral_link(bot_username=turn.services.bot_username, customer=turn.customer)
        return [turn.reply("referral.link", link=link, bonus=bonus)]
    code = f"{referrals.DEEP_LINK_PREFIX}{turn.customer.referral_code}"
    return [turn.reply("referral.code", code=code, bonus=bonus)]


async def my_data(turn: Turn) -> list[Reply]:
    data = await privacy.export_customer_data(session=turn.session, customer_id=turn.customer.id)
    content = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    document = Document(filename=f"carebot-data-{turn.customer.id}.json", content=content)
    return [turn.reply("privacy.export", document=document)]


async def delete_me(turn: Turn) -> list[Reply]:
    turn.start_flow("deleteme", step="confirm")
    buttons = [[turn.button("privacy.erase_yes", "erase", "confirm"), turn.button("flow.no", "flow", "cancel")]]
    return [turn.reply("privacy.erase_confirm", buttons=buttons)]


async def erase_button(turn: Turn, callback: Callback) -> list[Reply]:
    flow = turn.flow
    if callback.part(0) != "confirm" or flow is None or flow.get("name") != "deleteme":
        return stale_button(turn)
    turn.end_flow()
    erasure = await privacy.erase_customer(
        session=turn.session, customer_id=turn.customer.id, actor="customer", now=turn.now
    )
    if erasure is not None and erasure.staff_topics:  # their topics hold their name and messages: deleted
        notice = text(turn.services.default_language, "staff.customer_erased", customer=turn.customer.id)
        turn.notices.append(StaffNotice(kind="erased", customer_id=turn.customer.id, text=notice))
    return [turn.reply("privacy.erased")]
