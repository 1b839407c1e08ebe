"""The one phone rule: the profile flow and the CSV import accept and store the same numbers."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.customers import set_birthday, set_phone
from actions.imports import import_customers
from actions.phones import InvalidPhone, normalise_phone, phone_region
from storage.models import Customer
from tests.support.loyalty import make_customer


@pytest.mark.parametrize(
    ("given", "region", "stored"),
    [
        ("+8613800138000", None, "+8613800138000"),
        ("  +86 138-0013-8000 ", None, "+8613800138000"),
        ("+86 138-0013-8000", "SG", "+8613800138000"),  # a country code wins over the default region
        ("138 0013 8000", "CN", "+8613800138000"),
        ("13800138000", "CN", "+8613800138000"),
        ("１３８００１３８０００", "CN", "+8613800138000"),  # full-width digits from a Chinese keyboard
        ("0755\u00a08888 1234", "CN", "+8675588881234"),  # a landline with its area code; no-break space
        ("(0755) 8888 1234", "CN", "+8675588881234"),  # brackets around an area code
        ("(65) 9123 4567", "CN", "+6591234567"),  # brackets around a country code that CN cannot read
        ("(65) 9123 4567", None, "+6591234567"),
        ("0065 9123 4567", "CN", "+6591234567"),  # the international prefix dialled from China
        ("9123 4567", "SG", "+6591234567"),
        ("+65 9123 4567", None, "+6591234567"),
    ],
)
def test_phone_numbers_are_stored_in_e164(given: str, region: str | None, stored: str) -> None:
    assert normalise_phone(given, region=region) == stored


@pytest.mark.parametrize(
    ("given", "region"),
    [
        ("", "CN"),
        ("call me", "CN"),
        ("13800138000", None),  # no country code and no region to read it in
        ("9123 4567", "CN"),  # a Singapore number is not a Chinese one
        ("138 0013 80", "CN"),  # too short
        ("138001380001", "CN"),  # too long
        ("12345678901", "CN"),  # eleven digits, but no Chinese number starts 12
        ("+1234567890123456", None),  # longer than E.164 allows
        ("+86 138 0013 8000 ext. 5", None),  # an extension is not a number a message can reach
        ("(99) 1234 5678", None),  # no country 99 (in CN it is a landline of area 0991)
    ],
)
def test_what_is_not_a_phone_number_is_refused(given: str, region: str | None) -> None:
    with pytest.raises(InvalidPhone, match="valid phone number"):
        normalise_phone(given, region=region)


@pytest.mark.parametrize(
    ("language", "shop_region", "region"),
    [("zh", "", "CN"), ("en", "", None), (None, "", None), ("en", "SG", "SG"), ("zh", "SG", "SG")],
)
def test_the_default_region_is_the_shops_else_the_languages(
    language: str | None, shop_region: str, region: str | None
) -> None:
    assert phone_region(language=language, shop_region=shop_region) == region


async def test_set_phone_stores_the_normalised_number_or_nothing(session: AsyncSession) -> None:
    customer = await make_customer(session, phone="+8613800138000")
    assert await set_phone(session=session, customer=customer, phone="+65 9123-4567") == "+6591234567"
    with pytest.raises(InvalidPhone):
        await set_phone(session=session, customer=customer, phone="call me maybe")
    with pytest.raises(InvalidPhone):
        await set_phone(session=session, customer=customer, phone="138 0013 8000")  # no region: which country?
    assert customer.phone == "+6591234567"
    assert await set_phone(session=session, customer=customer, phone="138 0013 8000", region="CN") == "+8613800138000"


async def test_set_birthday(session: AsyncSession) -> None:
    customer = await make_customer(session)
    await set_birthday(session=session, customer=customer, birthday=date(1990, 2, 14))
    assert await session.scalar(select(Customer.birthday).where(Customer.id == customer.id)) == date(1990, 2, 14)


async def test_the_import_applies_the_same_rule(session: AsyncSession) -> None:
    await make_customer(session)  # loads the tier ladder
    data = (
        b"external_id,phone,language\n"
        b"P1,+86 138-0013-8001,\n"  # with its country code: any language
        b"P2,1234567,zh\n"
        b"P3,+1234567890123456,\n"
        b"P4,138 0013 8004,\n"  # no language: the shop's default language (zh), read in CN
        b"P5,9123 4567,en\n"  # English and no PHONE_REGION: the country code is needed
    )
    report = await import_customers(session=session, file=BytesIO(data))
    assert report.created == 2
    assert [(item.line, item.reason.split(":")[0]) for item in report.rejected] == [
        (3, "phone"),
        (4, "phone"),
        (6, "phone"),
    ]
    assert "valid phone number" in report.rejected[0].reason
    stored = await session.scalar(select(Customer.phone).where(Customer.external_id == "P1"))
    assert stored == normalise_phone("+86 138-0013-8001") == "+8613800138001"
    assert await session.scalar(select(Customer.phone).where(Customer.external_id == "P4")) == "+8613800138004"


async def test_the_import_reads_local_numbers_in_the_shops_region(session: AsyncSession) -> None:
    await make_customer(session)
    data = b"external_id,phone,language\nS1,9123 4567,zh\nS2,+86 138 0013 8005,en\n"
    report = await import_customers(session=session, file=BytesIO(data), phone_region="SG")
    assert (report.created, report.rejected) == (2, [])
    phones = {row.external_id: row.phone for row in await session.execute(select(Customer.external_id, Customer.phone))}
    assert (phones["S1"], phones["S2"]) == ("+6591234567", "+8613800138005")
