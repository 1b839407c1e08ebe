"""Orders from the shop (CSV import, HTTP API, demo): recorded once, points credited once, reversed on refund.

Idempotent by (source, order_id): the same order sent again changes nothing; a later refund or
cancellation of a paid order takes back exactly the points it earned (as far as the balance holds).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.customers import get_customer
from actions.errors import DomainError
from actions.points import credit, debit
from actions.rules import MAX_POINTS, LoyaltyRules
from actions.tiers import evaluate_upgrade
from storage.models import ORDER_STATUSES, Customer, LedgerEntry, Order, Tier

# Orders dated later than now by more than this are refused (the shop's clock may run a little ahead).
CLOCK_SKEW = timedelta(minutes=5)
MAX_AMOUNT = Decimal("9999999999.99")  # the orders.amount column: Numeric(12, 2)


class InvalidOrder(DomainError):
    """One of the order's values breaks a rule; `field` names it (status, amount, currency, ordered_at)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class OrderConflict(DomainError):
    """The order was recorded before with values that cannot change (customer, amount, a reopened refund)."""


@dataclass(frozen=True)
class OrderOutcome:
    order: Order
    created: bool
    changed: bool
    points_delta: int
    upgraded_to: Tier | None = None
    referral_bonus: int = 0


async def record_order(
    *,
    session: AsyncSession,
    rules: LoyaltyRules,
    source: str,
    order_id: str,
    customer_id: int,
    amount: Decimal,
    currency: str,
    ordered_at: datetime,
    status: str,
    now: datetime,
    delivered_at: datetime | None = None,
) -> OrderOutcome:
    """Create or update one order and apply its points; see the module docstring for the rules.

    `delivered_at`, when the shop knows it, starts the return window; sent later for a known order it is
    recorded (a change without points)."""
    currency = currency.upper()
    _check_values(rules=rules, amount=amount, currency=currency, ordered_at=ordered_at, status=status, now=now)
    if delivered_at is not None and not ordered_at <= delivered_at <= now + CLOCK_SKEW:
        raise InvalidOrder("delivered_at", "must lie between the order date and now")
    existing = await session.scalar(select(Order).where(Order.source == source, Order.order_id == order_id))
    if existing is None:
        return await _create(
            session,
            rules=rules,
            order=Order(
                source=source,
                order_id=order_id,
                customer_id=customer_id,
                amount=amount,
                currency=currency,
                ordered_at=ordered_at,
                status=status,
                delivered_at=delivered_at,
                created_at=now,
            ),
            now=now,
        )
    _check_unchanged_facts(existing, customer_id=customer_id, amount=amount)
    delivered = delivered_at is not None and existing.delivered_at != delivered_at
    if delivered:
        existing.delivered_at, existing.updated_at = delivered_at, now
        await session.flush()
    if existing.status == status:
        return OrderOutcome(order=existing, created=False, changed=delivered, points_delta=0)
    if status == "paid":
        raise OrderConflict(f"order {order_id} was {existing.status}; it cannot be paid again")
    reversed_points = 0
    if existing.status == "paid":
        reversed_points = await _reverse_order_points(session, order=existing, now=now)
    existing.status = status
    existing.updated_at = now
    await session.flush()
    return OrderOutcome(order=existing, created=False, changed=True, points_delta=-reversed_points)


async def find_order(*, session: AsyncSession, customer_id: int, order_id: str) -> Order | None:
    """The customer's order by the shop's order number (another customer's order is never shown)."""
    return await session.scalar(
        select(Order)
        .where(Order.customer_id == customer_id, Order.order_id == order_id.strip())
        .order_by(Order.ordered_at.desc())
        .limit(1)
    )


