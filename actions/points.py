"""Points ledger: balance, history, earning, staff adjustments and expiry (redemptions: `actions.rewards`).

Every balance change is one append-only ledger row with a unique idempotency key and the balance after
it. The stored balance is changed by a conditional UPDATE on the customer row, which also serialises all
writers of one customer's ledger (a row lock on PostgreSQL, the write lock on SQLite); only after it
are the earnings' `remaining` counters consumed, first expiring first.

Expired points are never shown or spent, whether or not the nightly expiry job has run: the balance
shown leaves out earnings past their expiry, and every debit first expires the customer's due earnings
(the same ledger rows the job would write, under the same lock).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from actions.audit import record_audit
from actions.customers import UnknownCustomer
from actions.errors import DomainError
from actions.rules import MAX_POINTS, LoyaltyRules
from storage.models import LEDGER_REASONS, Customer, LedgerEntry

EARNING_REASONS = frozenset({"order", "birthday", "referral", "adjustment", "import"})


class InsufficientPoints(DomainError):
    """The balance does not cover the points asked for."""

    def __init__(self, *, needed: int, balance: int) -> None:
        super().__init__(f"not enough points: {needed} needed, the balance is {balance}")
        self.needed = needed
        self.balance = balance


class InvalidAdjustment(DomainError):
    """A staff adjustment without points, without a reason, or beyond the points limit."""


class PointsLimit(DomainError):
    """More points than one ledger entry may move or one balance may hold (MAX_POINTS)."""


async def balance(*, session: AsyncSession, customer_id: int, now: datetime) -> int:
    """The points the customer can spend at `now`: earnings past their expiry are left out even before
    the expiry job has written them off."""
    stored = await _stored_balance(session, customer_id)
    due = await session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.remaining), 0)).where(
            LedgerEntry.customer_id == customer_id,
            LedgerEntry.remaining > 0,
            LedgerEntry.expires_at <= now,
        )
    )
    return max(stored - int(due or 0), 0)


async def _stored_balance(session: AsyncSession, customer_id: int) -> int:
    value = await session.scalar(select(Customer.points_balance).where(Customer.id == customer_id))
    if value is None:
        raise UnknownCustomer(f"no customer with id {customer_id}")
    return value


async def history(*, session: AsyncSession, customer_id: int, limit: int = 10) -> list[LedgerEntry]:
    """The latest ledger entries, newest first."""
    query = (
        select(LedgerEntry)
        .where(LedgerEntry.customer_id == customer_id)
        .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def expiring_soon(
    *, session: AsyncSession, customer_id: int, now: datetime, within_days: int = 30
) -> list[tuple[date, int]]:
    """Points that expire within the next days, summed per day (days in the time zone of `now`)."""
    query = (
        select(LedgerEntry.expires_at, LedgerEntry.remaining)
        .where(
            LedgerEntry.customer_id == customer_id,
            LedgerEntry.remaining > 0,
            LedgerEntry.expires_at > now,
            LedgerEntry.expires_at <= now + timedelta(days=within_days),
        )
        .order_by(LedgerEntry.expires_at)
    )
    per_day: dict[date, int] = defaultdict(int)
    for expires_at, remaining in (await session.execute(query)).all():
        if expires_at is not None:
            per_day[expires_at.astimezone(now.tzinfo).date()] += remaining
    return sorted(per_day.items())


async def credit(
    *,
    session: AsyncSession,
    customer_id: int,
    points: int,
    reason: str,
    idempotency_key: str,
    rules: LoyaltyRules,
    now: datetime,
    note: str = "",
    actor: str = "system",
    order_id: int | None = None,
    earned_at: datetime | None = None,
) -> LedgerEntry | None:
    """Add earned points (expiring `rules.expiry_months` after `earned_at`, default now).

    Returns None when an entry with this idempotency key was already applied.
    """
    if points <= 0:
        raise ValueError("credit needs a positive number of points")
    if reason not in EARNING_REASONS:
        raise ValueError(f"{reason!r} is not a reason to earn points")
    if points > MAX_POINTS:
        raise PointsLimit(f"{points} points at once; one entry moves at most {MAX_POINTS} points")
    if await _entry_with_key(session, idempotency_key) is not None:
        return None
    balance_after = await change_balance(session, customer_id, points)
    if balance_after is None:
        current = await _stored_balance(session, customer_id)
        raise PointsLimit(f"a balance of {current} plus {points} points would pass the limit of {MAX_POINTS}")
    entry = append_entry(
        session,
        customer_id=customer_id,
        idempotency_key=idempotency_key,
        reason=reason,
        delta=points,
        balance_after=balance_after,
        now=now,
        remaining=points,
        expires_at=rules.expiry_of(earned_at or now),
        order_id=order_id,
        note=note,
        actor=actor,
    )
    await session.flush()
    return entry


async def debit(
    *,
    session: AsyncSession,
    customer_id: int,
    points: int,
    reason: str,
    idempotency_key: str,
    now: datetime,
    note: str = "",
    actor: str = "system",
    order_id: int | None = None,
    partial: bool = False,
    first_from_entry_id: int | None = None,
) -> LedgerEntry | None:
    """Take points away, consuming earnings first expiring first (`first_from_entry_id` before the others).

    Without `partial` an uncovered debit raises InsufficientPoints; with it, as much as the balance holds
    is taken (possibly nothing) and recorded. Returns None when this key was already applied.
    """
    if points <= 0:
        raise ValueError("debit needs a positive number of points")
    if reason not in LEDGER_REASONS or reason in EARNING_REASONS - {"adjustment"}:
        raise ValueError(f"{reason!r} is not a reason to take points")
    if await _entry_with_key(session, idempotency_key) is not None:
        return None
    await expire_customer_points(session=session, customer_id=customer_id, now=now)
    if partial:
        current = await _locked_balance(session, customer_id)
        points = min(points, current)
    balance_after = await change_balance(session, customer_id, -points)
    if balance_after is None:
        raise InsufficientPoints(needed=points, balance=await _stored_balance(session, customer_id))
    await consume_earnings(session, customer_id, points, first_from_entry_id=first_from_entry_id)
    entry = append_entry(
        session,
        customer_id=customer_id,
        idempotency_key=idempotency_key,
        reason=reason,
        delta=-points,
        balance_after=balance_after,
        now=now,
        order_id=order_id,
        note=note,
        actor=actor,
    )
    await session.flush()
    return entry


async def adjust(
    *,
    session: AsyncSession,
    customer_id: int,
    points: int,
    reason_note: str,
    actor: str,
    now: datetime,
    rules: LoyaltyRules,
    idempotency_key: str | None = None,
) -> LedgerEntry:
    """A staff correction (positive or negative), recorded in the ledger and the audit log."""
    if points == 0:
        raise InvalidAdjustment("an adjustment needs a non-zero number of points")
    if abs(points) > MAX_POINTS:
        raise InvalidAdjustment(f"an adjustment moves at most {MAX_POINTS} points")
    if not reason_note.strip():
        raise InvalidAdjustment("an adjustment needs a reason")
    key = idempotency_key or f"adjust:{customer_id}:{secrets.token_hex(8)}"
    if points > 0:
        entry = await credit(
            session=session, customer_id=customer_id, points=points, reason="adjustment", idempotency_key=key,
            rules=rules, now=now, note=reason_note, actor=actor,
        )  # fmt: skip
    else:
        entry = await debit(
            session=session, customer_id=customer_id, points=-points, reason="adjustment", idempotency_key=key,
            now=now, note=reason_note, actor=actor,
        )  # fmt: skip
    if entry is None:  # the same adjustment was applied before: return it unchanged
        existing = await _entry_with_key(session, key)
        assert existing is not None
        return existing
    record_audit(
        session,
        actor=actor,
        action="points.adjust",
        customer_id=customer_id,
        details={"points": points, "reason": reason_note[:500], "balance_after": entry.balance_after},
        now=now,
    )
    await session.flush()
    return entry


async def grant_birthday_bonus(
    *, session: AsyncSession, customer_id: int, rules: LoyaltyRules, now: datetime
) -> LedgerEntry | None:
    """The yearly birthday bonus; once per customer and year (None when already given or switched off)."""
    if rules.birthday_bonus <= 0:
        return None
    return await credit(
        session=session,
        customer_id=customer_id,
        points=rules.birthday_bonus,
        reason="birthday",
        idempotency_key=f"birthday:{customer_id}:{now.year}",
        rules=rules,
        now=now,
    )


async def expire_due_points(*, session: AsyncSession, now: datetime, limit: int = 500) -> int:
    """Expire up to `limit` earnings whose expiry instant has come (expires_at <= now).

    One ledger row per expired earning; returns how many earnings were expired (0: nothing left).
    """
    due = (
        await session.execute(
            select(LedgerEntry.id, LedgerEntry.customer_id)
            .where(LedgerEntry.remaining > 0, LedgerEntry.expires_at <= now)
            .order_by(LedgerEntry.customer_id, LedgerEntry.expires_at, LedgerEntry.id)
            .limit(limit)
        )
    ).all()
    count = 0
    for entry_id, customer_id in list(due):
        await _expire_earning(session, entry_id=entry_id, customer_id=customer_id, now=now)
        count += 1
    return count


async def expire_customer_points(*, session: AsyncSession, customer_id: int, now: datetime) -> int:
    """Expire one customer's earnings due by `now` (before spending: expired points are never spent)."""
    due = await session.scalars(
        select(LedgerEntry.id)
        .where(LedgerEntry.customer_id == customer_id, LedgerEntry.remaining > 0, LedgerEntry.expires_at <= now)
        .order_by(LedgerEntry.expires_at, LedgerEntry.id)
    )
    entry_ids = list(due)
    for entry_id in entry_ids:
        await _expire_earning(session, entry_id=entry_id, customer_id=customer_id, now=now)
    return len(entry_ids)


