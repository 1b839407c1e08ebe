"""Referrals: deep links, attaching a referrer once, and the refusals."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from actions.orders import record_order
from actions.referrals import attach_referral, code_from_payload, ensure_referral_code, referral_link
from tests.support.loyalty import NOW, RULES, make_customer


async def test_link_carries_the_code_as_start_payload(session: AsyncSession) -> None:
    customer = await make_customer(session)
    link = referral_link(bot_username="@CareShopBot", customer=customer)
    assert link == f"https://t.me/CareShopBot?start=ref_{customer.referral_code}"
    assert code_from_payload(link.rsplit("=", 1)[1].lower()) == customer.referral_code


async def test_missing_code_is_created_on_first_use(session: AsyncSession) -> None:
    customer = await make_customer(session)
    customer.referral_code = None
    code = await ensure_referral_code(session=session, customer=customer)
    assert len(code) == 8 and customer.referral_code == code


async def test_new_customer_attaches_a_referrer_once(session: AsyncSession) -> None:
    referrer = await make_customer(session, name="Old")
    other = await make_customer(session, name="Other")
    newcomer = await make_customer(session, name="New")
    assert await attach_referral(session=session, customer=newcomer, code=f"ref_{referrer.referral_code}", now=NOW)
    assert newcomer.referred_by_id == referrer.id
    assert not await attach_referral(session=session, customer=newcomer, code=str(other.referral_code), now=NOW)
    assert newcomer.referred_by_id == referrer.id


async def test_refusals(session: AsyncSession) -> None:
    referrer = await make_customer(session, name="Old")
    newcomer = await make_customer(session, name="New")
    buyer = await make_customer(session, name="Buyer")
    assert not await attach_referral(session=session, customer=newcomer, code="NOSUCHCD", now=NOW)
    assert not await attach_referral(session=session, customer=newcomer, code="", now=NOW)
    assert not await attach_referral(session=session, customer=newcomer, code=str(newcomer.referral_code), now=NOW)
    await record_order(
        session=session, rules=RULES, source="shop", order_id="B-1", customer_id=buyer.id, amount=Decimal(5),
        currency="CNY", ordered_at=NOW - timedelta(days=1), status="paid", now=NOW,
    )  # fmt: skip
    assert not await attach_referral(session=session, customer=buyer, code=str(referrer.referral_code), now=NOW)
    assert await attach_referral(session=session, customer=newcomer, code=str(referrer.referral_code), now=NOW)
    assert not await attach_referral(session=session, customer=referrer, code=str(newcomer.referral_code), now=NOW)
