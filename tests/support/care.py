"""Customers for re-engagement and reminder tests, built through the actions (no demo data)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.consent import subscribe
from actions.customers import find_or_create_by_telegram, set_language
from actions.orders import record_order
from actions.points import credit
from actions.rules import add_months
from storage.models import Customer, Delivery
from tests.support.loyalty import RULES, seed_ladder

NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


async def care_customer(
    session: AsyncSession,
    *,
    user_id: int,
    name: str = "王芳",
    language: str = "zh",
    seen_days_ago: int = 90,
    consent: bool = True,
) -> Customer:
    """A Telegram customer last seen `seen_days_ago` days before NOW, with marketing consent unless told."""
    await seed_ladder(session)
    seen = NOW - timedelta(days=seen_days_ago)
    customer, _ = await find_or_create_by_telegram(
        session=session,
        telegram_user_id=user_id,
        chat_id=user_id,
        name=name,
        username=None,
        language_code=language,
        now=seen,
    )
    await set_language(session=session, customer=customer, language=language)
    if consent:
        await subscribe(session=session, customer=customer, now=seen)
    return customer


async def earn(session: AsyncSession, customer: Customer, points: int, *, expires_in_days: float, key: str) -> None:
    """Points earned a year before they expire, so they expire `expires_in_days` after NOW."""
    expires_at = NOW + timedelta(days=expires_in_days)
    earned_at = add_months(expires_at, -RULES.expiry_months)
    await credit(
        session=session,
        customer_id=customer.id,
        points=points,
        reason="adjustment",
        idempotency_key=key,
        rules=RULES,
        now=earned_at,
        earned_at=earned_at,
    )


async def order(
    session: AsyncSession,
    customer: Customer,
    order_id: str,
    amount: str,
    *,
    at: datetime,
    status: str = "paid",
    now: datetime | None = None,
) -> None:
    """An order from the shop (as the API and the CSV import record it), recorded at `now` (default `at`)."""
    await record_order(
        session=session, rules=RULES, source="shop", order_id=order_id, customer_id=customer.id,
        amount=Decimal(amount), currency="CNY", ordered_at=at, status=status, now=now or at,
    )  # fmt: skip


async def rows_of(session: AsyncSession, source: str) -> list[Delivery]:
    return list((await session.scalars(select(Delivery).where(Delivery.source == source).order_by(Delivery.id))).all())
