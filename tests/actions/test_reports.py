"""Reports: waits, handling, SLA met, CSAT and its distribution, by agent and category; CSV cells made inert."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from actions import handoff
from actions.reports import build_report, conversation_rows, csv_cell
from actions.sla import BusinessHours, SlaTargets
from actions.staff import add_staff
from actions.ticket_desk import change_status
from actions.tickets import create_ticket, rate_ticket
from tests.support.loyalty import NOW, make_customer

SHANGHAI = ZoneInfo("Asia/Shanghai")
ALWAYS_OPEN = BusinessHours.daily(opens=0, closes=24, days=range(1, 8), timezone=SHANGHAI)


async def test_the_report_of_a_period(session: AsyncSession) -> None:
    lily, _ = await add_staff(session=session, name="Lily", role="agent", telegram_user_id=1, actor="t", now=NOW)
    first, second = await make_customer(session), await make_customer(session, name="Bo")
    for customer, wait, rating in ((first, 4, 5), (second, 10, 3)):
        chat, _ = await handoff.request_handoff(session=session, customer_id=customer.id, reason="", now=NOW)
        await handoff.claim_handoff(
            session=session, handoff_id=chat.id, staff_id=lily.id, now=NOW + timedelta(minutes=wait)
        )
        await handoff.close_handoff(session=session, handoff_id=chat.id, now=NOW + timedelta(minutes=30))
        await handoff.rate_handoff(session=session, customer_id=customer.id, handoff_id=chat.id, rating=rating, now=NOW)
    on_time = await create_ticket(
        session=session, customer_id=first.id, category="quality", description="x", order_ref=None, now=NOW
    )
    late = await create_ticket(
        session=session, customer_id=second.id, category="delivery", description="y", order_ref=None, now=NOW
    )
    await change_status(
        session=session, ticket_id=on_time.id, status="resolved", staff=lily, now=NOW + timedelta(hours=2)
    )
    await rate_ticket(session=session, customer_id=first.id, ticket_id=on_time.id, rating=4, now=NOW)
    await change_status(
        session=session, ticket_id=late.id, status="in_progress", staff=lily, now=NOW + timedelta(hours=30)
    )

    report = await build_report(
        session=session, since=NOW - timedelta(days=1), until=NOW + timedelta(days=1), timezone=SHANGHAI,
        business=ALWAYS_OPEN, targets=SlaTargets(resolution_hours=24), now=NOW + timedelta(hours=31),
    )  # fmt: skip
    assert (report.chats.count, report.chats.first_response_minutes, report.chats.csat_average) == (2, 7.0, 4.0)
    assert report.by_agent["Lily"].count == 2
    assert report.tickets.count == 2 and report.tickets.sla_met_percent == 50.0  # one on time, one overdue
    assert report.csat_distribution == {1: 0, 2: 0, 3: 1, 4: 1, 5: 1}
    assert report.by_category["quality"].resolution_hours == 2.0
    assert sum(report.chats_per_day.values()) == 2

    rows = await conversation_rows(session=session, since=NOW - timedelta(days=1), until=NOW + timedelta(days=1))
    assert [(row.agent, row.wait_minutes, row.handling_minutes, row.rating) for row in rows] == [
        ("Lily", 4.0, 26.0, 5),
        ("Lily", 10.0, 20.0, 3),
    ]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Lily", "Lily"),
        (None, ""),
        (5, "5"),
    ],
)
def test_csv_cells_cannot_be_formulas(value: object, cell: str) -> None:
    assert csv_cell(value) == cell
