"""Parse latency through the app's NluClient against the real Rasa server (run on purpose, not in CI).

    .venv/bin/python -m benchmarks.nlu_latency [--url http://127.0.0.1:5005] [--rounds 5]
    .venv/bin/python -m benchmarks.nlu_latency --model models/old.tar.gz --model models/new.tar.gz

Without --url it starts the Rasa server (`nlu.local_server`) on a free port with the current model, or one
server per --model, and stops them afterwards. Several models are measured side by side: each round
goes through every server in turn, so the machine's load falls on all of them alike. Utterances are the
held-out set's texts (both languages), sent one at a time, as the bot does. Prints one JSON line per
model: median, p95 and max in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from nlu.client import NluClient
from nlu.evaluation import read_yaml
from nlu.local_server import running_server
from nlu.training import Project, current_model

ROOT = Path(__file__).resolve().parent.parent
FALLBACK_TEXTS = ["你好", "我有多少积分", "where is my order", "运费多少", "talk to a human", "tell me a joke"]


async def measure(url: str, texts: Sequence[str], rounds: int) -> list[float]:
    timings = []
    async with NluClient(base_url=url, timeout=5.0) as client:
        await client.parse(texts[0])  # warm the connection and the model
        for _ in range(rounds):
            for text in texts:
                started = time.perf_counter()
                result = await client.parse(text)
                timings.append((time.perf_counter() - started) * 1000)
                if result.from_fallback_router:
                    raise RuntimeError("the server did not answer; latency would be meaningless")
    return timings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="an already running server")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", type=Path, action="append", help="a model file to serve (repeat to compare)")
    args = parser.parse_args(argv)
    project = Project(ROOT)
    tests = sorted(project.tests_dir.glob("*.yml"))
    texts = [e.text for e in read_yaml(project, tests)] if tests else FALLBACK_TEXTS
    if args.url:
        report({"(remote)": asyncio.run(measure(args.url, texts, args.rounds))})
        return 0
    models = args.model or [current_model(project)]
    with contextlib.ExitStack() as servers:
        urls = [servers.enter_context(running_server(project, model=model.resolve())) for model in models]
        timings: dict[str, list[float]] = {model.name: [] for model in models}
        for _ in range(args.rounds):
            for model, url in zip(models, urls, strict=True):
                timings[model.name] += asyncio.run(measure(url, texts, 1))
    report(timings)
    return 0


def report(timings: dict[str, list[float]]) -> None:
    for model, values in timings.items():
        ordered = sorted(values)
        print(
            json.dumps(
                {
                    "n": len(values),
                    "median_ms": round(statistics.median(values), 2),
                    "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
                    "max_ms": round(ordered[-1], 2),
                    "model": model,
                    "date": time.strftime("%Y-%m-%d"),
                    "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores",
                    "load": os.getloadavg()[0],
                }
            )
        )


if __name__ == "__main__":
    raise SystemExit(main())
