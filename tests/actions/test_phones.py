"""The one phone rule: the profile flow and the CSV import accept and store the same numbers."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.customers import set_birthday, set_phone
from actions.imports import import_customers
from actions.phones import InvalidPhone, normalise_phone
from storage.models import Customer
from tests.support.loyalty import make_customer


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("+8613800138000", "+8613800138000"),
        ("  +86 138-0013-8000 ", "+8613800138000"),
        ("13800138000", "13800138000"),  # no country code is assumed
        ("+65 9123 4567", "+6591234567"),
        ("0755\u00a08888 1234", "075588881234"),  # a pasted no-break space is formatting too
        ("12345678", "12345678"),  # 8 digits, the shortest accepted
        ("+123456789012345", "+123456789012345"),  # 15 digits, the E.164 maximum
    ],
)
def test_phone_numbers_lose_their_formatting(given: str, stored: str) -> None:
    assert normalise_phone(given) == stored


@pytest.mark.parametrize(
    "given",
    [
        "",
        "call me",
        "1234567",  # too short
        "+1234567890123456",  # 16 digits: longer than E.164 allows
        "138-0013-8000-",  # ends in a separator
        "+ 8613800138000",  # a separator before the first digit
        "++8613800138000",
        "(0755) 8888 1234",
        "１３８００１３８０００",  # full-width digits
        "1-------8",  # separators are not digits
    ],
)
def test_what_is_not_a_phone_number_is_refused(given: str) -> None:
    with pytest.raises(InvalidPhone, match="8 to 15 digits"):
        normalise_phone(given)


async def test_set_phone_stores_the_normalised_number_or_nothing(session: AsyncSession) -> None:
    customer = await make_customer(session, phone="+8613800138000")
    assert await set_phone(session=session, customer=customer, phone="+65 9123-4567") == "+6591234567"
    with pytest.raises(InvalidPhone):
        await set_phone(session=session, customer=customer, phone="call me maybe")
    assert customer.phone == "+6591234567"


async def test_set_birthday(session: AsyncSession) -> None:
    customer = await make_customer(session)
    await set_birthday(session=session, customer=customer, birthday=date(1990, 2, 14))
    assert await session.scalar(select(Customer.birthday).where(Customer.id == customer.id)) == date(1990, 2, 14)


async def test_the_import_applies_the_same_rule(session: AsyncSession) -> None:
    await make_customer(session)  # loads the tier ladder
    data = b"external_id,phone\nP1,+86 138-0013-8001\nP2,1234567\nP3,+1234567890123456\n"
    report = await import_customers(session=session, file=BytesIO(data))
    assert report.created == 1
    assert [(item.line, item.reason.split(":")[0]) for item in report.rejected] == [(3, "phone"), (4, "phone")]
    assert "8 to 15 digits" in report.rejected[0].reason
    stored = await session.scalar(select(Customer.phone).where(Customer.external_id == "P1"))
    assert stored == normalise_phone("+86 138-0013-8001") == "+8613800138001"
