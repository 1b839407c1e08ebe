"""An operator's mistake on the command line is one line saying what is wrong and what is expected."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from carebot.cli import app


def test_an_unknown_revision_is_one_line(cli: CliRunner) -> None:
    assert cli.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = cli.invoke(app, ["db", "downgrade", "nosuchrev"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: 'nosuchrev': Can't locate revision identified by 'nosuchrev' (expected head, base, a step such as "
        "-1 or +1, or a revision id from storage/migrations/versions)"
    ]
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_nlu_eval_of_a_csv_file_says_which_formats_it_reads(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "utterances.csv"
    path.write_text("intent,text\ngreet,hello\n", encoding="utf-8")
    result = cli.invoke(app, ["nlu", "eval", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: {path}: .csv file type; expected Rasa NLU YAML (.yml, .yaml) "
        "or intent<TAB>text[<TAB>kind] lines (.tsv, .txt)"
    ]
