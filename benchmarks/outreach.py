"""Outreach at shop scale: the achieved send rate against the configured limit, and building a segment's
audience from a million customers.

Run on purpose (not in CI)::

    # send rate: N recipients at R messages a second, K `carebot worker --send-now` processes sharing Redis
    .venv/bin/python -m benchmarks.outreach send --recipients 3000 --rate 30 \\
        --postgres postgresql://root@127.0.0.1:5432/test --redis-url redis://127.0.0.1:6379/9
    .venv/bin/python -m benchmarks.outreach send --recipients 100000 --rate 1000 --paid --workers 2 ...
    # audience: on the 1M-customer database of benchmarks.loyalty (built there, or here with --build)
    .venv/bin/python -m benchmarks.outreach audience --server postgresql://root@127.0.0.1:5432/postgres

Send rate: the fake Bot API runs in its own process and enforces the same limit (429 beyond it); the
workers are the real command, started as an operator would. Achieved rate = accepted sends after the
first ÷ seconds from the first to the last accepted send; the ratio to the limit should be ≥ 0.98 with
no 429 answered. Audience: one campaign per value segment, timed from scheduling to its rows being in
the ledger (`start_due_campaigns`, one INSERT … SELECT); target ≤ 10 s. The preview (the audience counted,
samples rendered) is timed too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from actions import campaigns
from benchmarks.loyalty import BUILD_SQL, build, database_url
from jobs.loyalty import recompute_segments
from storage import migrate
from storage.engine import create_engine, create_session_factory
from storage.models import Customer, Delivery
from storage.redis_state import connect_redis
from tests.support.database import fresh_database
from tests.support.outreach import empty_shop, start_campaign

SEGMENTS = ("vip", "active", "occasional", "at_risk", "lapsed", "new")
AUDIENCE_TABLES = [
    statement for statement in BUILD_SQL if "points_ledger" not in statement and "messages" not in statement
]


async def seed(url: str, recipients: int, *, paid: bool) -> None:
    engine = create_engine(url)
    try:
        factory = create_session_factory(engine)
        await empty_shop(factory)
        async with factory() as session, session.begin():
            for start in range(0, recipients, 10_000):
                rows = [
                    {
                        "telegram_user_id": chat,
                        "telegram_chat_id": chat,
                        "name": f"顾客{chat}",
                        "language": "zh",
                        "marketing_consent": True,
                        "tier_code": "basic",
                        "points_balance": chat % 500,
                    }
                    for chat in range(1_000_000 + start, 1_000_000 + min(start + 10_000, recipients))
                ]
                await session.execute(insert(Customer), rows)
        fields: dict[str, Any] = {"paid_broadcast": True, "paid_cap": recipients} if paid else {}
        await start_campaign(factory, **fields)
    finally:
        await engine.dispose()


def start_fake(rate: float) -> tuple[subprocess.Popen[str], dict[str, str]]:
    fake = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.fake_telegram", "--rate", str(rate), "--paid-rate", str(rate)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert fake.stdout is not None
    return fake, json.loads(fake.stdout.readline())


def run_workers(count: int, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds until every worker is done, and the CPU seconds they used together (a figure the
    machine's other load hardly changes, unlike the achieved rate)."""
    started = time.perf_counter()
    workers = [
        subprocess.Popen([sys.executable, "-m", "carebot", "worker", "--send-now"], env=env) for _ in range(count)
    ]
    cpu = 0.0
    for worker in workers:
        _, status, usage = os.wait4(worker.pid, 0)
        worker.returncode = os.waitstatus_to_exitcode(status)
        cpu += usage.ru_utime + usage.ru_stime
    return time.perf_counter() - started, cpu


