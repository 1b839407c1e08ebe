"""Parse latency through the app's NluClient against the real Rasa server (run on purpose, not in CI).

    .venv/bin/python -m benchmarks.nlu_latency [--url http://127.0.0.1:5005] [--rounds 5]

Without --url it starts the Rasa server (`nlu.local_server`) on a free port with the current model and stops it
afterwards. Utterances are the held-out set's texts (both languages), sent one at a time, as the
bot does. Prints one JSON line: median, p95 and max in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
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
    args = parser.parse_args(argv)
    project = Project(ROOT)
    tests = sorted(project.tests_dir.glob("*.yml"))
    texts = [e.text for e in read_yaml(project, tests)] if tests else FALLBACK_TEXTS
    if args.url:
        timings = asyncio.run(measure(args.url, texts, args.rounds))
        model = "(remote)"
    else:
        model = current_model(project).name
        with running_server(project) as url:
            timings = asyncio.run(measure(url, texts, args.rounds))
    ordered = sorted(timings)
    print(
        json.dumps(
            {
                "n": len(timings),
                "median_ms": round(statistics.median(timings), 2),
                "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
                "max_ms": round(ordered[-1], 2),
                "model": model,
                "date": time.strftime("%Y-%m-%d"),
                "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores",
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
