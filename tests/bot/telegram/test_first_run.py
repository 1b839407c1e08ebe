"""The production path where a real operator starts: an empty database, no demo data, the README's commands.

`carebot db upgrade` -> `carebot import customers` -> `carebot import orders` (subprocesses, as typed) ->
a known and an unknown customer chat through the real Application (fake Bot API, real NLU server) ->
points, tickets and logged turns are right.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.telegram.app import build_application, running
from runtime.settings import Settings
from storage.engine import SessionFactory, create_engine, create_session_factory
from storage.models import Customer, MessageLog, Product, Ticket
from tests.bot.telegram.harness import Conversation, UpdateTracker, button_data, texts
from tests.support.database import fresh_database
from tests.support.fake_bot_api import FakeBotApi

pytestmark = pytest.mark.nlu

KNOWN, UNKNOWN = 777001, 777002
CUSTOMERS_CSV = (
    "external_id,name,phone,telegram_user_id,language,birthday,tags\n"
    f"S-1,Ann Lee,+8613800138000,{KNOWN},en,1990-03-05,vip\n"
    "S-2,张伟,,,zh,,\n"
)
ORDERS_CSV = (
    "order_id,customer_external_id,amount,currency,ordered_at,status\n"
    "W-100,S-1,500.00,CNY,2026-11-01T10:00:00+08:00,paid\n"
    "W-101,S-2,80.00,CNY,2026-11-02T10:00:00+08:00,paid\n"
)


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A database nobody ever migrated or seeded (PostgreSQL in CI, SQLite locally)."""
    with fresh_database(tmp_path) as url:
        yield url


def carebot(url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """One README command, as an operator types it."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "carebot", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


async def operator_setup(url: str, cwd: Path) -> None:
    (cwd / "customers.csv").write_text(CUSTOMERS_CSV, encoding="utf-8")
    (cwd / "orders.csv").write_text(ORDERS_CSV, encoding="utf-8")
    for command in (("db", "upgrade"), ("import", "customers", "customers.csv"), ("import", "orders", "orders.csv")):
        result = await asyncio.to_thread(carebot, url, cwd, *command)
        assert result.returncode == 0, f"carebot {' '.join(command)}: {result.stderr}"


async def complain(chat: Conversation, text: str, tickets: SessionFactory) -> None:
    """Walk the complaint flow: the first offered button at each step, the text when asked."""
    replies = await chat.say("I want to make a complaint")
    for _ in range(8):
        async with tickets() as session:
            if await session.scalar(select(func.count(Ticket.id))):
                return
        buttons = [data for reply in replies for data in button_data(reply)]
        replies = await chat.press(buttons[0]) if buttons else await chat.say(text)


async def test_a_fresh_install_serves_known_and_unknown_customers(
    empty_database: str, tmp_path: Path, fake_bot_api: FakeBotApi, nlu_server: str, redis_url: str, redis: object
) -> None:
    await operator_setup(empty_database, tmp_path)
    settings = Settings(
        environment="test",
        DATABASE_URL=empty_database,
        REDIS_URL=redis_url,
        NLU_URL=nlu_server,
        TELEGRAM_BOT_TOKEN=fake_bot_api.token,
        TELEGRAM_BASE_URL=fake_bot_api.base_url,
    )
    application = build_application(settings)
    tracker = UpdateTracker()
    tracker.install(application)
    engine = create_engine(empty_database)
    crm = create_session_factory(engine)
    try:
        async with running(application, polling=True, poll_timeout=5):
            known = Conversation(fake_bot_api, tracker, KNOWN, "en")
            stranger = Conversation(fake_bot_api, tracker, UNKNOWN, "zh")
            balance = await known.say("how many points do I have")
            hello = await stranger.say("你好")
            await complain(known, "The kettle I bought stopped working after two days", crm)

        assert "500" in texts(balance)
        assert hello and any(button_data(reply) for reply in hello)
        async with crm() as session:
            assert await session.scalar(select(func.count()).select_from(Product)) == 0  # no demo data anywhere
            ann = await session.scalar(select(Customer).where(Customer.external_id == "S-1"))
            new = await session.scalar(select(Customer).where(Customer.telegram_user_id == UNKNOWN))
            assert ann is not None and ann.points_balance == 500 and ann.tier_code == "basic"
            assert new is not None and new.points_balance == 0 and new.tier_code == "basic"
            [ticket] = (await session.scalars(select(Ticket))).all()
            assert ticket.customer_id == ann.id and "kettle" in ticket.description
            rows = await session.execute(select(MessageLog.customer_id, func.count()).group_by(MessageLog.customer_id))
            turns = {customer_id: count for customer_id, count in rows}
            assert turns[ann.id] >= 4 and turns[new.id] >= 2  # each message in and each reply out
    finally:
        await engine.dispose()
