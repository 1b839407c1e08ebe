"""Helpers the app runs in the Rasa environment: `.venv-nlu/bin/python -m nlu.components.rasa_tool ...`.

    examples FILE_OR_DIR...   print the NLU examples as JSON lines {"intent", "text", "entities"},
                              read with Rasa's own reader (entity markup removed, faq/<topic> kept)
    parse MODEL [--timing]    read JSON lines {"text"} on stdin, print Rasa's parse result per line,
                              parsing in-process with the trained model (no HTTP); --timing adds
                              "parse_ms" to each result

Only this module and the graph components import Rasa; the app never does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Iterator, List


def _quiet() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)


def _data_files(paths: List[str]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in {".yml", ".yaml"})
        else:
            yield path


def examples(paths: List[str]) -> None:
    from rasa.shared.nlu.training_data.loading import load_data

    for path in _data_files(paths):
        data = load_data(str(path))
        for message in data.intent_examples:
            intent = message.get("intent_response_key") or message.get("intent")
            record = {
                "intent": intent,
                "text": message.get("text"),
                "entities": [e.get("entity") for e in message.get("entities") or []],
                "file": str(path),
            }
            print(json.dumps(record, ensure_ascii=False))


async def _parse_lines(model: str, timing: bool) -> None:
    # Rasa's structlog writes debug lines to stdout; keep stdout for the JSON results only.
    out, sys.stdout = sys.stdout, sys.stderr
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    for line in sys.stdin:
        if not line.strip():
            continue
        text = json.loads(line)["text"]
        started = time.perf_counter()
        result = await agent.parse_message(text)
        if timing:
            result["parse_ms"] = (time.perf_counter() - started) * 1000
        print(json.dumps(result, ensure_ascii=False, default=float), file=out, flush=True)


def main(argv: List[str]) -> int:
    _quiet()
    parser = argparse.ArgumentParser(prog="rasa_tool")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("examples").add_argument("paths", nargs="+")
    parse = commands.add_parser("parse")
    parse.add_argument("model")
    parse.add_argument("--timing", action="store_true", help="add parse_ms to each result")
    args = parser.parse_args(argv)
    if args.command == "examples":
        examples(args.paths)
    else:
        asyncio.run(_parse_lines(args.model, args.timing))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
