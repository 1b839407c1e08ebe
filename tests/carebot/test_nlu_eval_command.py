"""`carebot nlu eval` on a set that marks kinds prints accuracy and out-of-scope recall per kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carebot.cli import app
from nlu import evaluation
from nlu.training import Project


def test_eval_command_prints_per_kind_figures(cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "hard.tsv"
    path.write_text(
        "intent\ttext\tkind\ncheck_points\t我的點數\ttraditional\nout_of_scope\t飛行里程\ttraditional\n"
        "greet\tnh\tpinyin\n",
        encoding="utf-8",
    )
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"")
    answers = {"我的點數": "check_points", "飛行里程": "nlu_fallback", "nh": "thanks"}

    def parse(project: object, model: Path, texts: list[str], **_: object) -> list[dict[str, object]]:
        return [{"intent": {"name": answers[t], "confidence": 0.9}} for t in texts]

    monkeypatch.setattr(evaluation, "parse_in_process", parse)
    monkeypatch.setattr(Project, "results_dir", property(lambda _: tmp_path / "results"))
    result = cli.invoke(app, ["nlu", "eval", str(path), "--model", str(model)])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.stdout.splitlines()]
    assert ["pinyin", "1", "0.000", "0", "—"] in lines
    assert ["traditional", "2", "1.000", "1", "1.000"] in lines
    assert json.loads(result.stdout.splitlines()[-1])["accuracy"] == 0.6667
