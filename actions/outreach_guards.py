"""The rules every proactive message passes just before it is sent (checked then, not when it was planned).

Marketing (campaigns, greetings, re-engagement) needs consent and no opt-out, stays under a weekly cap per
customer and waits out quiet hours in the customer's time zone (held until morning, never dropped).
Service messages (points about to expire, a new tier) skip consent and the cap but still wait for morning.
Nobody erased, blocked or without a chat is ever messaged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Customer, Delivery


@dataclass(frozen=True)
class QuietHours:
    """No proactive message between `start` and `end` o'clock, local time (the range may cross midnight)."""

    start: int = 21
    end: int = 9

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        start, _, end = text.partition("-")
        return cls(start=int(start), end=int(end))

    def contains(self, local: datetime) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local.hour < self.end
        return local.hour >= self.start or local.hour < self.end

    def next_end(self, local: datetime) -> datetime:
        """The first moment after `local` at which quiet hours are over (same zone as `local`)."""
        morning = datetime.combine(local.date(), time(self.end), tzinfo=local.tzinfo)
        return morning if morning > local else morning + timedelta(days=1)


@dataclass(frozen=True)
class GuardPolicy:
    quiet_hours: QuietHours
    weekly_cap: int  # marketing messages per customer in any 7 days; 0 = none at all
    default_timezone: ZoneInfo


def customer_zone(customer: Customer, default: ZoneInfo) -> ZoneInfo:
    """The customer's own time zone when known and valid, else the shop's."""
    if customer.timezone:
        try:
            return ZoneInfo(customer.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return default
    return default


def refusal(customer: Customer, *, kind: str) -> str | None:
    """Why this customer may not get this kind of message at all (a skip reason), or None."""
    if customer.erased_at is not None:
        return "erased"
    if customer.blocked_bot:
        return "blocked"
    if customer.telegram_chat_id is None:
        return "no_chat"
    if kind == "marketing":
        if customer.opted_out_at is not None:
            return "opted_out"
        if not customer.marketing_consent:
            return "no_consent"
    return None


def held_until(customer: Customer, *, now: datetime, policy: GuardPolicy) -> datetime | None:
    """When quiet hours end for this customer if it is quiet there now (UTC), else None."""
    local = now.astimezone(customer_zone(customer, policy.default_timezone))
    if not policy.quiet_hours.contains(local):
        return None
    return policy.quiet_hours.next_end(local).astimezone(now.tzinfo)


async def marketing_sent_this_week(
    session: AsyncSession, *, customer_ids: Iterable[int], now: datetime
) -> dict[int, int]:
    """How many marketing messages each customer was sent (or may have been) in the last 7 days."""
    ids = list(customer_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(Delivery.customer_id, func.count())
        .where(
            Delivery.customer_id.in_(ids),
            Delivery.kind == "marketing",
            Delivery.status.in_(("sent", "sending", "unknown")),
            Delivery.sent_at >= now - timedelta(days=7),
        )
        .group_by(Delivery.customer_id)
    )
    return {customer_id: count for customer_id, count in rows.all()}
