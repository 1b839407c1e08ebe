"""Ticket promises made in the chat are counted in the shop's business hours."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from actions.sla import BusinessHours, SlaTargets, parse_week
from bot.pipeline import Pipeline
from runtime.services import Services
from storage.engine import SessionFactory
from storage.models import Customer, Ticket
from tests.bot.conftest import Chat, text_of
from tests.support.fake_nlu import ScriptedNlu

SHANGHAI = ZoneInfo("Asia/Shanghai")
# NOW in the tests is 06:00 UTC on Monday 23 November 2026: 14:00 in Shanghai.
WEEKDAYS = BusinessHours(week=parse_week("mon-fri 9-18"), timezone=SHANGHAI)
TARGETS = SlaTargets(response_hours=8, vip_response_hours=2)


async def test_a_request_for_a_person_becomes_a_ticket_due_in_business_hours(
    services: Services, nlu: ScriptedNlu, shop: SessionFactory
) -> None:
    pipeline = Pipeline(replace(services, staff_group=False, business=WEEKDAYS, targets=TARGETS))
    nlu.say("我要人工", "request_human")
    asked = await Chat(pipeline, user_id=5001).say("我要人工")
    assert "2026-11-24 13:00" in text_of(asked)  # four hours on Monday, four on Tuesday

    vip = Chat(pipeline, user_id=5002)
    await vip.command("start")
    async with shop() as session, session.begin():
        await session.execute(update(Customer).where(Customer.telegram_user_id == 5002).values(tier_code="gold"))
    assert "2026-11-23 16:00" in text_of(await vip.say("我要人工"))  # VIP: two business hours
    async with shop() as session:
        promises = (await session.scalars(select(Ticket.sla_due_at).order_by(Ticket.id))).all()
    assert [due.astimezone(SHANGHAI).strftime("%d %H:%M") for due in promises] == ["24 13:00", "23 16:00"]
