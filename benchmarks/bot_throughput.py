"""Whole-bot throughput against bare NLU throughput, same NLU server, same messages, same run.

Run on purpose (not in CI)::

    .venv/bin/python -m benchmarks.bot_throughput [--nlu-url URL] [--customers 20] [--messages 600] \\
        [--postgres postgresql://root@127.0.0.1:5432/test --redis-url redis://127.0.0.1:6379/9]

1. Bare NLU: `customers` concurrent clients parse the messages through the project's NLU client.
2. Whole bot: the real Application (polling the in-process fake Bot API) answers `customers` customers
   typing at once, each sending its next message as soon as the previous one is answered (first reply
   received by the fake). 200 distinct customers take turns, so Telegram's one-message-a-second per chat
   never waits; Telegram's 30 messages a second overall *is* lifted (`limits`), or the bot would be
   measured against that rule rather than its own work. A warm-up round registers every customer first.
Prints one JSON line: parses/s, replies/s and their ratio (target ≥ 0.8), with the machine's load.
The fake Bot API runs in the bot's process: its work is counted against the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import resource
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from benchmarks.bot_latency import seed
from bot.telegram.app import build_application, running
from bot.telegram.sender import Bucket, TelegramLimits
from nlu.client import NluClient
from nlu.local_server import running_server
from nlu.training import Project
from runtime.settings import Settings
from storage import migrate
from tests.support.database import fresh_database
from tests.support.fake_bot_api import FakeBotApi
from tests.support.fake_bot_api.server import Call

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = [
    ("zh", "我还有多少积分"),
    ("zh", "我是什么会员"),
    ("zh", "运费多少钱"),
    ("zh", "龙井茶多少钱"),
    ("zh", "我的订单到哪了"),
    ("zh", "你们几点开门"),
    ("en", "how many points do I have"),
    ("en", "what is my membership tier"),
    ("en", "how much is shipping"),
    ("en", "do you have the hoodie in XL"),
    ("en", "what are your opening hours"),
    ("en", "can I pay with alipay"),
]
PEOPLE = 200
TICKS = os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(url: str) -> float:
    """CPU seconds used so far by the process serving `url` (the Rasa server started with --port N)."""
    port = url.rsplit(":", 1)[1]
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            if b"--port" in command and command[command.index(b"--port") + 1].decode() == port:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
        except (OSError, ValueError, IndexError):
            continue
    return float("nan")


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


FIRST_USER = 8_000_000
UNLIMITED = TelegramLimits(overall=Bucket(rate_per_second=100_000, capacity=100_000))


async def bare_nlu(url: str, *, lanes: int, count: int) -> tuple[float, int, float]:
    """Parses a second with `lanes` concurrent callers, how many fell back (server too slow or down), and
    the server's CPU milliseconds a parse."""
    fallbacks = 0
    async with NluClient(base_url=url, timeout=30.0, max_connections=lanes) as client:

        async def lane(number: int, share: int) -> None:
            nonlocal fallbacks
            for step in range(share):
                result = await client.parse(MESSAGES[(number + step * lanes) % len(MESSAGES)][1])
                fallbacks += result.from_fallback_router

        await asyncio.gather(*(lane(n, 3) for n in range(lanes)))  # warm-up
        fallbacks = 0
        started, cpu = time.perf_counter(), server_cpu_seconds(url)
        await asyncio.gather(*(lane(n, count // lanes) for n in range(lanes)))
        done = (count // lanes) * lanes
        cpu_ms = 1000 * (server_cpu_seconds(url) - cpu) / done
        return done / (time.perf_counter() - started), fallbacks, cpu_ms


async def whole_bot(
    url: str, *, database_url: str, redis_url: str, lanes: int, count: int
) -> tuple[float, float, float, dict[str, int]]:
    """Replies a second with `lanes` customers typing at once, each waiting for the answer before the next;
    the bot process's CPU milliseconds a reply (the fake Bot API's included), the NLU server's, and the
    time from a message to its first reply (median and p95)."""
    async with FakeBotApi() as api:
        settings = Settings(
            environment="development",
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            NLU_URL=url,
            NLU_TIMEOUT_SECONDS=30,
            TELEGRAM_BOT_TOKEN=api.token,
            TELEGRAM_BASE_URL=api.base_url,
        )
        await seed(database_url, settings)
        waiting: dict[int, asyncio.Future[None]] = {}

        def answered(call: Call) -> None:
            future = waiting.get(call.params.get("chat_id", 0)) if call.method == "sendMessage" else None
            if future is not None and not future.done():
                future.set_result(None)

        api.on_call(answered)

        latencies: list[float] = []

        async def say(chat: int, language: str, text: str) -> None:
            waiting[chat] = asyncio.get_running_loop().create_future()
            began = time.perf_counter()
            await api.inject(api.user_message(chat, text, language_code=language))
            await asyncio.wait_for(waiting[chat], 60)
            latencies.append(time.perf_counter() - began)

        async def lane(number: int, steps: int) -> None:
            for step in range(steps):
                person = (number + step * lanes) % PEOPLE
                language, text = MESSAGES[(number + step * lanes) % len(MESSAGES)]
                await say(FIRST_USER + person, language, text)

        application = build_application(settings, limits=UNLIMITED)
        async with running(application, polling=True, poll_timeout=1):
            await asyncio.gather(*(lane(n, PEOPLE // lanes) for n in range(lanes)))  # everyone says hello first
            latencies.clear()
            started, cpu, nlu_cpu = time.perf_counter(), own_cpu_seconds(), server_cpu_seconds(url)
            await asyncio.gather(*(lane(n, count // lanes) for n in range(lanes)))
            elapsed = time.perf_counter() - started
            done = (count // lanes) * lanes
            bot_ms = 1000 * (own_cpu_seconds() - cpu) / done
            nlu_ms = 1000 * (server_cpu_seconds(url) - nlu_cpu) / done
            ordered = sorted(latencies)
            latency = {f"p{int(q * 100)}_ms": round(1000 * ordered[int(q * (len(ordered) - 1))]) for q in (0.5, 0.95)}
        return done / elapsed, bot_ms, nlu_ms, latency


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nlu-url", help="an already running Rasa server")
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a fresh database is made); default SQLite")
    parser.add_argument("--redis-url", default="memory://")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    load_before = os.getloadavg()[0]
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        if args.postgres:
            database_url = stack.enter_context(fresh_database(folder, args.postgres))
        else:
            database_url = f"sqlite:///{folder / 'bench.db'}"
        migrate.upgrade(database_url)
        url = args.nlu_url or stack.enter_context(running_server(Project(ROOT)))
        parses, fallbacks, parse_cpu_ms = asyncio.run(bare_nlu(url, lanes=args.customers, count=args.messages))
        replies, bot_cpu_ms, nlu_cpu_ms, latency = asyncio.run(
            whole_bot(
                url, database_url=database_url, redis_url=args.redis_url, lanes=args.customers, count=args.messages
            )
        )
    report: dict[str, Any] = {
        "benchmark": "bot_throughput",
        "customers": args.customers,
        "messages": args.messages,
        "database": "postgresql" if args.postgres else "sqlite",
        "redis": "redis" if args.redis_url.startswith("redis") else "in-process",
        "bare_nlu_parses_per_second": round(parses, 1),
        "nlu_fallbacks": fallbacks,
        "bot_replies_per_second": round(replies, 1),
        "ratio": round(replies / parses, 3),
        "nlu_server_cpu_ms_per_parse": round(parse_cpu_ms, 2),
        "bot_process_cpu_ms_per_reply": round(bot_cpu_ms, 2),
        "nlu_server_cpu_ms_per_reply": round(nlu_cpu_ms, 2),
        "bot_reply_latency": latency,
        "load_before": round(load_before, 2),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
