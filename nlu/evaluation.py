"""Evaluation of the intent model on labelled utterances (held-out YAML or `intent<TAB>text` TSV).

Scoring rules: a prediction of `nlu_fallback` counts as `out_of_scope` (the bot answers both the
same way), `faq/<topic>` counts as `faq` for intent accuracy (the topic is scored separately), and
an utterance is Chinese when it contains a CJK character, else English.

A TSV set may mark each line's kind in a third column (`intent<TAB>text<TAB>kind`, e.g. `traditional`,
`pinyin`, `typo`, `long`): the scores then include accuracy and out-of-scope recall per kind, so an
operator sees where the model is weak.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nlu.training import Project, rasa_environment

FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
RETRIEVAL_SEPARATOR = "/"
# Han ideographs only: full-width punctuation ("？") also turns up in English messages.
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Example:
    intent: str  # as labelled, e.g. "faq/shipping_fee"
    text: str
    kind: str | None = None  # the TSV's optional third column, e.g. "pinyin"


@dataclass(frozen=True)
class Prediction:
    example: Example
    intent: str  # as predicted, e.g. "nlu_fallback" or "faq"
    confidence: float
    faq_topic: str | None = None  # "faq/<topic>" from the response selector


@dataclass
class Scores:
    n: int
    accuracy: float
    macro_f1: float
    accuracy_zh: float | None
    accuracy_en: float | None
    oos_recall: float | None
    faq_topic_accuracy: float | None = None
    per_intent: dict[str, dict[str, float]] = field(default_factory=dict)
    # kind -> {"n", "accuracy", "oos_n", "oos_recall"} when the set marks kinds; else empty
    per_kind: dict[str, dict[str, float | int | None]] = field(default_factory=dict)
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The one-line JSON the eval command prints last."""
        keys = ("n", "accuracy", "macro_f1", "accuracy_zh", "accuracy_en", "oos_recall")
        return {key: _round(getattr(self, key)) for key in keys}


class DataError(Exception):
    """An evaluation file is missing or malformed; the message says where."""


def language_of(text: str) -> str:
    return "zh" if CJK.search(text) else "en"


def intent_family(intent: str) -> str:
    """The scored label: faq/<topic> -> faq, nlu_fallback -> out_of_scope."""
    base = intent.split(RETRIEVAL_SEPARATOR, 1)[0]
    return OUT_OF_SCOPE if base == FALLBACK_INTENT else base


def read_tsv(path: Path) -> list[Example]:
    """`intent<TAB>text` lines under that header, or `intent<TAB>text<TAB>kind` under that one."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].strip().split("\t") if lines else []
    if header not in (["intent", "text"], ["intent", "text", "kind"]):
        raise DataError(f"{path}: the first line must be the header 'intent<TAB>text' or 'intent<TAB>text<TAB>kind'")
    expected = "<TAB>".join(header)
    examples = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) != len(header) or not all(fields):
            raise DataError(f"{path}:{number}: expected '{expected}'")
        examples.append(Example(intent=fields[0], text=fields[1], kind=fields[2] if len(fields) == 3 else None))
    return examples


def read_yaml(project: Project, paths: Sequence[Path]) -> list[Example]:
    """Examples from Rasa NLU YAML, read by Rasa's own reader in the Rasa environment."""
    records = run_rasa_tool(project, ["examples", *map(str, paths)])
    return [Example(intent=r["intent"], text=r["text"]) for r in records]


def read_examples(project: Project, paths: Sequence[Path]) -> list[Example]:
    for path in paths:
        if not path.exists():
            raise DataError(f"{path}: no such file")
    tsv = [p for p in paths if p.suffix in {".tsv", ".txt"}]
    yaml = [p for p in paths if p not in tsv]
    examples = [example for path in tsv for example in read_tsv(path)]
    if yaml:
        examples += read_yaml(project, yaml)
    if not examples:
        raise DataError("no labelled examples in " + ", ".join(map(str, paths)))
    return examples


def parse_in_process(
    project: Project, model: Path, texts: Iterable[str], *, timing: bool = False
) -> list[dict[str, Any]]:
    """Rasa's parse result for each text, parsed in the Rasa environment without HTTP."""
    lines = "".join(json.dumps({"text": text}, ensure_ascii=False) + "\n" for text in texts)
    return run_rasa_tool(project, ["parse", str(model), *(["--timing"] if timing else [])], stdin=lines)


def run_rasa_tool(project: Project, args: list[str], stdin: str = "") -> list[dict[str, Any]]:
    command = [str(project.rasa_python), "-m", "nlu.components.rasa_tool", *args]
    completed = subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=project.root,
        env=rasa_environment(project),
        check=False,
    )
    if completed.returncode != 0:
        tail = "\n".join(completed.stderr.strip().splitlines()[-15:])
        raise DataError(f"rasa_tool {args[0]} failed:\n{tail}")
    return [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]


def to_prediction(example: Example, parsed: dict[str, Any]) -> Prediction:
    intent = parsed.get("intent") or {}
    selector = (parsed.get("response_selector") or {}).get("faq") or {}
    topic = (selector.get("response") or {}).get("intent_response_key")
    return Prediction(
        example=example,
        intent=intent.get("name") or FALLBACK_INTENT,
        confidence=float(intent.get("confidence") or 0.0),
        faq_topic=topic,
    )


