"""Referrals: every customer has a code and a Telegram deep link; new customers attach a referrer once.

The bonus itself is paid by `actions.orders` on the referred customer's first paid order.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.audit import record_audit
from actions.customers import new_referral_code
from storage.models import Customer, Order

DEEP_LINK_PREFIX = "ref_"


def referral_link(*, bot_username: str, customer: Customer) -> str:
    """The t.me link a customer shares; opening it sends `/start ref_CODE` to the bot."""
    if not customer.referral_code:
        raise ValueError("the customer has no referral code yet (see ensure_referral_code)")
    return f"https://t.me/{bot_username.lstrip('@')}?start={DEEP_LINK_PREFIX}{customer.referral_code}"


async def ensure_referral_code(*, session: AsyncSession, customer: Customer) -> str:
    """The customer's referral code, created on first use (older records may have none)."""
    if not customer.referral_code:
        customer.referral_code = new_referral_code()
        await session.flush()
    return customer.referral_code


def code_from_payload(payload: str) -> str:
    """`ref_ABCD2345` or `ABCD2345` from a /start payload, upper-cased."""
    payload = payload.strip()
    if payload.lower().startswith(DEEP_LINK_PREFIX):
        payload = payload[len(DEEP_LINK_PREFIX) :]
    return payload.upper()


async def attach_referral(*, session: AsyncSession, customer: Customer, code: str, now: datetime) -> bool:
    """Record who referred this customer; True when attached now.

    Refused (False): unknown code, own code, already referred, a referrer referred by this customer,
    erased customers, or a customer who has already ordered (referrals bring new customers).
    """
    code = code_from_payload(code)
    if not code or customer.referred_by_id is not None or customer.erased_at is not None:
        return False
    referrer = await session.scalar(select(Customer).where(Customer.referral_code == code))
    if referrer is None or referrer.id == customer.id or referrer.erased_at is not None:
        return False
    if referrer.referred_by_id == customer.id:
        return False
    orders = await session.scalar(select(func.count()).select_from(Order).where(Order.customer_id == customer.id))
    if orders:
        return False
    customer.referred_by_id = referrer.id
    record_audit(
        session,
        actor="system",
        action="referral.attached",
        customer_id=customer.id,
        details={"referrer_id": referrer.id},
        now=now,
    )
    await session.flush()
    return True