async def _expire_earning(session: AsyncSession, *, entry_id: int, customer_id: int, now: datetime) -> None:
    current = await _locked_balance(session, customer_id)  # lock first, then read `remaining`
    earning = await session.get(LedgerEntry, entry_id, populate_existing=True)
    if earning is None or earning.remaining <= 0:
        return
    points = min(earning.remaining, current)
    earning.remaining = 0
    balance_after = await change_balance(session, customer_id, -points)
    assert balance_after is not None, "the balance is locked and covers the points"
    append_entry(
        session,
        customer_id=customer_id,
        idempotency_key=f"expiry:{entry_id}",
        reason="expiry",
        delta=-points,
        balance_after=balance_after,
        now=now,
        note=f"earned {earning.created_at.date().isoformat()}",
    )
    await session.flush()


def append_entry(
    session: AsyncSession,
    *,
    customer_id: int,
    idempotency_key: str,
    reason: str,
    delta: int,
    balance_after: int,
    now: datetime,
    remaining: int = 0,
    expires_at: datetime | None = None,
    order_id: int | None = None,
    note: str = "",
    actor: str = "system",
) -> LedgerEntry:
    """Add one ledger row to the session, after `change_balance` gave `balance_after`; the caller flushes.

    Shared by every ledger writer here and in `actions.rewards`; the unique key makes a replay fail.
    """
    entry = LedgerEntry(
        customer_id=customer_id,
        idempotency_key=idempotency_key,
        reason=reason,
        delta=delta,
        balance_after=balance_after,
        remaining=remaining,
        expires_at=expires_at,
        order_id=order_id,
        note=note[:500],
        actor=actor[:64],
        created_at=now,
    )
    session.add(entry)
    return entry


