"""CSV imports: good rows land, every bad row is reported by line, a second import changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.csv_rows import BadCsvFile, CsvRow, Rejected, read_rows
from actions.demo import load_catalogue, seed_tiers
from actions.imports import import_customers, import_orders
from actions.rules import LoyaltyRules
from storage.models import Customer, LedgerEntry, Order

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
RULES = LoyaltyRules(expiry_months=12, birthday_bonus=100, referral_bonus=200)
SHANGHAI = ZoneInfo("Asia/Shanghai")

CUSTOMERS = b"""name,external_id,phone,telegram_user_id,language,birthday,tags,extra
\xe7\x8e\x8b\xe8\x8a\xb3,C1,+8613800138001,5001,zh,1990-02-14,vip,ignored
Li Lei,C2,,,en,,,
Bad Date,C3,,,en,1990-02-30,,
Bad Lang,C4,,,fr,,,
Bad Phone,C5,call me,,,,,
Broken \xff\xfe bytes,C6,,,,,,
Repeat,C1,,,,,,
Stolen Telegram,C7,,5001,,,,
"""

ORDERS = b"""status,order_id,customer_external_id,amount,currency,ordered_at
paid,SO-1,C1,199.90,CNY,2026-11-01T10:00:00+08:00
paid,SO-2,C2,88,cny,2026-11-02 09:30
paid,SO-3,C404,10.00,CNY,2026-11-01T10:00:00+08:00
paid,SO-4,C1,-5.00,CNY,2026-11-01T10:00:00+08:00
paid,SO-5,C1,5.00,CNY,yesterday
paid,SO-1,C1,199.90,CNY,2026-11-01T10:00:00+08:00
shipped,SO-6,C1,5.00,CNY,2026-11-01T10:00:00+08:00
paid,SO-7,C1,5.00,CNY,2027-01-01T10:00:00+08:00
paid,SO-8,C1,1.005,CNY,2026-11-01T10:00:00+08:00
paid,SO-\xff,C1,5.00,CNY,2026-11-01T10:00:00+08:00
"""


@pytest.fixture
async def shop(session: AsyncSession) -> AsyncSession:
    await seed_tiers(session=session, tiers=load_catalogue()["tiers"])
    return session


async def test_customer_import_reports_each_bad_row_by_line(shop: AsyncSession) -> None:
    report = await import_customers(session=shop, file=BytesIO(CUSTOMERS))
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    reasons = {item.line: item.reason for item in report.rejected}
    assert sorted(reasons) == [4, 5, 6, 7, 8, 9]
    assert reasons[4].startswith("birthday:")
    assert reasons[5].startswith("language:")
    assert reasons[6].startswith("phone:")
    assert "UTF-8" in reasons[7]
    assert "repeats line 2" in reasons[8]
    assert "already belongs to customer C1" in reasons[9]
    wang = await shop.scalar(select(Customer).where(Customer.external_id == "C1"))
    assert wang is not None
    assert (wang.name, wang.phone, wang.telegram_user_id, wang.language) == ("王芳", "+8613800138001", 5001, "zh")
    assert str(wang.birthday) == "1990-02-14"


async def test_customer_import_twice_changes_nothing(shop: AsyncSession) -> None:
    await import_customers(session=shop, file=BytesIO(CUSTOMERS))
    again = await import_customers(session=shop, file=BytesIO(CUSTOMERS))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert await shop.scalar(select(func.count()).select_from(Customer)) == 2


async def test_customer_import_updates_changed_cells_and_keeps_blank_ones(shop: AsyncSession) -> None:
    await import_customers(session=shop, file=BytesIO(CUSTOMERS))
    report = await import_customers(session=shop, file=BytesIO(b"external_id,name,phone\nC1,Wang Fang,\n"))
    assert report.updated == 1
    wang = await shop.scalar(select(Customer).where(Customer.external_id == "C1"))
    assert wang is not None and (wang.name, wang.phone) == ("Wang Fang", "+8613800138001")


async def test_missing_columns_reject_the_whole_file(shop: AsyncSession) -> None:
    with pytest.raises(BadCsvFile, match="missing column"):
        await import_orders(
            session=shop, file=BytesIO(b"order_id,amount\nSO-1,5\n"), rules=RULES, shop_timezone=SHANGHAI, now=NOW
        )
    with pytest.raises(BadCsvFile, match="empty"):
        await import_customers(session=shop, file=BytesIO(b""))


async def test_order_import_validates_rows_and_credits_points_once(shop: AsyncSession) -> None:
    await import_customers(session=shop, file=BytesIO(CUSTOMERS))
    report = await import_orders(session=shop, file=BytesIO(ORDERS), rules=RULES, shop_timezone=SHANGHAI, now=NOW)
    assert report.created == 2
    reasons = {item.line: item.reason for item in report.rejected}
    assert sorted(reasons) == [4, 5, 6, 7, 8, 9, 10, 11]
    assert "unknown customer C404" in reasons[4]
    assert reasons[5].startswith("amount:")
    assert reasons[6].startswith("ordered_at:")
    assert "repeats line 2" in reasons[7]
    assert reasons[8].startswith("status:")
    assert "future" in reasons[9]
    assert reasons[10].startswith("amount:")
    assert "UTF-8" in reasons[11]

    naive = await shop.scalar(select(Order).where(Order.order_id == "SO-2"))
    assert naive is not None and naive.ordered_at == datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
    assert naive.currency == "CNY"

    again = await import_orders(session=shop, file=BytesIO(ORDERS), rules=RULES, shop_timezone=SHANGHAI, now=NOW)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    ledger = (await shop.scalars(select(LedgerEntry).where(LedgerEntry.reason == "order"))).all()
    assert len(ledger) == 2
    wang = await shop.scalar(select(Customer).where(Customer.external_id == "C1"))
    assert wang is not None and wang.points_balance == 199  # 199.90 yuan at 1 point per yuan, rounded down


async def test_refund_in_a_later_import_reverses_the_points(shop: AsyncSession) -> None:
    await import_customers(session=shop, file=BytesIO(CUSTOMERS))
    header = b"order_id,customer_external_id,amount,currency,ordered_at,status\n"
    paid = header + b"SO-9,C2,300,CNY,2026-11-01T10:00:00+08:00,paid\n"
    refunded = header + b"SO-9,C2,300,CNY,2026-11-01T10:00:00+08:00,refunded\n"
    await import_orders(session=shop, file=BytesIO(paid), rules=RULES, shop_timezone=SHANGHAI, now=NOW)
    report = await import_orders(session=shop, file=BytesIO(refunded), rules=RULES, shop_timezone=SHANGHAI, now=NOW)
    assert report.updated == 1
    li = await shop.scalar(select(Customer).where(Customer.external_id == "C2"))
    assert li is not None and li.points_balance == 0


async def test_an_order_changed_after_the_fact_is_rejected_not_applied(shop: AsyncSession) -> None:
    await import_customers(session=shop, file=BytesIO(CUSTOMERS))
    header = b"order_id,customer_external_id,amount,currency,ordered_at,status\n"
    first = header + b"SO-10,C2,300,CNY,2026-11-01T10:00:00+08:00,paid\n"
    changed = (
        header + b"SO-10,C2,999,CNY,2026-11-01T10:00:00+08:00,paid\nSO-11,C2,50,CNY,2026-11-01T10:00:00+08:00,paid\n"
    )
    await import_orders(session=shop, file=BytesIO(first), rules=RULES, shop_timezone=SHANGHAI, now=NOW)
    report = await import_orders(session=shop, file=BytesIO(changed), rules=RULES, shop_timezone=SHANGHAI, now=NOW)
    assert report.created == 1
    assert [(item.line, "amount 300.00" in item.reason) for item in report.rejected] == [(2, True)]
    li = await shop.scalar(select(Customer).where(Customer.external_id == "C2"))
    assert li is not None and li.points_balance == 350


async def test_currency_and_dates_are_checked_against_the_shop(shop: AsyncSession) -> None:
    await import_customers(session=shop, file=BytesIO(CUSTOMERS))
    rules = LoyaltyRules(
        points_per_unit={"CNY": Decimal(1), "USD": Decimal(7)}, opened_at=datetime(2020, 1, 1, tzinfo=SHANGHAI)
    )
    orders = b"""order_id,customer_external_id,amount,currency,ordered_at,status
