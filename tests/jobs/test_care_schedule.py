"""The worker's proactive schedule: the minute tick starts due campaigns and wakes senders through the task
queue; the care jobs run at their hours in the shop's zone; a fire queued by every worker runs once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from redis.asyncio import Redis
from sqlalchemy import func, select
from taskiq import InMemoryBroker

from actions import campaigns
from jobs.care_schedule import CareSchedule, outreach_jobs, outreach_tick
from jobs.engine import SEND_DUE
from runtime.services import loyalty_rules
from runtime.settings import Settings
from storage.engine import SessionFactory
from storage.models import Campaign, Delivery
from tests.support.outreach import add_customers, empty_shop

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_the_tick_starts_a_due_campaign_and_wakes_a_sender(session_factory: SessionFactory) -> None:
    await empty_shop(session_factory)
    await add_customers(session_factory, 3, first_chat=100)
    now = datetime(2026, 12, 12, 2, 0, tzinfo=UTC)
    draft = campaigns.parse_draft({"name": "双十二", "text_zh": "好", "text_en": "hi"})
    async with session_factory() as session, session.begin():
        later = await campaigns.create_campaign(session, draft=draft, actor="t", now=now)
        await campaigns.schedule(session, campaign=later, at=now + timedelta(minutes=1), now=now)
    broker = InMemoryBroker()
    wakes: list[str] = []

    async def send_due() -> None:
        wakes.append("send_due")

    broker.register_task(send_due, task_name=SEND_DUE)
    assert await outreach_tick(session_factory=session_factory, broker=broker, now=now, senders=2) == 0
    assert wakes == [], "not yet time: nothing started, nobody woken"
    due = await outreach_tick(session_factory=session_factory, broker=broker, now=now + timedelta(minutes=1), senders=2)
    await broker.wait_all()

    assert due == 3 and wakes == ["send_due"]
    async with session_factory() as session:
        assert await session.scalar(select(Campaign.status)) == "sending"
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 3


async def test_the_care_jobs_run_at_their_hours_in_the_shop_zone(session_factory: SessionFactory, redis: Redis) -> None:
    settings = Settings(environment="test")
    care = CareSchedule(shop_zone=SHANGHAI, rules=loyalty_rules(settings), settings=settings.outreach)
    jobs = {job.name: job.cron for job in outreach_jobs(session_factory, InMemoryBroker(), care)}
    assert jobs == {
        "outreach_tick": "* * * * *",
        "care_greetings": "5 * * * *",
        "reengagement": "0 10 * * *",
        "service_reminders": "30 10 * * *",
    }
