"""Customer records: find or create by Telegram id, look-up by any id, contact and language."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actions.errors import DomainError
from actions.phones import normalise_phone
from storage.models import Customer, Tier

REFERRAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O/1/I, read aloud without confusion


class UnknownCustomer(DomainError):
    """No customer matches the given id."""


class NoTiers(DomainError):
    """The tiers table is empty: the shop's ladder (SHOP_CONFIG) is synced at start-up by every process."""


def new_referral_code() -> str:
    return "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(8))


async def entry_tier_code(*, session: AsyncSession) -> str:
    """The tier every new customer starts in: the bottom of the shop's ladder."""
    code = await session.scalar(select(Tier.code).order_by(Tier.min_spend, Tier.code).limit(1))
    if code is None:
        raise NoTiers()
    return code


async def find_or_create_by_telegram(
    *,
    session: AsyncSession,
    telegram_user_id: int,
    chat_id: int,
    name: str,
    username: str | None,
    language_code: str | None,
    now: datetime,
) -> tuple[Customer, bool]:
    """The customer behind a Telegram user, created on first contact; notes the contact point.

    Returns the customer and whether it was created now.
    """
    customer = await session.scalar(select(Customer).where(Customer.telegram_user_id == telegram_user_id))
    created = customer is None
    if customer is None:
        customer = Customer(
            telegram_user_id=telegram_user_id,
            name=name[:200],
            referral_code=new_referral_code(),
            tier_code=await entry_tier_code(session=session),
        )
        session.add(customer)
    if customer.erased_at is None:
        customer.telegram_username = username[:64] if username else None
        customer.telegram_language_code = language_code[:16] if language_code else None
        if not customer.name:
            customer.name = name[:200]
    customer.telegram_chat_id = chat_id
    customer.last_seen_at = now
    if customer.blocked_bot:
        customer.blocked_bot = False  # they wrote to us, so they unblocked the bot
    await session.flush()
    return customer, created


async def find_customer(*, session: AsyncSession, key: str) -> Customer | None:
    """Look a customer up by internal id, the shop's external id or the Telegram user id."""
    key = key.strip()
    conditions = [Customer.external_id == key]
    if key.isdigit():
        number = int(key)
        conditions += [Customer.id == number, Customer.telegram_user_id == number]
    rows = (await session.scalars(select(Customer).where(or_(*conditions)))).all()
    if not rows:
        return None
    # An exact external id wins, then the internal id, then the Telegram id.
    for match in (
        lambda c: c.external_id == key,
        lambda c: str(c.id) == key,
        lambda c: str(c.telegram_user_id) == key,
    ):
        for row in rows:
            if match(row):
                return row
    return rows[0]


async def get_customer(*, session: AsyncSession, customer_id: int) -> Customer:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise UnknownCustomer(f"no customer with id {customer_id}")
    return customer


async def set_language(*, session: AsyncSession, customer: Customer, language: str) -> None:
    if language not in ("zh", "en"):
        raise ValueError(f"unsupported language {language!r}")
    customer.language = language
    await session.flush()


async def set_birthday(*, session: AsyncSession, customer: Customer, birthday: date) -> None:
    """Save the birthday the customer gave (already parsed and checked by the caller)."""
    customer.birthday = birthday
    await session.flush()


async def set_phone(*, session: AsyncSession, customer: Customer, phone: str, region: str | None = None) -> str:
    """Save the customer's phone number in E.164 (`actions.phones`, read in `region` when it has no country
    code); InvalidPhone when it is not one."""
    customer.phone = normalise_phone(phone, region=region)
    await session.flush()
    return customer.phone


async def mark_blocked(*, session: AsyncSession, telegram_chat_id: int) -> None:
    """The customer blocked the bot: stop sending them anything until they write again."""
    await session.execute(
        update(Customer).where(Customer.telegram_chat_id == telegram_chat_id).values(blocked_bot=True)
    )


async def list_customers(*, session: AsyncSession, limit: int = 50, offset: int = 0) -> list[Customer]:
    query = select(Customer).order_by(Customer.id).limit(limit).offset(offset)
    return list((await session.scalars(query)).all())