async def recent_orders(*, session: AsyncSession, customer_id: int, limit: int = 3) -> list[Order]:
    """The customer's latest orders, newest first."""
    query = (
        select(Order)
        .where(Order.customer_id == customer_id)
        .order_by(Order.ordered_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


def credit_key(order: Order) -> str:
    return f"order:{order.source}:{order.order_id}"


def reversal_key(order: Order) -> str:
    return f"order-reversal:{order.source}:{order.order_id}"


def _check_values(
    *, rules: LoyaltyRules, amount: Decimal, currency: str, ordered_at: datetime, status: str, now: datetime
) -> None:
    if status not in ORDER_STATUSES:
        raise InvalidOrder("status", f"must be one of {', '.join(ORDER_STATUSES)}")
    if not amount.is_finite() or amount < 0:
        raise InvalidOrder("amount", "must be a non-negative number")
    if amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        raise InvalidOrder("amount", f"expected at most {MAX_AMOUNT} with at most two decimals")
    if currency not in rules.points_per_unit:
        taken = ", ".join(sorted(rules.points_per_unit)) or "none"
        raise InvalidOrder("currency", f"{currency} is not a currency the shop takes ({taken}; see [currencies])")
    if ordered_at < rules.opened_at:
        raise InvalidOrder("ordered_at", f"before the shop opened ({rules.opened_at.date().isoformat()})")
    if ordered_at > now + CLOCK_SKEW:
        raise InvalidOrder("ordered_at", "lies in the future")


def _check_unchanged_facts(order: Order, *, customer_id: int, amount: Decimal) -> None:
    if order.customer_id != customer_id:
        raise OrderConflict(f"order {order.order_id} belongs to another customer")
    if Decimal(order.amount) != amount:
        raise OrderConflict(f"order {order.order_id} was recorded with amount {order.amount}")


async def _create(session: AsyncSession, *, rules: LoyaltyRules, order: Order, now: datetime) -> OrderOutcome:
    customer = await get_customer(session=session, customer_id=order.customer_id)
    session.add(order)
    await session.flush()
    if order.status != "paid":
        return OrderOutcome(order=order, created=True, changed=True, points_delta=0)
    points = await _credit_order_points(session, rules=rules, customer=customer, order=order, now=now)
    bonus = await _pay_referral_bonus(session, rules=rules, customer=customer, now=now)
    upgraded = await evaluate_upgrade(session=session, customer=customer, now=now)
    return OrderOutcome(
        order=order, created=True, changed=True, points_delta=points, upgraded_to=upgraded, referral_bonus=bonus
    )


async def _credit_order_points(
    session: AsyncSession, *, rules: LoyaltyRules, customer: Customer, order: Order, now: datetime
) -> int:
    """Points at the customer's tier before this order (an upgrade applies from the next order on)."""
    tier = await session.get(Tier, customer.tier_code)
    multiplier = tier.multiplier if tier is not None else Decimal(1)
    points = rules.order_points(amount=Decimal(order.amount), currency=order.currency, multiplier=multiplier)
    if points <= 0:
        return 0
    if points > MAX_POINTS:
        raise InvalidOrder("amount", f"would earn {points} points; one order earns at most {MAX_POINTS}")
    entry = await credit(
        session=session,
        customer_id=customer.id,
        points=points,
        reason="order",
        idempotency_key=credit_key(order),
        rules=rules,
        now=now,
        note=f"{order.source} {order.order_id}",
        order_id=order.id,
        earned_at=min(order.ordered_at, now),
    )
    return entry.delta if entry is not None else 0


async def _reverse_order_points(session: AsyncSession, *, order: Order, now: datetime) -> int:
    """Take back the points the order earned, its own unspent points first; returns what was taken."""
    earned = await session.scalar(select(LedgerEntry).where(LedgerEntry.idempotency_key == credit_key(order)))
    if earned is None:
        return 0
    entry = await debit(
        session=session,
        customer_id=order.customer_id,
        points=earned.delta,
        reason="order_reversal",
        idempotency_key=reversal_key(order),
        now=now,
        note=f"{order.status} {order.source} {order.order_id}",
        order_id=order.id,
        partial=True,
        first_from_entry_id=earned.id,
    )
    if entry is None:
        return 0
    if -entry.delta < earned.delta:
        entry.note = f"{entry.note}; reversed {-entry.delta} of {earned.delta} (the rest was already spent)"[:500]
        await session.flush()
    return -entry.delta


async def _pay_referral_bonus(session: AsyncSession, *, rules: LoyaltyRules, customer: Customer, now: datetime) -> int:
    """On a referred customer's first paid order, both they and the referrer get the bonus, once."""
    if customer.referred_by_id is None or rules.referral_bonus <= 0:
        return 0
    paid_orders = await session.scalar(
        select(func.count()).select_from(Order).where(Order.customer_id == customer.id, Order.status == "paid")
    )
    if paid_orders != 1:
        return 0
    paid = 0
    for beneficiary, role in ((customer.id, "new"), (customer.referred_by_id, "referrer")):
        referrer = await session.get(Customer, beneficiary)
        if referrer is None or referrer.erased_at is not None:
            continue
        entry = await credit(
            session=session,
            customer_id=beneficiary,
            points=rules.referral_bonus,
            reason="referral",
            idempotency_key=f"referral:{customer.id}:{role}",
            rules=rules,
            now=now,
            note=f"referral of customer {customer.id}",
        )
        if entry is not None and beneficiary == customer.id:
            paid = entry.delta
    return paid
