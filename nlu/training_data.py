"""Reading the NLU example files (Rasa 3 YAML) without Rasa: the intents the model knows, and every example
text of the training, dev and held-out sets (entity annotations removed), for de-duplicating new data."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import yaml

# `[Longjing](product)` or `[Longjing]{"entity": "product"}` -> `Longjing`
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
LABELLED_FILE = "labelled.yml"  # what `carebot nlu labels export` writes into each language folder


def example_files(root: Path) -> list[Path]:
    """The example files of the training (nlu/data), dev (nlu/dev) and held-out (nlu/tests) sets: YAML, and
    `intent<TAB>text[<TAB>kind]` TSV in the dev and held-out folders."""
    files: list[Path] = []
    for folder in ("data", "dev", "tests"):
        suffixes = {".yml", ".yaml"} if folder == "data" else {".yml", ".yaml", ".tsv"}
        files += sorted(p for p in (root / "nlu" / folder).rglob("*") if p.suffix in suffixes)
    return files


def read_examples(paths: Iterable[Path]) -> dict[str, list[str]]:
    """intent -> example texts (plain, annotations removed) of the files' `nlu:` sections or TSV lines."""
    examples: dict[str, list[str]] = {}
    for path in paths:
        if path.suffix == ".tsv":
            for line in path.read_text(encoding="utf-8-sig").splitlines()[1:]:
                fields = line.split("\t")
                if len(fields) >= 2 and fields[1].strip():
                    examples.setdefault(fields[0].strip(), []).append(fields[1].strip())
            continue
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in document.get("nlu") or []:
            if not isinstance(block, dict) or "intent" not in block:
                continue
            texts = examples.setdefault(str(block["intent"]), [])
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    texts.append(ANNOTATION.sub(r"\1", line[2:].strip()))
    return examples


def known_intents(root: Path) -> list[str]:
    """The intents of the training data, sorted."""
    training = sorted(p for p in (root / "nlu" / "data").rglob("*") if p.suffix in {".yml", ".yaml"})
    return sorted(read_examples(training))
