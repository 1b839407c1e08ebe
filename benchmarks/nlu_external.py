"""External NLU benchmarks: the project's Rasa pipeline trained and tested on public data sets.

Run on purpose (minutes per data set, not part of CI)::

    .venv/bin/python -m benchmarks.nlu_external [--only banking77 clinc150 smp2017] [--config config.yml]

The data sets are read from ../shared/datasets (see its README for sources and licences) and
converted to Rasa YAML in a temporary directory outside the project, deleted afterwards: they are
for evaluation only and are never copied into the project. Prints one JSON line per data set.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlu.evaluation import FALLBACK_INTENT, parse_in_process
from nlu.training import Project, rasa_environment

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATASETS = ROOT.parent / "shared" / "datasets"
OOS = "oos"

Pairs = list[tuple[str, str]]  # (label, text)


@dataclass(frozen=True)
class Split:
    train: Pairs
    test: Pairs


def banking77(directory: Path) -> Split:
    def read(name: str) -> Pairs:
        with (directory / "banking77" / name).open(encoding="utf-8", newline="") as handle:
            return [(row["category"], row["text"]) for row in csv.DictReader(handle)]

    return Split(train=read("train.csv"), test=read("test.csv"))


def clinc150(directory: Path) -> Split:
    data = json.loads((directory / "clinc150" / "data_full.json").read_text(encoding="utf-8"))

    def pairs(*keys: str) -> Pairs:
        return [(label, text) for key in keys for text, label in data[key]]

    # the paper's "full" setting: the 100 oos training queries are one more class
    return Split(train=pairs("train", "oos_train"), test=pairs("test", "oos_test"))


def smp2017(directory: Path) -> Split:
    def read(split: str) -> Pairs:
        pairs = []
        for path in sorted((directory / "smp2017_ecdt_task1" / split).glob("*.txt")):
            label = path.stem.split("_", 1)[1]
            lines = path.read_text(encoding="utf-8-sig").splitlines()
            pairs += [(label, line.strip()) for line in lines if line.strip()]
        return pairs

    # train only; the develop split is not used for training or tuning
    return Split(train=read("train"), test=read("test"))


LOADERS: dict[str, Callable[[Path], Split]] = {"banking77": banking77, "clinc150": clinc150, "smp2017": smp2017}


def write_rasa_yaml(pairs: Pairs, path: Path) -> None:
    by_label: dict[str, list[str]] = {}
    for label, text in pairs:
        # one line per example; square brackets would read as entity markup
        clean = " ".join(text.split()).replace("[", "(").replace("]", ")")
        if clean:
            by_label.setdefault(label, []).append(clean)
    lines = ['version: "3.1"', "nlu:"]
    for label, texts in sorted(by_label.items()):
        lines += [f"- intent: {label}", "  examples: |", *(f"    - {text}" for text in dict.fromkeys(texts))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def train(project: Project, config: Path, data: Path, out: Path) -> tuple[Path, float]:
    started = time.perf_counter()
    command = [
        str(project.rasa_bin), "train", "nlu", "--config", str(config), "--nlu", str(data),
        "--out", str(out), "--fixed-model-name", "bench",
    ]  # fmt: skip
    subprocess.run(command, cwd=project.root, env=rasa_environment(project), check=True, stdout=subprocess.DEVNULL)
    return out / "bench.tar.gz", time.perf_counter() - started


def top_real_intent(parsed: dict[str, Any]) -> str:
    """The best intent that is not nlu_fallback (accuracy as if there were no fallback threshold)."""
    for item in parsed.get("intent_ranking") or []:
        if item.get("name") != FALLBACK_INTENT:
            return str(item["name"])
    return FALLBACK_INTENT


def score(test: Pairs, parsed: Sequence[dict[str, Any]]) -> dict[str, Any]:
    gold = [label for label, _ in test]
    with_fallback = [str((p.get("intent") or {}).get("name")) for p in parsed]
    raw = [top_real_intent(p) for p in parsed]
    in_scope = [i for i, label in enumerate(gold) if label != OOS]
    oos = [i for i, label in enumerate(gold) if label == OOS]
    result: dict[str, Any] = {
        "n_test": len(gold),
        "accuracy": _share(in_scope, lambda i: with_fallback[i] == gold[i]),
        "accuracy_no_fallback": _share(in_scope, lambda i: raw[i] == gold[i]),
        "macro_f1": _macro_f1(gold, with_fallback),
        "fallback_rate_in_scope": _share(in_scope, lambda i: with_fallback[i] == FALLBACK_INTENT),
    }
    if oos:
        result["oos_recall"] = _share(oos, lambda i: with_fallback[i] in {OOS, FALLBACK_INTENT})
    timings = [float(p["parse_ms"]) for p in parsed if "parse_ms" in p]
    if timings:
        result["parse_ms_median"] = round(statistics.median(timings), 2)
        result["parse_ms_p95"] = round(sorted(timings)[int(0.95 * (len(timings) - 1))], 2)
    return result


def run(
    name: str, split: Split, project: Project, config: Path, keep: bool, save: Path | None = None
) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix=f"carebot-bench-{name}-"))
    try:
        data = work / "data"
        data.mkdir()
        write_rasa_yaml(split.train, data / "train.yml")
        model, seconds = train(project, config, data, work / "models")
        parsed = parse_in_process(project, model, [text for _, text in split.test], timing=True)
        if save:
            records = [{"gold": label, **p} for (label, _), p in zip(split.test, parsed, strict=True)]
            lines = (json.dumps(r, ensure_ascii=False) for r in records)
            (save / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return {
        "dataset": name,
        "n_train": len(split.train),
        "train_seconds": round(seconds, 1),
        **score(split.test, parsed),
        "config": str(config.relative_to(project.root) if config.is_relative_to(project.root) else config),
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {_cores()} cores",
    }


def _share(indices: list[int], hit: Callable[[int], bool]) -> float:
    return round(sum(1 for i in indices if hit(i)) / len(indices), 4) if indices else 0.0


def _macro_f1(gold: list[str], guess: list[str]) -> float:
    labels = sorted(set(gold))
    scores = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, guess, strict=True) if g == p == label)
        predicted, support = guess.count(label), gold.count(label)
        precision, recall = (tp / predicted if predicted else 0.0), tp / support
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return round(sum(scores) / len(scores), 4)


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", choices=sorted(LOADERS), default=sorted(LOADERS))
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--keep", action="store_true", help="keep the temporary model and data")
    parser.add_argument("--save-parsed", type=Path, help="directory (outside the project) for the parse results")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    project = Project(ROOT)
    for name in args.only:
        split = LOADERS[name](args.datasets)
        result = run(name, split, project, args.config.resolve(), args.keep, args.save_parsed)
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
