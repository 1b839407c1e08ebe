"""Occasions: festival greetings and birthday wishes, planned into the delivery ledger.

The festival calendar (`actions.festivals`) is written into the `occasions` table for the next years; the
shop may then move a date, rewrite a text, change the hour or switch an occasion off, and a later sync
never overwrites that. Planning turns an occasion that is today or tomorrow somewhere into one ledger row
per reachable customer of its audience (source `occasion:<code>:<year>`), due at the occasion's hour in
the customer's own time zone and stale `late_window` after it; the ledger's unique (source, customer)
makes a greeting go out once per occasion and year however often, and on however many workers, planning
runs. Birthdays: the bonus points (once a year) and a wish mentioning them (source `birthday:<year>`).
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, bindparam, delete, extract, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from actions.audit import record_event
from actions.campaigns import reachable
from actions.deliveries import BadTemplate, Planned, check_template, enqueue, render
from actions.errors import DomainError
from actions.festivals import AUDIENCES, FESTIVAL_CODES, FIRST_YEAR, LAST_YEAR, festival_dates
from actions.outreach_guards import customer_zone, refusal
from actions.points import PointsLimit, grant_birthday_bonus
from actions.rules import LoyaltyRules
from storage.models import LANGUAGES, Customer, Delivery, LedgerEntry, Occasion, Tier, localized

logger = logging.getLogger(__name__)
T = TypeVar("T")
MAX_TEXT = 2000  # characters of a greeting template (Telegram allows 4096 after the name is filled in)
BATCH = 1000  # customers read and ledger rows written per statement
MAX_SYNC_YEARS = 30

BIRTHDAY_TEXTS = {
    "bonus": (
        "{name}，生日快乐！🎂 我们为您送上{bonus}积分作为生日礼物，您现在共有{points}积分。祝您新的一岁平安喜乐！",
        "Happy birthday, {name}! 🎂 We've added {bonus} points to your account as a birthday gift; you now have "
        "{points} points. Wishing you a wonderful year ahead!",
    ),
    "plain": (
        "{name}，生日快乐！🎂 祝您新的一岁平安喜乐，万事顺心！",
        "Happy birthday, {name}! 🎂 Wishing you a wonderful year ahead!",
    ),
}


class OccasionError(DomainError):
    """An occasion request that cannot be done as asked (the message says what to change)."""


class UnknownOccasion(OccasionError):
    """No occasion with this code in this year."""


@dataclass(frozen=True)
class OccasionEdit:
    """An edited occasion and how many of its planned, not yet sent greetings were withdrawn to be planned
    again with the new values (or not at all once it is off)."""

    occasion: Occasion
    withdrawn: int


@dataclass
class BirthdayReport:
    bonuses: int = 0
    wishes: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def occasion_source(code: str, year: int) -> str:
    """The ledger source of an occasion's greetings: one row per customer under it."""
    return f"occasion:{code}:{year}"


async def sync_occasions(session: AsyncSession, *, years: Iterable[int]) -> int:
    """Insert the festivals of these years that the table lacks; rows already there (perhaps edited by the
    shop) are left alone. Returns how many were added. Safe on several workers at once."""
    wanted = sorted(set(years))
    if not wanted:
        return 0
    for year in wanted:
        _check_year(year)
    if len(wanted) > MAX_SYNC_YEARS:
        raise OccasionError(f"at most {MAX_SYNC_YEARS} years at once, not {len(wanted)}")
    rows = [
        {
            "code": item.code,
            "year": item.year,
            "on_date": item.on_date,
            "name_zh": item.name_zh,
            "name_en": item.name_en,
            "audience_language": item.audience_language,
            "text_zh": item.text_zh,
            "text_en": item.text_en,
            "send_hour": item.send_hour,
            "active": True,
        }
        for year in wanted
        for item in festival_dates(year)
    ]
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Occasion)
    result: Any = await session.execute(insert.values(rows).on_conflict_do_nothing(index_elements=["code", "year"]))
    return int(result.rowcount or 0)


async def list_occasions(session: AsyncSession, *, year: int | None = None) -> list[Occasion]:
    """The occasions (of one year, or all), by date."""
    query = select(Occasion).order_by(Occasion.on_date, Occasion.code)
    if year is not None:
        query = query.where(Occasion.year == year)
    return list((await session.scalars(query)).all())