async def ledger_statuses(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            rows = await session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
            return {status: count for status, count in rows.all()}
    finally:
        await engine.dispose()


def measure_send(arguments: argparse.Namespace) -> dict[str, Any]:
    redis = connect_redis(arguments.redis_url)
    asyncio.run(redis.flushdb())
    with tempfile.TemporaryDirectory() as folder, fresh_database(Path(folder), arguments.postgres) as url:
        migrate.upgrade(url)
        asyncio.run(seed(url, arguments.recipients, paid=arguments.paid))
        fake, api = start_fake(arguments.rate)
        rate_variable = "PAID_RATE_PER_SECOND" if arguments.paid else "OUTREACH_RATE_PER_SECOND"
        env = os.environ | {
            "CAREBOT_ENV": "test",
            "DATABASE_URL": url,
            "REDIS_URL": arguments.redis_url,
            "TELEGRAM_BOT_TOKEN": api["token"],
            "TELEGRAM_BASE_URL": api["base_url"],
            rate_variable: str(arguments.rate),
            "QUIET_HOURS": "0-0",
            "LOG_LEVEL": "WARNING",
        }
        load_before = os.getloadavg()[0]
        wall, worker_cpu = run_workers(arguments.workers, env)
        fake.terminate()
        assert fake.stdout is not None
        stats = json.loads(fake.stdout.readline())
        fake.wait()
        statuses = asyncio.run(ledger_statuses(url))
    span = (stats["last_at"] - stats["first_at"]) if stats["accepted"] > 1 else float("nan")
    achieved = (stats["accepted"] - 1) / span if span else float("nan")
    return {
        "benchmark": "outreach_send",
        "recipients": arguments.recipients,
        "limit_per_second": arguments.rate,
        "paid": arguments.paid,
        "workers": arguments.workers,
        "accepted": stats["accepted"],
        "distinct_chats": stats["distinct_chats"],
        "refused_429": stats["refused_429"],
        "achieved_per_second": round(achieved, 1),
        "ratio_to_limit": round(achieved / arguments.rate, 3),
        "wall_seconds": round(wall, 1),
        "worker_cpu_ms_per_message": round(1000 * worker_cpu / max(stats["accepted"], 1), 3),
        "load_before": round(load_before, 2),
        "ledger": statuses,
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "date": datetime.now(UTC).date().isoformat(),
    }


async def measure_audience(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    factory = create_session_factory(engine)
    timings: dict[str, dict[str, float]] = {}
    try:
        async with factory() as session:
            segmented = await session.scalar(select(func.count()).where(Customer.segment.is_not(None)))
        if not segmented:  # a freshly built database: the nightly job has not run yet
            await recompute_segments(session_factory=factory, now=datetime.now(UTC))
        async with factory() as session, session.begin():
            await session.execute(text("DELETE FROM deliveries"))
            await session.execute(text("DELETE FROM campaigns"))
        for segment in SEGMENTS:
            now = datetime.now(UTC)
            draft = campaigns.parse_draft(
                {
                    "name": f"bench {segment}",
                    "text_zh": "{name}您好",
                    "text_en": "Hi {name}",
                    "audience": {"segment": segment},
                    "holdout_percent": 10,
                }
            )
            async with factory() as session, session.begin():
                campaign = await campaigns.create_campaign(session, draft=draft, actor="bench", now=now)
                await campaigns.schedule(session, campaign=campaign, at=now, now=now)
            started = time.perf_counter()
            async with factory() as session:
                size = (await campaigns.preview(session, campaign=campaign, now=now))["audience"]
            counted = time.perf_counter() - started
            started = time.perf_counter()
            async with factory() as session, session.begin():
                await campaigns.start_due_campaigns(session, now=now)
            seconds = time.perf_counter() - started
            async with factory() as session:
                rows = await session.scalar(
                    select(func.count()).select_from(Delivery).where(Delivery.campaign_id == campaign.id)
                )
            timings[segment] = {
                "audience": size,
                "preview_seconds": round(counted, 2),
                "ledger_rows": int(rows or 0),
                "seconds": round(seconds, 2),
            }
        async with factory() as session:
            customers = await session.scalar(select(func.count()).select_from(Customer))
    finally:
        await engine.dispose()
    return {
        "benchmark": "outreach_audience",
        "customers": customers,
        "segments": timings,
        "slowest_seconds": max(t["seconds"] for t in timings.values()),
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "date": datetime.now(UTC).date().isoformat(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    modes = parser.add_subparsers(dest="mode", required=True)
    send = modes.add_parser("send")
    send.add_argument("--recipients", type=int, default=3000)
    send.add_argument("--rate", type=float, default=30)
    send.add_argument("--paid", action="store_true")
    send.add_argument("--workers", type=int, default=1)
    send.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL"))
    send.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    audience = modes.add_parser("audience")
    audience.add_argument("--server", default="postgresql://root@127.0.0.1:5432/postgres")
    audience.add_argument("--database", default="carebot_bench")
    audience.add_argument("--build", action="store_true", help="(re)build the 1M-customer database first")
    audience.add_argument("--customers", type=int, default=1_000_000)
    arguments = parser.parse_args()
    if arguments.mode == "send":
        print(json.dumps(measure_send(arguments)), flush=True)
        return
    if arguments.build:  # customers and orders only: segments need nothing else
        build(
            server=arguments.server,
            database=arguments.database,
            customers=arguments.customers,
            per_customer=10,
            statements=AUDIENCE_TABLES,
        )
    url = database_url(arguments.server, arguments.database)
    migrate.upgrade(url)
    print(json.dumps(asyncio.run(measure_audience(url))), flush=True)


if __name__ == "__main__":
    main()
