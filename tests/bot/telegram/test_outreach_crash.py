"""A worker killed (SIGKILL) in the middle of a campaign, then another started: no customer gets the message
twice and none is left out; only the rows that were being sent at the kill are `unknown`.

The real `carebot worker` runs as a subprocess (Taskiq on the Redis Streams broker, the test database) against
the fake Bot API; it is killed once the fake has seen a share of the campaign. The second worker runs
`carebot worker --send-now`, which takes over the dead worker's rows once their lease lapses and exits when
nothing is left open. Rows are marked `sending` in groups just before they go out, so at most the sends in
flight (groups of SENDS_IN_FLIGHT in each of SENDING_LOOPS loops) can be `unknown`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from carebot.commands.worker import SENDING_LOOPS, SENDS_IN_FLIGHT
from storage.engine import SessionFactory
from storage.models import Delivery
from tests.support.fake_bot_api import FakeBotApi, FloodLimits
from tests.support.outreach import add_customers, empty_shop, start_campaign

RECIPIENTS = 400
RATE = 50  # messages a second: the campaign takes about 8 s, the kill comes after about 2
LEASE_SECONDS = 2


@pytest.fixture
def shared_redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("needs a Redis server the worker processes share (TEST_REDIS_URL); `.ci/run` sets it")
    return url


def worker_environment(api: FakeBotApi, *, database_url: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "CAREBOT_ENV": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_BASE_URL": api.base_url,
        "OUTREACH_RATE_PER_SECOND": str(RATE),
        "OUTREACH_LEASE_SECONDS": str(LEASE_SECONDS),
        "QUIET_HOURS": "0-0",
        "MARKETING_PER_WEEK": "5",
    }


async def test_a_worker_killed_mid_campaign_leaves_no_duplicate_and_no_gap(
    session_factory: SessionFactory, database_url: str, shared_redis_url: str, tmp_path: Path
) -> None:
    await empty_shop(session_factory)
    chats = await add_customers(session_factory, RECIPIENTS, first_chat=100_000)
    await start_campaign(session_factory)
    log = tmp_path / "worker.log"

    async with FakeBotApi() as api:
        api.enforce_flood_limits(FloodLimits(overall_per_second=RATE))
        env = worker_environment(api, database_url=database_url, redis_url=shared_redis_url)
        with log.open("ab") as output:
            first = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "carebot", "worker", env=env, stdout=output, stderr=subprocess.STDOUT
            )
        try:
            await api.wait_for("sendMessage", count=RECIPIENTS // 4, timeout=60)
        finally:
            first.send_signal(signal.SIGKILL)
            await first.wait()
        killed_after = len(api.sent_messages())
        with log.open("ab") as errors:
            second = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "carebot", "worker", "--send-now", env=env, stdout=subprocess.PIPE, stderr=errors
            )
            output, _ = await asyncio.wait_for(second.communicate(), timeout=120)
        assert second.returncode == 0, log.read_text()

    per_chat = Counter(int(params["chat_id"]) for params in api.sent_messages())
    async with session_factory() as session:
        rows = (await session.execute(select(Delivery.status, Delivery.customer_id))).all()
    statuses = Counter(status for status, _ in rows)
    assert set(statuses) <= {"sent", "unknown"}, f"nothing left open or failed: {statuses}"
    assert statuses["unknown"] <= SENDS_IN_FLIGHT * SENDING_LOOPS, "only the sends in flight are unknown"
    assert max(per_chat.values()) == 1, "no customer got the message twice"
    assert len(per_chat) >= statuses["sent"] and set(per_chat) <= set(chats)
    assert RECIPIENTS // 4 <= killed_after < RECIPIENTS, "the kill came mid-campaign"
    assert statuses["sent"] + statuses["unknown"] == RECIPIENTS and b"sent" in output