async def get_occasion(session: AsyncSession, *, code: str, year: int) -> Occasion:
    occasion = await session.scalar(select(Occasion).where(Occasion.code == code, Occasion.year == year))
    if occasion is None:
        raise UnknownOccasion(f"no occasion {code!r} in {year}; see `carebot occasions list --year {year}`")
    return occasion


async def edit_occasion(
    session: AsyncSession,
    *,
    code: str,
    year: int,
    actor: str,
    now: datetime,
    on_date: date | None = None,
    text_zh: str | None = None,
    text_en: str | None = None,
    send_hour: int | None = None,
    audience_language: str | None = None,
    active: bool | None = None,
) -> OccasionEdit:
    """Change an occasion of one year (a known festival's row is created first if that year was never
    synced). Everything is checked before anything changes; greetings already planned but not yet sent are
    withdrawn so the next planning run uses the new values."""
    _check_year(year)
    if code in FESTIVAL_CODES:
        await sync_occasions(session, years=[year])
    occasion = await get_occasion(session, code=code, year=year)
    changes: dict[str, Any] = {}
    if on_date is not None:
        if on_date.year != year:
            raise OccasionError(f"the {year} occasion must fall in {year}, not on {on_date.isoformat()}")
        changes["on_date"] = on_date
    if send_hour is not None:
        if not 0 <= send_hour <= 23:
            raise OccasionError(f"the send hour is a local hour from 0 to 23, not {send_hour}")
        changes["send_hour"] = send_hour
    if audience_language is not None:
        if audience_language not in AUDIENCES:
            raise OccasionError(f"unknown audience {audience_language!r}: use zh, en or all")
        changes["audience_language"] = audience_language
    for language, text in (("zh", text_zh), ("en", text_en)):
        if text is not None:
            changes[f"text_{language}"] = _checked_text(text, language=language)
    if active is not None:
        changes["active"] = active
    _check_texts_cover_audience(
        audience=changes.get("audience_language", occasion.audience_language),
        text_zh=changes.get("text_zh", occasion.text_zh),
        text_en=changes.get("text_en", occasion.text_en),
    )
    changed = {name: value for name, value in changes.items() if getattr(occasion, name) != value}
    withdrawn = 0
    if changed:
        for name, value in changed.items():
            setattr(occasion, name, value)
        withdrawn = await _withdraw_pending(session, source=occasion_source(code, year))
        record_event(
            session,
            actor=actor,
            action="occasion.edit",
            target=("occasion", occasion.id),
            details={
                "code": code,
                "year": year,
                "changed": sorted(changed),
                "withdrawn": withdrawn,
                **{name: _plain(value) for name, value in changed.items() if not name.startswith("text_")},
            },
            now=now,
        )
        await session.flush()
    return OccasionEdit(occasion=occasion, withdrawn=withdrawn)


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise OccasionError(f"festival dates are known for {FIRST_YEAR}-{LAST_YEAR}, not {year}")


def _checked_text(text: str, *, language: str) -> str:
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise OccasionError(f"the {language} text has {len(text)} characters; at most {MAX_TEXT}")
    try:
        check_template(text)
    except BadTemplate as error:
        raise OccasionError(f"the {language} text: {error}") from None
    return text


def _check_texts_cover_audience(*, audience: str, text_zh: str, text_en: str) -> None:
    for language, text in (("zh", text_zh), ("en", text_en)):
        if audience in (language, "all") and not text.strip():
            raise OccasionError(
                f"the {language} text may not be empty while customers writing {language} are greeted "
                "(switch the occasion off, or change its audience, instead)"
            )


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


async def _withdraw_pending(session: AsyncSession, *, source: str) -> int:
    """Drop planned rows no sender has claimed yet (nothing of them reached Telegram)."""
    result: Any = await session.execute(delete(Delivery).where(Delivery.source == source, Delivery.status == "pending"))
    return int(result.rowcount or 0)


