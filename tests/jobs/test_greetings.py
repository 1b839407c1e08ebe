"""The greetings job: occasions kept for five years, greetings and birthday wishes planned once however
often and on however many workers it runs, and sent once by the outreach sender."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from actions.deliveries import Outcome, Outgoing
from actions.festivals import FESTIVALS
from actions.outreach_guards import GuardPolicy, QuietHours
from actions.rules import LoyaltyRules
from jobs.greetings import plan_care_greetings
from jobs.outreach import OutreachSender
from storage.engine import SessionFactory
from storage.models import Delivery, LedgerEntry, Occasion
from tests.support.loyalty import make_customer

SHANGHAI = ZoneInfo("Asia/Shanghai")
LATE = timedelta(hours=6)
RULES = LoyaltyRules(birthday_bonus=100)


async def run(session_factory: SessionFactory, now: datetime) -> dict[str, int]:
    return await plan_care_greetings(
        session_factory=session_factory, now=now, shop_zone=SHANGHAI, late_window=LATE, rules=RULES
    )


async def add_customers(session_factory: SessionFactory) -> dict[str, int]:
    """Chat ids 11-14: Shanghai, London, one without consent, one born on 1 January (shop zone)."""
    people: dict[str, dict[str, object]] = {
        "shanghai": {"name": "王芳", "language": "zh", "telegram_chat_id": 11, "marketing_consent": True},
        "london": {"name": "Emma", "language": "en", "timezone": "Europe/London", "telegram_chat_id": 12,
                   "marketing_consent": True},
        "no_consent": {"name": "李雷", "language": "zh", "telegram_chat_id": 13},
        "birthday": {"name": "张伟", "language": "zh", "birthday": date(1992, 1, 1), "telegram_chat_id": 14,
                     "marketing_consent": True},
    }  # fmt: skip
    async with session_factory() as session, session.begin():
        return {key: (await make_customer(session, **values)).id for key, values in people.items()}  # type: ignore[arg-type]


async def test_planning_twice_and_on_two_workers_plans_each_greeting_once(session_factory: SessionFactory) -> None:
    ids = await add_customers(session_factory)
    now = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)  # New Year's Day is tomorrow everywhere
    first = await run(session_factory, now)
    assert first == {"occasions_added": 5 * len(FESTIVALS), "greetings": 3, "birthday_bonuses": 0, "birthday_wishes": 0}
    again = await asyncio.gather(run(session_factory, now), run(session_factory, now + timedelta(minutes=5)))
    assert [report["greetings"] + report["occasions_added"] for report in again] == [0, 0]

    async with session_factory() as session:
        years = await session.execute(select(Occasion.year, func.count()).group_by(Occasion.year))
        assert {year: count for year, count in years} == {year: len(FESTIVALS) for year in range(2026, 2031)}
        rows = (await session.execute(select(Delivery.source, Delivery.customer_id, Delivery.not_before))).all()
    assert sorted((source, customer, at) for source, customer, at in rows) == [
        ("occasion:new_year:2027", ids["shanghai"], datetime(2027, 1, 1, 1, 0, tzinfo=UTC)),
        ("occasion:new_year:2027", ids["london"], datetime(2027, 1, 1, 9, 0, tzinfo=UTC)),
        ("occasion:new_year:2027", ids["birthday"], datetime(2027, 1, 1, 1, 0, tzinfo=UTC)),
    ]


async def test_birthday_on_two_workers_one_bonus_one_wish(session_factory: SessionFactory) -> None:
    ids = await add_customers(session_factory)
    now = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # 1 January 01:00 in Shanghai
    reports = await asyncio.gather(run(session_factory, now), run(session_factory, now))
    assert sum(report["birthday_bonuses"] for report in reports) == 1
    assert sum(report["birthday_wishes"] for report in reports) == 1
    async with session_factory() as session:
        keys = await session.scalars(select(LedgerEntry.idempotency_key))
        assert list(keys) == [f"birthday:{ids['birthday']}:2027"]
        wishes = await session.scalars(select(Delivery.customer_id).where(Delivery.source == "birthday:2027"))
        assert list(wishes) == [ids["birthday"]]


async def test_each_greeting_is_sent_once_at_the_local_morning(session_factory: SessionFactory) -> None:
    ids = await add_customers(session_factory)
    await run(session_factory, datetime(2026, 12, 31, 12, 0, tzinfo=UTC))
    await run(session_factory, datetime(2026, 12, 31, 20, 0, tzinfo=UTC))
    sent: list[tuple[int, datetime]] = []
    clock = [datetime(2027, 1, 1, 1, 0, tzinfo=UTC)]

    async def transport(item: Outgoing) -> Outcome:
        sent.append((item.chat_id, clock[0]))
        return Outcome(delivery_id=item.delivery_id, status="sent", telegram_message_id=len(sent))

    policy = GuardPolicy(quiet_hours=QuietHours(21, 9), weekly_cap=2, default_timezone=SHANGHAI)
    sender = OutreachSender(
        session_factory=session_factory, transport=transport, policy=policy, worker="w1", clock=lambda: clock[0]
    )
    await sender.send_due()
    # 09:00 in Shanghai: the New Year greetings and 张伟's birthday wish; nothing yet in London.
    assert sorted(sent) == [(11, clock[0]), (14, clock[0]), (14, clock[0])]
    clock[0] = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
    await run(session_factory, clock[0])
    await sender.send_due()
    await sender.send_due()
    assert len(sent) == 4 and sent[-1] == (12, datetime(2027, 1, 1, 9, 0, tzinfo=UTC))  # 09:00 in London
    async with session_factory() as session:
        statuses = await session.execute(select(Delivery.customer_id, Delivery.status))
        assert sorted(statuses) == sorted(
            [(ids["shanghai"], "sent"), (ids["london"], "sent"), (ids["birthday"], "sent"), (ids["birthday"], "sent")]
        )
