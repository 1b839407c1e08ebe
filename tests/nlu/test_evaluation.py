"""Eval scoring rules: fallback counts as out_of_scope, faq/<topic> as faq, language by script."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.evaluation import DataError, Example, Prediction, language_of, per_kind_table, read_tsv, score, write_report


def prediction(gold: str, text: str, predicted: str, topic: str | None = None) -> Prediction:
    return Prediction(Example(gold, text), intent=predicted, confidence=0.9, faq_topic=topic)


def test_language_by_script() -> None:
    assert language_of("积分 points") == "zh"
    assert language_of("points？") == "en"
    assert language_of("ＯＫ，thanks") == "en"  # full-width forms are not Chinese words


def test_scores_follow_the_counting_rules() -> None:
    predictions = [
        prediction("out_of_scope", "今天天气", "nlu_fallback"),
        prediction("out_of_scope", "tell me a joke", "greet"),
        prediction("faq/shipping_fee", "运费多少", "faq", "faq/shipping_fee"),
        prediction("faq/invoice", "invoice please", "faq", "faq/shipping_fee"),
        prediction("check_points", "积分", "check_points"),
        prediction("check_points", "points", "points_history"),
    ]
    scores = score(predictions)
    assert scores.n == 6
    assert scores.accuracy == pytest.approx(4 / 6)
    assert scores.accuracy_zh == 1.0
    assert scores.accuracy_en == pytest.approx(1 / 3)
    assert scores.oos_recall == 0.5
    assert scores.faq_topic_accuracy == 0.5
    assert set(scores.summary()) == {"n", "accuracy", "macro_f1", "accuracy_zh", "accuracy_en", "oos_recall"}
    assert scores.confusion["out_of_scope"] == {"greet": 1, "out_of_scope": 1}


def test_report_lists_errors(tmp_path: Path) -> None:
    predictions = [prediction("greet", "hi", "greet"), prediction("greet", "yo", "thanks")]
    path = write_report(score(predictions), predictions, tmp_path)
    assert '"predicted": "thanks"' in path.read_text(encoding="utf-8")
    assert (tmp_path / "nlu_confusion.txt").exists()


def test_tsv_needs_its_header(tmp_path: Path) -> None:
    good = tmp_path / "good.tsv"
    good.write_text("intent\ttext\ngreet\thello there\nfaq/invoice\t发票\n", encoding="utf-8")
    assert read_tsv(good) == [Example("greet", "hello there"), Example("faq/invoice", "发票")]
    bad = tmp_path / "bad.tsv"
    bad.write_text("greet\thello\n", encoding="utf-8")
    with pytest.raises(DataError, match="header"):
        read_tsv(bad)


def test_tsv_may_mark_kinds(tmp_path: Path) -> None:
    path = tmp_path / "hard.tsv"
    path.write_text("intent\ttext\tkind\ncheck_points\t我的點數\ttraditional\ngreet\tnh\tpinyin\n", encoding="utf-8")
    assert read_tsv(path) == [
        Example("check_points", "我的點數", "traditional"),
        Example("greet", "nh", "pinyin"),
    ]
    path.write_text("intent\ttext\tkind\ngreet\thello\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"hard.tsv:2: expected 'intent<TAB>text<TAB>kind'"):
        read_tsv(path)


def kinded(gold: str, text: str, predicted: str, kind: str) -> Prediction:
    return Prediction(Example(gold, text, kind), intent=predicted, confidence=0.9)


def test_scores_per_kind() -> None:
    predictions = [
        kinded("check_points", "我的點數", "check_points", "traditional"),
        kinded("out_of_scope", "你們有賣機票嗎", "nlu_fallback", "traditional"),
        kinded("out_of_scope", "飛行里程怎麼查", "check_points", "traditional"),
        kinded("greet", "nh", "greet", "pinyin"),
        kinded("request_human", "zhuan rengong", "out_of_scope", "pinyin"),
    ]
    scores = score(predictions)
    assert scores.per_kind == {
        "pinyin": {"n": 2, "accuracy": 0.5, "oos_n": 0, "oos_recall": None},
        "traditional": {"n": 3, "accuracy": pytest.approx(2 / 3), "oos_n": 2, "oos_recall": 0.5},
    }
    table = per_kind_table(scores).splitlines()
    assert table[0].split() == ["kind", "n", "acc", "oos", "n", "oos", "rec"]
    assert table[1].split() == ["pinyin", "2", "0.500", "0", "—"]
    assert table[2].split() == ["traditional", "3", "0.667", "2", "0.500"]


def test_no_kinds_no_per_kind_figures() -> None:
    scores = score([prediction("greet", "hi", "greet")])
    assert scores.per_kind == {}
    assert per_kind_table(scores) == ""
