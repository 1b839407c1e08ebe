"""CSV imports of customers and orders: every row validated, bad rows reported by line, re-imports no-ops.

The file is read row by row (`actions.csv_rows`), so memory does not grow with its size.

Orders go through `actions.orders.record_order`, so points are credited (and reversed) exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Annotated, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PositiveInt,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.csv_rows import CsvRow, Rejected, describe_validation_error, read_rows
from actions.customers import entry_tier_code, new_referral_code
from actions.errors import DomainError
from actions.orders import record_order
from actions.phones import InvalidPhone, normalise_phone, phone_region
from actions.rules import LoyaltyRules
from storage.models import Customer

ORDER_COLUMNS = ("order_id", "customer_external_id", "amount", "currency", "ordered_at", "status")
RowModel = TypeVar("RowModel", bound=BaseModel)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


Optional = BeforeValidator(_blank_is_none)


class CustomerRow(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    external_id: str = Field(min_length=1, max_length=64)
    name: str = Field(default="", max_length=200)
    # Before the phone: a number without its country code is read in the region of the row's language.
    language: Annotated[Literal["zh", "en"] | None, Optional] = None
    phone: Annotated[str | None, Optional] = None
    telegram_user_id: Annotated[PositiveInt | None, Optional] = None
    birthday: Annotated[date | None, Optional] = None
    tags: str = Field(default="", max_length=500)

    @field_validator("phone")
    @classmethod
    def _phone_shape(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        context = info.context or {}
        language = info.data.get("language") or context.get("default_language")
        region = phone_region(language=language, shop_region=context.get("phone_region", ""))
        try:
            return normalise_phone(value, region=region)
        except InvalidPhone as error:
            raise ValueError(str(error)) from error

    @field_validator("birthday")
    @classmethod
    def _plausible_birthday(cls, value: date | None) -> date | None:
        if value is not None and not (date(1900, 1, 1) <= value <= date.today()):
            raise ValueError("expected a date between 1900-01-01 and today (YYYY-MM-DD)")
        return value


class OrderRow(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    order_id: str = Field(min_length=1, max_length=64)
    customer_external_id: str = Field(min_length=1, max_length=64)
    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    ordered_at: datetime
    status: Literal["paid", "refunded", "cancelled"]

    @field_validator("amount", mode="before")
    @classmethod
    def _no_floats_in_text(cls, value: object) -> object:
        if isinstance(value, str) and value.lower() in {"nan", "inf", "-inf", "infinity"}:
            raise ValueError("expected an amount such as 199.00")
        return value


def _valid_rows(
    rows: Iterable[CsvRow | Rejected],
    model: type[RowModel],
    *,
    key: str,
    report: ImportReport,
    context: dict[str, str] | None = None,
) -> Iterator[tuple[CsvRow, RowModel]]:
    """Rows that pass the model's validation and whose key is new in this file; the others are rejected."""
    seen: dict[str, int] = {}
    for row in rows:
        if isinstance(row, Rejected):
            report.rejected.append(row)
            continue
        try:
            parsed = model.model_validate(
                {k: v for k, v in row.values.items() if k in model.model_fields}, context=context
            )
        except ValidationError as error:
            report.rejected.append(Rejected(row.line, describe_validation_error(error)))
            continue
        value = str(getattr(parsed, key))
        if value in seen:
            report.rejected.append(Rejected(row.line, f"{key} {value} repeats line {seen[value]}"))
            continue
        seen[value] = row.line
        yield row, parsed