async def plan_greetings(
    session: AsyncSession, *, now: datetime, shop_zone: ZoneInfo, late_window: timedelta
) -> dict[str, int]:
    """Put the greetings of every active occasion that is today or tomorrow in a customer's zone into the
    ledger: one row per reachable customer of its audience, in their language, due at the occasion's hour
    there and stale `late_window` later. Returns the new rows per source (rows already there are kept).

    All in this session (the caller commits); `jobs.greetings` commits page by page instead."""
    planned: dict[str, int] = {}
    for occasion in await due_occasions(session, now=now):
        source = occasion_source(occasion.code, occasion.year)
        planned[source], after = 0, 0
        while True:
            page = await plan_greetings_page(
                session, occasion_id=occasion.id, now=now, shop_zone=shop_zone, late_window=late_window,
                after_id=after,
            )  # fmt: skip
            planned[source] += page.planned
            if page.last_id is None:
                break
            after = page.last_id
    return planned


@dataclass(frozen=True)
class GreetingPage:
    source: str
    planned: int  # new ledger rows
    last_id: int | None  # the last customer id read; None: the audience is done


async def due_occasions(session: AsyncSession, *, now: datetime) -> list[Occasion]:
    """Active occasions that may be today or tomorrow in some time zone."""
    today = now.astimezone(UTC).date()
    # Every zone's date is within a day of UTC's, so "today or tomorrow somewhere" is one of these days.
    query = (
        select(Occasion)
        .where(
            Occasion.active.is_(True),
            Occasion.on_date >= today - timedelta(days=1),
            Occasion.on_date <= today + timedelta(days=2),
        )
        .order_by(Occasion.on_date, Occasion.code)
    )
    return list((await session.scalars(query)).all())


async def plan_greetings_page(
    session: AsyncSession,
    *,
    occasion_id: int,
    now: datetime,
    shop_zone: ZoneInfo,
    late_window: timedelta,
    after_id: int = 0,
    limit: int = BATCH,
) -> GreetingPage:
    """Plan one occasion's greetings for the next `limit` reachable customers of its audience with ids above
    `after_id` (see `plan_greetings`)."""
    occasion = await session.get(Occasion, occasion_id)
    if occasion is None:
        raise UnknownOccasion(f"no occasion with id {occasion_id}")
    source = occasion_source(occasion.code, occasion.year)
    if not occasion.active:
        return GreetingPage(source, 0, None)
    rows = (await session.execute(_audience_page(occasion.audience_language, after_id=after_id, limit=limit))).all()
    if not rows:
        return GreetingPage(source, 0, None)
    # Looked up for the page's ids, not anti-joined: the ledger grows during a run while its statistics
    # stay stale, and the planner would then compare every customer with every row.
    done = set(
        await session.scalars(
            select(Delivery.customer_id).where(
                Delivery.source == source, _among(Delivery.customer_id, [row.id for row in rows])
            )
        )
    )
    tier_names = await _tier_names(session)
    zones = _ZoneCache(shop_zone)
    timing: dict[str | None, tuple[datetime, datetime] | None] = {}  # per zone name: (due, stale after)
    planned: list[Planned] = []
    for customer in rows:
        if customer.id in done:
            continue
        if customer.timezone not in timing:
            zone = zones.of(customer.timezone)
            timing[customer.timezone] = _greeting_time(occasion, zone=zone, now=now, late_window=late_window)
        due = timing[customer.timezone]
        language = customer.language or "zh"
        template = localized(occasion.text_zh, occasion.text_en, language)
        if due is None or not template.strip():
            continue
        text = fill(
            template,
            language=language,
            name=customer.name,
            points=customer.points_balance,
            tier_name=tier_names.get((customer.tier_code, language), customer.tier_code),
        )
        planned.append(Planned(customer.id, text, due[0], expires_at=due[1]))
    new = await enqueue(session, source=source, kind="marketing", planned=planned)
    return GreetingPage(source, new, rows[-1].id)


def _among(column: SQLColumnExpression[T], values: Sequence[T]) -> ColumnElement[bool]:
    """`column IN (values)` with the values written into the statement: as parameters, every page is the
    same statement and PostgreSQL's cached generic plan compares each ledger row with the whole list
    (seconds a page once the ledger holds some ten thousand rows)."""
    return column.in_(bindparam(None, list(values), expanding=True, literal_execute=True))


