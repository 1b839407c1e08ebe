"""The overdue-ticket job announces each overdue ticket once, in the shop's time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from actions.sla import BusinessHours, SlaTargets
from actions.ticket_desk import OverdueTicket
from actions.tickets import create_ticket
from jobs.tickets import announce_overdue_tickets, ticket_jobs
from storage.engine import SessionFactory
from tests.support.loyalty import NOW, make_customer

SHANGHAI = ZoneInfo("Asia/Shanghai")
ALWAYS_OPEN = BusinessHours.daily(opens=0, closes=24, days=range(1, 8), timezone=SHANGHAI)


async def test_overdue_tickets_are_announced_once(session_factory: SessionFactory) -> None:
    async with session_factory() as session, session.begin():
        customer = await make_customer(session)
        ticket = await create_ticket(
            session=session, customer_id=customer.id, category="delivery", description="late", order_ref=None, now=NOW,
            business=ALWAYS_OPEN, targets=SlaTargets(response_hours=24),
        )  # fmt: skip
    announced: list[Sequence[OverdueTicket]] = []

    async def announce(tickets: Sequence[OverdueTicket]) -> None:
        announced.append(tickets)

    async def run(hours: int) -> int:
        return await announce_overdue_tickets(
            session_factory=session_factory, now=NOW + timedelta(hours=hours), timezone=SHANGHAI,
            business=ALWAYS_OPEN, targets=SlaTargets(), announce=announce,
        )  # fmt: skip

    assert [await run(1), await run(25), await run(26)] == [0, 1, 0]
    due = (NOW + timedelta(hours=24)).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert announced == [[OverdueTicket(ticket_id=ticket.id, category="delivery", priority=3, due=due)]]


async def test_the_worker_schedules_the_check_every_five_minutes(session_factory: SessionFactory) -> None:
    calls: list[Sequence[OverdueTicket]] = []

    async def announce(tickets: Sequence[OverdueTicket]) -> None:
        calls.append(tickets)

    (job,) = ticket_jobs(
        session_factory, timezone=SHANGHAI, business=ALWAYS_OPEN, targets=SlaTargets(), announce=announce
    )
    assert (job.name, job.cron) == ("announce_overdue_tickets", "*/5 * * * *")
    assert await job.body(NOW) == 0 and calls == []
