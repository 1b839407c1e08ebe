"""Fairness: reply times of ordinary customers with and without a flooding customer and a busy handoff.

Run on purpose (not in CI)::

    .venv/bin/python -m benchmarks.fairness [--nlu-url http://127.0.0.1:5005] [--customers 50] [--rounds 3]
        [--postgres postgresql://root@127.0.0.1:5432/test --redis-url redis://127.0.0.1:6379/9]

The real Application polls the fake Bot API from the tests, on a fresh database with the demo shop
(SQLite by default, or PostgreSQL), Redis (the in-process stand-in by default) and the real NLU server
(started from the current model without --nlu-url). Each ordinary customer sends three messages, each
a while after the reply to the previous one; customers arrive 0.1 s apart. A customer waits 3.5 s after
a reply before the next message, as people read, and longer than a three-message reply takes at
Telegram's one message a second per chat (which would otherwise be what this measures). "Loaded" adds,
at the same moment, one customer who sends 50 messages at once and one customer in a handoff who sends
40 messages that are relayed to the staff group (20 messages a minute). Reply time: from injecting the
update to the fake Bot API receiving the first sendMessage to that chat. Prints one JSON line per
scenario and round, then a summary with the ratio of the loaded p95 to the quiet p95 (medians over the
rounds; target: within 1.2).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.bot_latency import seed
from bot.telegram.app import build_application, running
from nlu.local_server import running_server
from nlu.training import Project
from runtime.settings import Settings
from storage import migrate
from storage.redis_state import connect_redis
from tests.support.database import fresh_database
from tests.support.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
STAFF_GROUP = -1009876543210
MESSAGES = [("zh", "我还有多少积分"), ("en", "what is my membership tier"), ("zh", "运费多少钱")]
FLOODER, HANDED_OFF = 6_100_001, 6_100_002
THINKING_SECONDS = 3.5  # longer than a three-message reply takes at one message a second per chat
ARRIVAL_GAP_SECONDS = 0.1  # customers arrive one after another, not all in the same millisecond


async def ordinary_customer(api: FakeBotApi, user_id: int, *, arrives_after: float = 0.0) -> list[float]:
    """Three messages, each a little after the previous reply; the time to each first reply, in ms."""
    await asyncio.sleep(arrives_after)
    timings = []
    for number, (language, text) in enumerate(MESSAGES):
        if number:
            # A person reads the reply before typing again; it also keeps within Telegram's one message a
            # second per chat, which would otherwise be what this measures.
            await asyncio.sleep(THINKING_SECONDS)
        replies_before = len(api.sent_messages(user_id))
        started = time.monotonic()
        await api.inject(api.user_message(user_id, text, language_code=language))
        calls = await api.wait_for(
            "sendMessage",
            count=replies_before + 1,
            timeout=60,
            predicate=lambda c, u=user_id: c.params.get("chat_id") == u,
        )
        timings.append((calls[replies_before].at - started) * 1000)
    return timings


async def busy_handoff(api: FakeBotApi) -> None:
    """A customer talking to staff: 40 messages relayed to the staff group, sent as fast as they type."""
    await api.inject(api.user_message(HANDED_OFF, "/human", language_code="zh"))
    await api.wait_for("createForumTopic", timeout=60)
    for number in range(40):
        await api.inject(api.user_message(HANDED_OFF, f"补充说明第{number}条", language_code="zh"))


async def scenario(nlu_url: str, customers: int, *, loaded: bool, postgres: str | None, redis_url: str) -> list[float]:
    with tempfile.TemporaryDirectory() as directory, fresh_database(Path(directory), postgres) as database_url:
        await asyncio.to_thread(migrate.upgrade, database_url)  # alembic runs its own event loop
        if redis_url != "memory://":
            await flush(redis_url)
        async with FakeBotApi() as api:
            settings = Settings(
                environment="development",
                DATABASE_URL=database_url,
                REDIS_URL=redis_url,
                NLU_URL=nlu_url,
                TELEGRAM_BOT_TOKEN=api.token,
                TELEGRAM_BASE_URL=api.base_url,
                STAFF_GROUP_ID=STAFF_GROUP,
            )
            await seed(database_url, settings)
            application = build_application(settings)
            async with running(application, polling=True, poll_timeout=5):
                await ordinary_customer(api, 6_000_000)  # warm connections and caches
                load: list[asyncio.Task[None]] = []
                if loaded:
                    for _ in range(50):
                        await api.inject(api.user_message(FLOODER, "我还有多少积分", language_code="zh"))
                    load.append(asyncio.create_task(busy_handoff(api)))
                results = await asyncio.gather(
                    *(
                        ordinary_customer(api, 6_000_001 + n, arrives_after=n * ARRIVAL_GAP_SECONDS)
                        for n in range(customers)
                    )
                )
                for task in load:
                    task.cancel()
    return [timing for timings in results for timing in timings]


async def flush(redis_url: str) -> None:
    client = connect_redis(redis_url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nlu-url", help="an already running Rasa server")
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a fresh database per scenario); default SQLite")
    parser.add_argument("--redis-url", default="memory://", help="a Redis database to use (flushed per scenario)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    def run(nlu_url: str) -> dict[str, list[float]]:
        p95s: dict[str, list[float]] = {"quiet": [], "loaded": []}
        for round_number in range(args.rounds):
            for name in ("quiet", "loaded"):
                timings = asyncio.run(
                    scenario(
                        nlu_url,
                        args.customers,
                        loaded=name == "loaded",
                        postgres=args.postgres,
                        redis_url=args.redis_url,
                    )
                )
                p95s[name].append(p95(timings))
                line = {"scenario": name, "round": round_number + 1, "replies": len(timings)}
                line |= {"median_ms": round(statistics.median(timings), 1), "p95_ms": round(p95(timings), 1)}
                print(json.dumps(line), flush=True)
        return p95s

    if args.nlu_url:
        p95s = run(args.nlu_url)
    else:
        with running_server(Project(ROOT)) as url:
            p95s = run(url)
    quiet, loaded = statistics.median(p95s["quiet"]), statistics.median(p95s["loaded"])
    summary = {
        "benchmark": "fairness",
        "customers": args.customers,
        "p95_quiet_ms": round(quiet, 1),
        "p95_loaded_ms": round(loaded, 1),
        "ratio": round(loaded / quiet, 2),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
