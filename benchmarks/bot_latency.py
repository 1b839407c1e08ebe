"""Bot latency: time from an update reaching the bot to its first reply being sent, NLU included.

Run on purpose (not in CI)::

    .venv/bin/python -m benchmarks.bot_latency [--nlu-url http://127.0.0.1:5005] [--messages 120]

The real Application polls the fake Bot API from the tests; the conversation runs on a temporary
SQLite database with the demo shop and the in-process Redis stand-in. Without --nlu-url it starts
`carebot nlu serve` with the current model. Each message comes from a different customer (so the
one-message-a-second-per-chat limit never waits) and is sent after the previous reply, as a quiet
shop would see them. "Received" is when the Application starts handling the update (a handler in the
first group notes the time); "sent" is when the fake Bot API received the first sendMessage for it.
Prints one JSON line: median, p95 and max in milliseconds.
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
from datetime import UTC, datetime
from pathlib import Path

from telegram import Update
from telegram.ext import TypeHandler

from actions.demo import load_catalogue, seed_demo
from bot.telegram.app import build_application, running
from nlu.local_server import running_server
from nlu.training import Project
from runtime.services import loyalty_rules
from runtime.settings import Settings
from storage import migrate
from storage.engine import create_engine, create_session_factory
from tests.support.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
UTTERANCES = [
    ("zh", "你好"),
    ("zh", "我还有多少积分"),
    ("zh", "我是什么会员等级"),
    ("zh", "退货政策是什么"),
    ("zh", "运费多少钱"),
    ("zh", "你们有卖潜水艇吗"),
    ("en", "hello"),
    ("en", "how many points do I have"),
    ("en", "what is my membership tier"),
    ("en", "how do I return an item"),
    ("en", "where is my order"),
    ("en", "do you sell submarines"),
]


async def seed(database_url: str, settings: Settings) -> None:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            await seed_demo(
                session=session, catalogue=load_catalogue(), rules=loyalty_rules(settings), now=datetime.now(UTC)
            )
    finally:
        await engine.dispose()


async def measure(nlu_url: str, database_url: str, count: int) -> list[float]:
    timings: list[float] = []
    async with FakeBotApi() as api:
        settings = Settings(
            environment="development",
            DATABASE_URL=database_url,
            REDIS_URL="memory://",
            NLU_URL=nlu_url,
            TELEGRAM_BOT_TOKEN=api.token,
            TELEGRAM_BASE_URL=api.base_url,
        )
        await seed(database_url, settings)
        application = build_application(settings)
        received: dict[int, float] = {}

        async def note(update: Update, _: object) -> None:
            received[update.update_id] = time.monotonic()

        application.add_handler(TypeHandler(Update, note), group=-1)
        async with running(application, polling=True, poll_timeout=5):
            for number in range(count + 5):  # the first five warm connections and caches
                language, text = UTTERANCES[number % len(UTTERANCES)]
                user_id = 7_000_000 + number
                update = api.user_message(user_id, text, language_code=language)
                before = len(api.calls("sendMessage"))
                await api.inject(update)
                sent = await api.wait_for("sendMessage", count=before + 1, timeout=30)
                if number >= 5:
                    timings.append((sent[before].at - received[update["update_id"]]) * 1000)
    return timings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nlu-url", help="an already running Rasa server")
    parser.add_argument("--messages", type=int, default=120)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as directory:
        database_url = f"sqlite:///{Path(directory) / 'bench.db'}"
        migrate.upgrade(database_url)
        if args.nlu_url:
            timings = asyncio.run(measure(args.nlu_url, database_url, args.messages))
        else:
            with running_server(Project(ROOT)) as url:
                timings = asyncio.run(measure(url, database_url, args.messages))
    ordered = sorted(timings)
    print(
        json.dumps(
            {
                "benchmark": "bot_latency",
                "messages": len(timings),
                "median_ms": round(statistics.median(ordered), 1),
                "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
                "max_ms": round(ordered[-1], 1),
                "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
                "date": time.strftime("%Y-%m-%d"),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