async def _entry_with_key(session: AsyncSession, key: str) -> LedgerEntry | None:
    return await session.scalar(select(LedgerEntry).where(LedgerEntry.idempotency_key == key))


async def change_balance(session: AsyncSession, customer_id: int, delta: int) -> int | None:
    """Add `delta` unless the balance would leave 0..MAX_POINTS; the new balance, or None if refused/unknown."""
    statement = (
        update(Customer)
        .where(
            Customer.id == customer_id,
            Customer.points_balance + delta >= 0,
            Customer.points_balance + delta <= MAX_POINTS,
        )
        .values(points_balance=Customer.points_balance + delta)
        .returning(Customer.points_balance)
        .execution_options(synchronize_session=False)
    )
    new_balance = (await session.execute(statement)).scalar_one_or_none()
    if new_balance is not None:
        _refresh_loaded_balance(session, customer_id, new_balance)
    return new_balance


async def _locked_balance(session: AsyncSession, customer_id: int) -> int:
    """Lock the customer's balance for this transaction (a no-op UPDATE) and return it."""
    statement = (
        update(Customer)
        .where(Customer.id == customer_id)
        .values(points_balance=Customer.points_balance)
        .returning(Customer.points_balance)
        .execution_options(synchronize_session=False)
    )
    current = (await session.execute(statement)).scalar_one_or_none()
    if current is None:
        raise UnknownCustomer(f"no customer with id {customer_id}")
    return current


def _refresh_loaded_balance(session: AsyncSession, customer_id: int, value: int) -> None:
    """Keep an already loaded Customer object in step with the UPDATE that bypassed it."""
    loaded = session.sync_session.identity_map.get(identity_key(Customer, customer_id))
    if loaded is not None:
        set_committed_value(loaded, "points_balance", value)


async def consume_earnings(
    session: AsyncSession, customer_id: int, points: int, *, first_from_entry_id: int | None
) -> None:
    """Lower `remaining` of open earnings by `points`: the given entry first, then first expiring first.

    Called only after the customer's balance row was updated in this transaction, so no other writer
    touches these rows meanwhile.
    """
    open_earnings = (
        await session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.customer_id == customer_id, LedgerEntry.remaining > 0)
            .order_by(LedgerEntry.expires_at.asc().nulls_last(), LedgerEntry.id)
            .execution_options(populate_existing=True)
        )
    ).all()
    ordered = sorted(open_earnings, key=lambda entry: entry.id != first_from_entry_id)  # stable: FIFO kept
    left = points
    for earning in ordered:
        if left == 0:
            break
        taken = min(earning.remaining, left)
        earning.remaining -= taken
        left -= taken
    await session.flush()