def _audience_page(audience: str, *, after_id: int, limit: int) -> Select[int, str, str | None, str | None, int, str]:
    """Reachable customers of an audience language with ids above `after_id`: what a greeting needs."""
    conditions = reachable("marketing")
    if audience == "zh":
        conditions.append(or_(Customer.language == "zh", Customer.language.is_(None)))
    elif audience == "en":
        conditions.append(Customer.language == "en")
    columns = (
        Customer.id,
        Customer.name,
        Customer.language,
        Customer.timezone,
        Customer.points_balance,
        Customer.tier_code,
    )
    return select(*columns).where(*conditions, Customer.id > after_id).order_by(Customer.id).limit(limit)


def _greeting_time(
    occasion: Occasion, *, zone: ZoneInfo, now: datetime, late_window: timedelta
) -> tuple[datetime, datetime] | None:
    """(due, stale after) in UTC for customers in `zone` if the occasion is today or tomorrow there and not
    stale yet, else None."""
    local_today = now.astimezone(zone).date()
    if not local_today <= occasion.on_date <= local_today + timedelta(days=1):
        return None
    due = _local_instant(occasion.on_date, occasion.send_hour, zone)
    return None if now > due + late_window else (due, due + late_window)


def fill(template: str, *, language: str, name: str, points: int, tier_name: str) -> str:
    """`actions.deliveries.render` from plain values instead of ORM objects (cheaper for a million rows;
    the tests check both agree)."""
    shown = name or localized("顾客", "there", language)
    return template.format_map({"name": shown, "points": points, "tier": tier_name})


async def _tier_names(session: AsyncSession) -> dict[tuple[str, str], str]:
    return {
        (tier.code, language): tier.name_in(language)
        for tier in await session.scalars(select(Tier))
        for language in LANGUAGES
    }


class _ZoneCache:
    """Customers' zones by their stored name (a million customers share a few hundred zones)."""

    def __init__(self, default: ZoneInfo) -> None:
        self.default = default
        self.known: dict[str | None, ZoneInfo] = {}

    def of(self, name: str | None) -> ZoneInfo:
        zone = self.known.get(name)
        if zone is None:
            zone = self.known[name] = customer_zone(Customer(timezone=name), self.default)
        return zone


def _local_instant(day: date, hour: int, zone: ZoneInfo) -> datetime:
    """`hour` o'clock of `day` in `zone`, as UTC."""
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def is_birthday(birthday: date, day: date) -> bool:
    """Whether `day` is the birthday's anniversary; 29 February counts on 28 February in other years."""
    if (birthday.month, birthday.day) == (day.month, day.day):
        return True
    return (
        (birthday.month, birthday.day) == (2, 29) and (day.month, day.day) == (2, 28) and not calendar.isleap(day.year)
    )


async def plan_birthdays(
    session: AsyncSession,
    *,
    now: datetime,
    shop_zone: ZoneInfo,
    late_window: timedelta,
    rules: LoyaltyRules,
    send_hour: int = 9,
) -> BirthdayReport:
    """For every customer whose birthday it is today in their zone: the birthday bonus (once per year, also
    without marketing consent) and, for reachable customers, a wish mentioning it (source `birthday:<year>`),
    due at `send_hour` there and stale `late_window` later."""
    report = BirthdayReport()
    tiers = {tier.code: tier for tier in await session.scalars(select(Tier))}
    zones = _ZoneCache(shop_zone)
    due: list[tuple[Customer, datetime]] = []
    for customer in await _birthday_candidates(session, now=now):
        local_now = now.astimezone(zones.of(customer.timezone))
        assert customer.birthday is not None
        if is_birthday(customer.birthday, local_now.date()):
            due.append((customer, local_now))
    granted = await _granted_this_year(session, due)
    wishes: dict[int, list[Planned]] = {}
    for customer, local_now in due:
        if customer.id in granted:
            report.skip("already_done")
            continue
        balance: int | None = None
        if rules.birthday_bonus > 0:
            entry = await _grant_once(session, customer_id=customer.id, rules=rules, local_now=local_now)
            if entry is None:
                report.skip("already_done")
                continue
            report.bonuses += 1
            balance = entry.balance_after
        wish = _birthday_wish(
            customer, local_now=local_now, now=now, send_hour=send_hour, late_window=late_window,
            bonus=rules.birthday_bonus, balance=balance, tier=tiers.get(customer.tier_code),
        )  # fmt: skip
        if isinstance(wish, str):
            report.skip(wish)
            continue
        wishes.setdefault(local_now.year, []).append(wish)
    for year, planned in sorted(wishes.items()):
        for start in range(0, len(planned), BATCH):
            report.wishes += await enqueue(
                session, source=f"birthday:{year}", kind="marketing", planned=planned[start : start + BATCH]
            )
    return report


