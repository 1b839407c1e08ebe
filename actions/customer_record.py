"""The customer record (客户档案) staff see on one page: profile, tier, segment, consent, points ledger,
orders, tickets, chats with staff and the conversation history. "The staff member leaves, the customer stays."
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.customers import get_customer
from actions.takeover import Turn, transcript
from storage.models import Customer, Handoff, LedgerEntry, Order, Ticket, Tier

ROWS = 30
SEARCH_ROWS = 50


@dataclass(frozen=True)
class CustomerRecord:
    customer: Customer
    tier: Tier
    ledger: list[LedgerEntry]
    orders: list[Order]
    tickets: list[Ticket]
    handoffs: list[Handoff]
    turns: list[Turn]


async def customer_record(*, session: AsyncSession, customer_id: int, rows: int = ROWS) -> CustomerRecord:
    """Everything staff see about one customer, newest first (the conversation oldest first)."""
    customer = await get_customer(session=session, customer_id=customer_id)
    tier = await session.get(Tier, customer.tier_code)
    assert tier is not None  # a foreign key
    return CustomerRecord(
        customer=customer,
        tier=tier,
        ledger=list(
            await session.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.customer_id == customer_id)
                .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
                .limit(rows)
            )
        ),
        orders=list(
            await session.scalars(
                select(Order)
                .where(Order.customer_id == customer_id)
                .order_by(Order.ordered_at.desc(), Order.id.desc())
                .limit(rows)
            )
        ),
        tickets=list(
            await session.scalars(
                select(Ticket)
                .where(Ticket.customer_id == customer_id)
                .order_by(Ticket.created_at.desc(), Ticket.id.desc())
                .limit(rows)
            )
        ),
        handoffs=list(
            await session.scalars(
                select(Handoff)
                .where(Handoff.customer_id == customer_id)
                .order_by(Handoff.opened_at.desc(), Handoff.id.desc())
                .limit(rows)
            )
        ),
        turns=await transcript(session=session, customer_id=customer_id, limit=rows * 2),
    )


async def search_customers(*, session: AsyncSession, text: str) -> list[Customer]:
    """Customers whose name, phone, external id or Telegram user id contains or matches `text`."""
    text = text.strip()[:64]
    if not text:
        return []
    pattern = f"%{text.lower()}%"
    conditions = [
        func.lower(Customer.name).like(pattern),
        Customer.phone.like(f"%{text}%"),
        Customer.external_id == text,
    ]
    if text.isdigit():
        conditions += [Customer.id == int(text), Customer.telegram_user_id == int(text)]
    query = (
        select(Customer).where(or_(*conditions)).order_by(Customer.last_seen_at.desc(), Customer.id).limit(SEARCH_ROWS)
    )
    return list((await session.scalars(query)).all())
