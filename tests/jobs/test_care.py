"""Care jobs plan into the ledger a page at a time: a crash keeps the pages done and a rerun adds only the rest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jobs.care import plan_reengagement_run, plan_service_reminders
from runtime.settings import OutreachSettings
from storage.engine import SessionFactory
from storage.models import Delivery
from tests.support.care import NOW, care_customer, earn, order

SETTINGS = OutreachSettings(**{"REENGAGEMENT_HOLDOUT_PERCENT": 0, "REENGAGEMENT_INACTIVE_DAYS": 60})


async def _rows(session_factory: SessionFactory) -> dict[str, int]:
    async with session_factory() as session:
        rows = await session.execute(select(Delivery.source, func.count()).group_by(Delivery.source))
        return {source: count for source, count in rows}


class CrashingFactory:
    """Sessions from the real factory until the `fail_at`-th, which cannot be opened (the database is gone)."""

    def __init__(self, factory: SessionFactory, fail_at: int) -> None:
        self.factory, self.fail_at, self.opened = factory, fail_at, 0

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        self.opened += 1
        if self.opened == self.fail_at:
            raise ConnectionError("worker lost the database")
        async with self.factory() as session:
            yield session


async def test_reengagement_commits_page_by_page_and_a_rerun_completes_it(session_factory: SessionFactory) -> None:
    async with session_factory() as session, session.begin():
        for user_id in range(1, 8):
            await care_customer(session, user_id=user_id)
        await care_customer(session, user_id=99, seen_days_ago=3)
    crashing: Any = CrashingFactory(session_factory, fail_at=3)
    with pytest.raises(ConnectionError):
        await plan_reengagement_run(session_factory=crashing, now=NOW, settings=SETTINGS, batch_size=3)
    assert await _rows(session_factory) == {"reengagement:2026-12-02": 6}
    rerun = await plan_reengagement_run(session_factory=session_factory, now=NOW, settings=SETTINGS, batch_size=3)
    assert rerun == {"source": "reengagement:2026-12-02", "selected": 1, "messaged": 1, "holdout": 0}
    again = await plan_reengagement_run(session_factory=session_factory, now=NOW, settings=SETTINGS, batch_size=3)
    assert again["selected"] == 0
    assert await _rows(session_factory) == {"reengagement:2026-12-02": 7}


async def test_the_run_is_named_by_the_shops_date_and_holds_out_its_share(session_factory: SessionFactory) -> None:
    async with session_factory() as session, session.begin():
        for user_id in range(1, 41):
            await care_customer(session, user_id=user_id)
    evening = NOW - timedelta(hours=6)  # 20:00 UTC on 1 December is 2 December in Shanghai
    settings = OutreachSettings(**{"REENGAGEMENT_HOLDOUT_PERCENT": 25})
    report = await plan_reengagement_run(
        session_factory=session_factory, now=evening, settings=settings, zone=ZoneInfo("Asia/Shanghai")
    )
    assert report["source"] == "reengagement:2026-12-02"
    assert report["selected"] == 40 and report["holdout"] == 40 - report["messaged"] and report["holdout"] > 0


async def test_service_reminders_plan_expiry_and_upgrades_once(session_factory: SessionFactory) -> None:
    async with session_factory() as session, session.begin():
        for user_id in (1, 2, 3):
            customer = await care_customer(session, user_id=user_id, consent=False)
            await earn(session, customer, 50, expires_in_days=12, key=f"e{user_id}")
        upgraded = await care_customer(session, user_id=4)
        await order(session, upgraded, "SO-4", "2500", at=NOW - timedelta(hours=3))
    first = await plan_service_reminders(session_factory=session_factory, now=NOW, settings=SETTINGS, batch_size=2)
    assert first == {"expiry_reminders": 3, "tier_congratulations": 1}
    tomorrow = NOW + timedelta(days=1)
    second = await plan_service_reminders(session_factory=session_factory, now=tomorrow, settings=SETTINGS)
    assert second == {"expiry_reminders": 0, "tier_congratulations": 0}
    rows = await _rows(session_factory)
    assert rows.pop("expiry:2026-12") == 3 and list(rows.values()) == [1]
    assert next(iter(rows)).startswith("tier_upgrade:")
