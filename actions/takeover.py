"""What staff see when they take over a chat: the queue's customer cards and a conversation's transcript."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.conversation_log import recent_turns
from actions.tickets import OPEN_STATUSES
from storage.models import Customer, Handoff, MessageLog, Staff, Ticket, Tier

LAST_TURNS = 3
TRANSCRIPT_TURNS = 200


@dataclass(frozen=True)
class Turn:
    """One line of a transcript: who spoke ("customer", "bot" or "staff") and what was said."""

    id: int
    speaker: str
    text: str
    at: datetime
    intent: str | None
    confidence: float | None


@dataclass(frozen=True)
class CustomerCard:
    """The customer as the queue and the conversation page show them."""

    customer_id: int
    name: str
    language: str
    tier: str
    vip: bool
    points: int
    segment: str
    open_tickets: int
    blocked_bot: bool


@dataclass(frozen=True)
class QueueEntry:
    """A handoff in the queue, with its customer and their last turns (oldest first)."""

    handoff: Handoff
    card: CustomerCard
    last_turns: tuple[Turn, ...]
    staff_name: str | None


async def customer_card(*, session: AsyncSession, customer_id: int, default_language: str) -> CustomerCard:
    """The card of one customer (name, language, tier, points, segment, open tickets)."""
    row = (
        await session.execute(
            select(Customer, Tier).join(Tier, Customer.tier_code == Tier.code).where(Customer.id == customer_id)
        )
    ).one()
    customer, tier = row
    open_tickets = await session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.customer_id == customer_id, Ticket.status.in_(OPEN_STATUSES))
    )
    language = customer.language or default_language
    return CustomerCard(
        customer_id=customer.id,
        name=customer.name or f"#{customer.id}",
        language=language,
        tier=tier.name_in(language),
        vip=bool(tier.priority_service),
        points=customer.points_balance,
        segment=customer.segment or "-",
        open_tickets=int(open_tickets or 0),
        blocked_bot=customer.blocked_bot,
    )


async def open_queue(*, session: AsyncSession, default_language: str) -> list[QueueEntry]:
    """Waiting handoffs (VIPs first, then the longest waiting), then those being answered."""
    query = (
        select(Handoff, Staff.name)
        .outerjoin(Staff, Handoff.staff_id == Staff.id)
        .where(Handoff.status.in_(("waiting", "active")))
        .order_by((Handoff.status != "waiting"), Handoff.priority, Handoff.opened_at, Handoff.id)
    )
    entries = []
    for handoff, staff_name in (await session.execute(query)).all():
        card = await customer_card(session=session, customer_id=handoff.customer_id, default_language=default_language)
        turns = await recent_turns(session=session, customer_id=handoff.customer_id, limit=LAST_TURNS)
        entries.append(
            QueueEntry(
                handoff=handoff,
                card=card,
                last_turns=tuple(_turn(row) for row in reversed(turns)),
                staff_name=staff_name,
            )
        )
    return entries


async def transcript(*, session: AsyncSession, customer_id: int, limit: int = TRANSCRIPT_TURNS) -> list[Turn]:
    """The customer's conversation, oldest first (the latest `limit` turns)."""
    query = (
        select(MessageLog)
        .where(MessageLog.customer_id == customer_id)
        .order_by(MessageLog.created_at.desc(), MessageLog.id.desc())
        .limit(limit)
    )
    return [_turn(row) for row in reversed((await session.scalars(query)).all())]


def _turn(row: MessageLog) -> Turn:
    speaker = "customer" if row.direction == "in" else "staff" if row.handler == "staff" else "bot"
    return Turn(
        id=row.id, speaker=speaker, text=row.text, at=row.created_at, intent=row.intent, confidence=row.confidence
    )