async def import_customers(
    *, session: AsyncSession, file: IO[bytes], phone_region: str = "", default_language: str = "zh"
) -> ImportReport:
    """Create or update customers by external id; a row that would change nothing is counted unchanged.

    Phone numbers follow `actions.phones`: without a country code they are read in `phone_region` (the
    shop's PHONE_REGION), else in the region of the row's language (or `default_language`)."""
    rows = read_rows(file, required=("external_id",))
    report = ImportReport()
    context = {"phone_region": phone_region, "default_language": default_language}
    for row, parsed in _valid_rows(rows, CustomerRow, key="external_id", report=report, context=context):
        reason = await apply_customer_row(session, parsed, report, present=set(row.values))
        if reason:
            report.rejected.append(Rejected(row.line, reason))
    report.rejected.sort(key=lambda item: item.line)
    return report


async def apply_customer_row(
    session: AsyncSession, row: CustomerRow, report: ImportReport, *, present: set[str]
) -> str | None:
    """Insert or update one customer; returns a rejection reason or None."""
    if row.telegram_user_id is not None:
        owner = await session.scalar(select(Customer).where(Customer.telegram_user_id == row.telegram_user_id))
        if owner is not None and owner.external_id not in (None, row.external_id):
            return f"telegram_user_id {row.telegram_user_id} already belongs to customer {owner.external_id}"
    else:
        owner = None
    customer = await session.scalar(select(Customer).where(Customer.external_id == row.external_id))
    if customer is None and owner is not None:
        customer = owner  # a Telegram contact now matched to the shop's record
    if customer is None:
        customer = Customer(
            external_id=row.external_id,
            referral_code=new_referral_code(),
            tier_code=await entry_tier_code(session=session),
        )
        session.add(customer)
        _copy_customer_fields(customer, row, present)
        report.created += 1
    elif _copy_customer_fields(customer, row, present):
        report.updated += 1
    else:
        report.unchanged += 1
    await session.flush()
    return None


def _copy_customer_fields(customer: Customer, row: CustomerRow, present: set[str]) -> bool:
    """Copy the file's non-blank cells onto the record (a blank cell never erases what the bot learned).

    True when something changed.
    """
    changed = False
    for name, value in row.model_dump(exclude={"external_id"}).items():
        if name not in present or value in (None, ""):
            continue
        if getattr(customer, name) != value:
            setattr(customer, name, value)
            changed = True
    if customer.external_id != row.external_id:
        customer.external_id = row.external_id
        changed = True
    return changed


async def import_orders(
    *,
    session: AsyncSession,
    file: IO[bytes],
    rules: LoyaltyRules,
    shop_timezone: ZoneInfo,
    now: datetime,
    source: str = "shop",
) -> ImportReport:
    """Record orders through the loyalty rules; naive times are read in the shop's time zone.

    Currency, amount and date are checked by `record_order` (a currency the shop does not take, a date
    before it opened or in the future is a rejected row naming the field).
    """
    rows = read_rows(file, required=ORDER_COLUMNS)
    report = ImportReport()
    for row, parsed in _valid_rows(rows, OrderRow, key="order_id", report=report):
        customer_id = await session.scalar(
            select(Customer.id).where(Customer.external_id == parsed.customer_external_id)
        )
        if customer_id is None:
            report.rejected.append(
                Rejected(row.line, f"unknown customer {parsed.customer_external_id} (import customers first)")
            )
            continue
        ordered_at = parsed.ordered_at
        if ordered_at.tzinfo is None:
            ordered_at = ordered_at.replace(tzinfo=shop_timezone)
        try:
            async with session.begin_nested():  # a refused row leaves nothing behind
                outcome = await record_order(
                    session=session,
                    rules=rules,
                    source=source,
                    order_id=parsed.order_id,
                    customer_id=customer_id,
                    amount=parsed.amount,
                    currency=parsed.currency,
                    ordered_at=ordered_at,
                    status=parsed.status,
                    now=now,
                )
        except DomainError as refused:
            report.rejected.append(Rejected(row.line, str(refused) or type(refused).__name__))
            continue
        if outcome.created:
            report.created += 1
        elif outcome.changed:
            report.updated += 1
        else:
            report.unchanged += 1
    report.rejected.sort(key=lambda item: item.line)
    return report