async def _birthday_candidates(session: AsyncSession, *, now: datetime) -> Sequence[Customer]:
    """Customers (not erased) whose birthday may be today in some zone: within a day of the UTC date."""
    today = now.astimezone(UTC).date()
    days = [today + timedelta(days=offset) for offset in (-1, 0, 1)]
    month_days = {(day.month, day.day) for day in days}
    if any((day.month, day.day) == (2, 28) and not calendar.isleap(day.year) for day in days):
        month_days.add((2, 29))
    matches = [
        and_(extract("month", Customer.birthday) == month, extract("day", Customer.birthday) == day)
        for month, day in sorted(month_days)
    ]
    query = (
        select(Customer)
        .where(Customer.erased_at.is_(None), Customer.birthday.is_not(None), or_(*matches))
        .order_by(Customer.id)
    )
    return (await session.scalars(query)).all()


async def _granted_this_year(session: AsyncSession, due: Sequence[tuple[Customer, datetime]]) -> set[int]:
    """Customers whose bonus of their local year is already in the ledger (one query per batch)."""
    keys = {_bonus_key(customer.id, local_now.year): customer.id for customer, local_now in due}
    found: set[int] = set()
    names = list(keys)
    for start in range(0, len(names), BATCH):
        existing = await session.scalars(
            select(LedgerEntry.idempotency_key).where(_among(LedgerEntry.idempotency_key, names[start : start + BATCH]))
        )
        found.update(keys[key] for key in existing)
    return found


def _bonus_key(customer_id: int, year: int) -> str:
    # The key grant_birthday_bonus writes: it takes the year of the `now` it is given (the local one here).
    return f"birthday:{customer_id}:{year}"


async def _grant_once(
    session: AsyncSession, *, customer_id: int, rules: LoyaltyRules, local_now: datetime
) -> LedgerEntry | None:
    """The bonus, or None when it was given already (also by another worker a moment ago)."""
    try:
        async with session.begin_nested():
            # The local time: the bonus belongs to the year of the birthday where the customer lives.
            return await grant_birthday_bonus(session=session, customer_id=customer_id, rules=rules, now=local_now)
    except IntegrityError:
        return None
    except PointsLimit:  # a balance at the limit: no bonus this year, and the other customers still get theirs
        logger.warning("birthday bonus for customer %s would pass the points limit", customer_id)
        return None


def _birthday_wish(
    customer: Customer,
    *,
    local_now: datetime,
    now: datetime,
    send_hour: int,
    late_window: timedelta,
    bonus: int,
    balance: int | None,
    tier: Tier | None,
) -> Planned | str:
    """The wish to plan, or why there is none."""
    reason = refusal(customer, kind="marketing")
    if reason is not None:
        return reason
    assert local_now.tzinfo is not None
    not_before = datetime.combine(local_now.date(), time(send_hour), tzinfo=local_now.tzinfo).astimezone(UTC)
    expires_at = not_before + late_window
    if now > expires_at:
        return "too_late"
    language = customer.language or "zh"
    zh, en = BIRTHDAY_TEXTS["bonus" if balance is not None else "plain"]
    template = localized(zh, en, language).replace("{bonus}", str(bonus))
    shown = Customer(
        name=customer.name,
        language=customer.language,
        points_balance=balance if balance is not None else customer.points_balance,
        tier_code=customer.tier_code,
    )
    return Planned(customer.id, render(template, customer=shown, tier=tier), not_before, expires_at=expires_at)
