"""The customer record (客户档案): one view of a customer for the bot, the staff group and the console."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.customers import get_customer
from actions.orders import recent_orders
from actions.points import balance, expiring_soon
from actions.tickets import open_tickets
from actions.tiers import MembershipStatus, membership_status
from storage.models import MessageLog, Order, Ticket


@dataclass(frozen=True)
class OrderLine:
    order_id: str
    amount: Decimal
    currency: str
    status: str
    ordered_at: datetime
    shipping_status: str | None


@dataclass(frozen=True)
class TicketLine:
    id: int
    category: str
    severity: str
    status: str
    priority: int
    sla_due_at: datetime


@dataclass(frozen=True)
class MessageLine:
    """One logged message (in or out) of the conversation excerpt staff see on the profile card."""

    direction: str
    text: str
    intent: str | None
    at: datetime


@dataclass(frozen=True)
class CustomerProfile:
    id: int
    external_id: str | None
    name: str
    phone: str | None
    telegram_user_id: int | None
    telegram_username: str | None
    language: str | None
    birthday: date | None
    tags: str
    marketing_consent: bool
    opted_out: bool
    blocked_bot: bool
    erased: bool
    membership: MembershipStatus
    points: int
    expiring_points: list[tuple[date, int]]
    segment: str | None
    lifecycle_stage: str | None
    rfm_score: str | None
    referral_code: str | None
    created_at: datetime
    last_seen_at: datetime | None
    last_orders: list[OrderLine]
    open_tickets: list[TicketLine]
    last_turns: list[MessageLine]

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON and tables (amounts as strings, times ISO 8601)."""
        membership = self.membership
        return {
            "id": self.id,
            "external_id": self.external_id,
            "name": self.name,
            "phone": self.phone,
            "telegram_user_id": self.telegram_user_id,
            "telegram_username": self.telegram_username,
            "language": self.language,
            "birthday": self.birthday.isoformat() if self.birthday else None,
            "tags": self.tags,
            "marketing_consent": self.marketing_consent,
            "opted_out": self.opted_out,
            "blocked_bot": self.blocked_bot,
            "erased": self.erased,
            "tier": membership.tier.code,
            "priority_service": membership.tier.priority_service,
            "spend_12m": str(membership.spend_12m),
            "next_tier": membership.next_tier.code if membership.next_tier else None,
            "spend_to_next": str(membership.spend_to_next) if membership.spend_to_next is not None else None,
            "points": self.points,
            "expiring_points": [{"date": day.isoformat(), "points": points} for day, points in self.expiring_points],
            "segment": self.segment,
            "lifecycle_stage": self.lifecycle_stage,
            "rfm_score": self.rfm_score,
            "referral_code": self.referral_code,
            "created_at": self.created_at.isoformat(),
            "last_seen_at": self.last_seen_at.isoformat() if self.last_seen_at else None,
            "last_orders": [
                {
                    "order_id": line.order_id,
                    "amount": str(line.amount),
                    "currency": line.currency,
                    "status": line.status,
                    "ordered_at": line.ordered_at.isoformat(),
                    "shipping_status": line.shipping_status,
                }
                for line in self.last_orders
            ],
            "open_tickets": [
                {
                    "id": line.id,
                    "category": line.category,
                    "severity": line.severity,
                    "status": line.status,
                    "priority": line.priority,
                    "sla_due_at": line.sla_due_at.isoformat(),
                }
                for line in self.open_tickets
            ],
            "last_turns": [
                {"direction": line.direction, "text": line.text, "intent": line.intent, "at": line.at.isoformat()}
                for line in self.last_turns
            ],
        }


async def customer_profile(
    *,
    session: AsyncSession,
    customer_id: int,
    now: datetime,
    orders: int = 3,
    turns: int = 6,
    expiring_within_days: int = 30,
) -> CustomerProfile:
    """Assemble the customer record: contact, consent, tier, points, segment, orders, tickets, last turns."""
    customer = await get_customer(session=session, customer_id=customer_id)
    return CustomerProfile(
        id=customer.id,
        external_id=customer.external_id,
        name=customer.name,
        phone=customer.phone,
        telegram_user_id=customer.telegram_user_id,
        telegram_username=customer.telegram_username,
        language=customer.language,
        birthday=customer.birthday,
        tags=customer.tags,
        marketing_consent=customer.marketing_consent and customer.opted_out_at is None,
        opted_out=customer.opted_out_at is not None,
        blocked_bot=customer.blocked_bot,
        erased=customer.erased_at is not None,
        membership=await membership_status(session=session, customer_id=customer_id, now=now),
        points=await balance(session=session, customer_id=customer_id, now=now),
        expiring_points=await expiring_soon(
            session=session, customer_id=customer_id, now=now, within_days=expiring_within_days
        ),
        segment=customer.segment,
        lifecycle_stage=customer.lifecycle_stage,
        rfm_score=customer.rfm_score,
        referral_code=customer.referral_code,
        created_at=customer.created_at,
        last_seen_at=customer.last_seen_at,
        last_orders=[
            _order_line(order) for order in await recent_orders(session=session, customer_id=customer_id, limit=orders)
        ],
        open_tickets=[_ticket_line(ticket) for ticket in await open_tickets(session=session, customer_id=customer_id)],
        last_turns=await _last_turns(session, customer_id, turns),
    )


def _order_line(order: Order) -> OrderLine:
    return OrderLine(
        order_id=order.order_id,
        amount=Decimal(order.amount),
        currency=order.currency,
        status=order.status,
        ordered_at=order.ordered_at,
        shipping_status=order.shipping_status,
    )


def _ticket_line(ticket: Ticket) -> TicketLine:
    return TicketLine(
        id=ticket.id,
        category=ticket.category,
        severity=ticket.severity,
        status=ticket.status,
        priority=ticket.priority,
        sla_due_at=ticket.sla_due_at,
    )


async def _last_turns(session: AsyncSession, customer_id: int, limit: int) -> list[MessageLine]:
    """The latest turns, oldest first so they read as a conversation."""
    query = (
        select(MessageLog)
        .where(MessageLog.customer_id == customer_id)
        .order_by(MessageLog.created_at.desc(), MessageLog.id.desc())
        .limit(limit)
    )
    rows = (await session.scalars(query)).all()
    return [
        MessageLine(direction=row.direction, text=row.text, intent=row.intent, at=row.created_at)
        for row in reversed(rows)
    ]