def score(predictions: Sequence[Prediction]) -> Scores:
    gold = [intent_family(p.example.intent) for p in predictions]
    guess = [intent_family(p.intent) for p in predictions]
    languages = [language_of(p.example.text) for p in predictions]
    per_intent = _per_intent(gold, guess)
    confusion: dict[str, dict[str, int]] = defaultdict(dict)
    for (g, p), count in sorted(Counter(zip(gold, guess, strict=True)).items()):
        confusion[g][p] = count
    return Scores(
        n=len(predictions),
        accuracy=_accuracy(gold, guess) or 0.0,
        macro_f1=sum(m["f1"] for m in per_intent.values()) / len(per_intent) if per_intent else 0.0,
        accuracy_zh=_accuracy(*_where(gold, guess, languages, "zh")),
        accuracy_en=_accuracy(*_where(gold, guess, languages, "en")),
        oos_recall=per_intent[OUT_OF_SCOPE]["recall"] if OUT_OF_SCOPE in gold else None,
        faq_topic_accuracy=_faq_topic_accuracy(predictions),
        per_intent=per_intent,
        per_kind=_per_kind(predictions),
        confusion=dict(confusion),
    )


def _per_kind(predictions: Sequence[Prediction]) -> dict[str, dict[str, float | int | None]]:
    """Accuracy and out-of-scope recall for each kind the examples are marked with."""
    by_kind: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for p in predictions:
        if p.example.kind is not None:
            by_kind[p.example.kind].append((intent_family(p.example.intent), intent_family(p.intent)))
    figures: dict[str, dict[str, float | int | None]] = {}
    for kind, pairs in sorted(by_kind.items()):
        oos = [guess for gold, guess in pairs if gold == OUT_OF_SCOPE]
        figures[kind] = {
            "n": len(pairs),
            "accuracy": sum(1 for gold, guess in pairs if gold == guess) / len(pairs),
            "oos_n": len(oos),
            "oos_recall": sum(1 for guess in oos if guess == OUT_OF_SCOPE) / len(oos) if oos else None,
        }
    return figures


def per_kind_table(scores: Scores) -> str:
    """The per-kind figures as a small table ("" when the set marks no kinds)."""
    if not scores.per_kind:
        return ""
    lines = [f"{'kind':<18} {'n':>5} {'acc':>6} {'oos n':>6} {'oos rec':>8}"]
    for kind, m in scores.per_kind.items():
        recall = m["oos_recall"]
        shown = f"{recall:.3f}" if isinstance(recall, float) else "—"
        lines.append(f"{kind:<18} {m['n']:>5} {m['accuracy']:>6.3f} {m['oos_n']:>6} {shown:>8}")
    return "\n".join(lines) + "\n"


def write_report(scores: Scores, predictions: Sequence[Prediction], directory: Path) -> Path:
    """results/nlu_eval.json (scores, per-intent figures, confusion, errors) and a readable table."""
    directory.mkdir(parents=True, exist_ok=True)
    errors = [
        {"text": p.example.text, "gold": p.example.intent, "predicted": p.intent, "confidence": p.confidence}
        | ({"kind": p.example.kind} if p.example.kind else {})
        for p in predictions
        if intent_family(p.example.intent) != intent_family(p.intent)
    ]
    report = {**asdict(scores), "errors": errors}
    path = directory / "nlu_eval.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (directory / "nlu_confusion.txt").write_text(_confusion_table(scores), encoding="utf-8")
    return path


def _per_intent(gold: list[str], guess: list[str]) -> dict[str, dict[str, float]]:
    figures = {}
    for label in sorted(set(gold) | set(guess)):
        true_positive = sum(1 for g, p in zip(gold, guess, strict=True) if g == p == label)
        predicted = guess.count(label)
        support = gold.count(label)
        precision = true_positive / predicted if predicted else 0.0
        recall = true_positive / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        figures[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    return figures


def _where(gold: list[str], guess: list[str], languages: list[str], language: str) -> tuple[list[str], list[str]]:
    pairs = [(g, p) for g, p, lang in zip(gold, guess, languages, strict=True) if lang == language]
    return [g for g, _ in pairs], [p for _, p in pairs]


def _accuracy(gold: list[str], guess: list[str]) -> float | None:
    if not gold:
        return None
    return sum(1 for g, p in zip(gold, guess, strict=True) if g == p) / len(gold)


def _faq_topic_accuracy(predictions: Sequence[Prediction]) -> float | None:
    faq = [p for p in predictions if RETRIEVAL_SEPARATOR in p.example.intent]
    if not faq:
        return None
    return sum(1 for p in faq if p.faq_topic == p.example.intent) / len(faq)


def _confusion_table(scores: Scores) -> str:
    lines = [f"{'intent':<18} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>5}  confused with"]
    for label, m in scores.per_intent.items():
        wrong = {p: c for p, c in scores.confusion.get(label, {}).items() if p != label}
        confused = ", ".join(f"{p}×{c}" for p, c in sorted(wrong.items(), key=lambda kv: -kv[1]))
        lines.append(
            f"{label:<18} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f} {int(m['support']):>5}  {confused}"
        )
    lines.append(json.dumps(scores.summary()))
    return "\n".join(lines) + "\n"


def _round(value: float | int | None) -> float | int | None:
    return round(value, 4) if isinstance(value, float) else value
