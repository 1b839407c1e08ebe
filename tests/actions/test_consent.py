"""Marketing consent: unsubscribe and subscribe flip the flags once, are idempotent, and are audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions import consent
from storage.models import AuditLog, Customer
from tests.support.loyalty import NOW, make_customer


async def test_unsubscribe_then_again_changes_once(session: AsyncSession) -> None:
    customer = await make_customer(session, marketing_consent=True)
    assert await consent.unsubscribe(session=session, customer=customer, now=NOW) is True
    assert (customer.marketing_consent, customer.opted_out_at) == (False, NOW)
    assert await consent.unsubscribe(session=session, customer=customer, now=NOW + timedelta(days=1)) is False
    assert customer.opted_out_at == NOW  # the first opt-out time is kept


async def test_subscribe_clears_the_opt_out_and_is_idempotent(session: AsyncSession) -> None:
    customer = await make_customer(session, marketing_consent=False, opted_out_at=NOW)
    assert await consent.subscribe(session=session, customer=customer, now=NOW) is True
    assert (customer.marketing_consent, customer.opted_out_at) == (True, None)
    assert await consent.subscribe(session=session, customer=customer, now=NOW) is False


async def test_never_consented_customer_can_still_opt_out(session: AsyncSession) -> None:
    customer = await make_customer(session, marketing_consent=False)
    assert await consent.unsubscribe(session=session, customer=customer, now=NOW) is True
    assert customer.opted_out_at == NOW


async def test_every_change_is_audited(session: AsyncSession) -> None:
    customer = await make_customer(session, marketing_consent=True)
    await consent.unsubscribe(session=session, customer=customer, now=NOW)
    await consent.unsubscribe(session=session, customer=customer, now=NOW)
    await consent.subscribe(session=session, customer=customer, now=NOW)
    rows = (await session.scalars(select(AuditLog).where(AuditLog.target_id == str(customer.id)))).all()
    assert [row.action for row in rows] == ["consent.withdrawn", "consent.given"]


async def test_the_change_is_stored_with_its_channel(session: AsyncSession) -> None:
    customer = await make_customer(session, marketing_consent=True)
    await consent.unsubscribe(session=session, customer=customer, now=NOW, channel="console")
    customer_id = customer.id
    session.expire_all()
    stored = await session.get(Customer, customer_id)
    assert stored is not None and (stored.marketing_consent, stored.opted_out_at) == (False, NOW)
    row = await session.scalar(select(AuditLog).where(AuditLog.target_id == str(customer_id)))
    assert row is not None
    assert (row.actor, row.target_type, row.details, row.created_at) == (
        f"customer:{customer_id}",
        "customer",
        {"channel": "console"},
        NOW,
    )