SO-20,C2,10,usd,2026-11-01T10:00:00+08:00,paid
SO-21,C2,10,EUR,2026-11-01T10:00:00+08:00,paid
SO-22,C2,10,CNY,2019-12-31T23:59:00+08:00,paid
SO-23,C2,10,CNY,2026-11-23T08:04:00Z,paid
SO-24,C2,10,CNY,2026-11-23T08:06:00Z,paid
"""
    report = await import_orders(session=shop, file=BytesIO(orders), rules=rules, shop_timezone=SHANGHAI, now=NOW)
    reasons = {item.line: item.reason for item in report.rejected}
    assert report.created == 2  # USD at 7 points per dollar, and an order 4 minutes ahead (clock skew)
    assert sorted(reasons) == [3, 4, 6]
    assert reasons[3].startswith("currency: EUR is not a currency the shop takes (CNY, USD")
    assert reasons[4].startswith("ordered_at: before the shop opened (2020-01-01)")
    assert reasons[6] == "ordered_at: lies in the future"
    li = await shop.scalar(select(Customer).where(Customer.external_id == "C2"))
    assert li is not None and li.points_balance == 80


async def test_oversized_lines_and_files_are_rejected_by_line_not_aborted(shop: AsyncSession) -> None:
    huge = b"x" * 1024 * 1024
    data = b"external_id,name\nA1,Ann\nA2," + huge + b'\nA3,Bo\nA4,"' + huge + b'"\nA5,Cy\n'
    report = await import_customers(session=shop, file=BytesIO(data))
    assert report.created == 3
    assert [(item.line, item.reason.split(" (")[0]) for item in report.rejected] == [
        (3, "field too long"),
        (5, "field too long"),
    ]

    rows = b"".join(b"B%d,Name\n" % n for n in range(1, 1000))
    read = list(read_rows(BytesIO(b"external_id,name\n" + rows), required=("external_id",), max_bytes=1000))
    *good, last = read
    assert all(isinstance(row, CsvRow) for row in good) and isinstance(last, Rejected)
    assert last.line == len(good) + 2 and last.reason.startswith("the file passes the limit of 1000 bytes")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not text"),
        (b"\x00\xff\x10" * 20_000, "not a CSV header"),  # no line break at all
        (b"external_id;name;phone\nC1;Wang;\n", "separated by semicolons"),
    ],
)
async def test_a_file_that_is_no_csv_is_refused_with_what_is_expected(
    shop: AsyncSession, data: bytes, message: str
) -> None:
    with pytest.raises(BadCsvFile, match=message) as refused:
        await import_customers(session=shop, file=BytesIO(data))
    assert "comma-separated" in str(refused.value)


def test_rows_are_read_as_they_are_needed() -> None:
    source = BytesIO(b"external_id\n" + b"".join(b"C%d\n" % n for n in range(100_000)))
    rows = read_rows(source, required=("external_id",))
    first = next(rows)
    assert isinstance(first, CsvRow) and first.values == {"external_id": "C0"}
    assert source.tell() < 100  # only the header and the first row were read
