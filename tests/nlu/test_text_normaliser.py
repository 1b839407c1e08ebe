"""The normalisation the NLU model sees (nlu/components/text_normaliser.py): plain Python, no Rasa needed."""

from __future__ import annotations

import pytest

from nlu.components.text_normaliser import normalise, split_pinyin, token_syllables


@pytest.mark.parametrize(
    ("typed", "seen"),
    [
        ("我的點數還有多少", "我的点数还有多少"),  # Traditional -> Simplified
        ("你們客服態度很差", "你们客服态度很差"),
        ("积分还有多少", "积分还有多少"),  # Simplified text is left as it is
        ("ＳＯ　ｇｏｏｄ", "SO good"),  # full-width -> ASCII
        ("积分呢？", "积分呢?"),
        ("积分呢？？？", "积分呢 sigquestions"),  # a run of question marks is impatience
        ("what?!", "what sigquestions sigexclaims"),
        ("where is my order!!!", "where is my order sigexclaims"),
        ("好吧……", "好吧 sigellipsis"),
        ("ok...", "ok sigellipsis"),
        ("pleeeease", "pleease"),  # elongation kept twice
        ("啊啊啊啊啊", "啊啊"),
        ("退款😡😡😡", "退款 emoangry"),  # emoji as signal words, a run as one
        ("thanks 👍🏽", "thanks emook"),  # skin tone dropped
        ("😭😡", "emosad emoangry"),
    ],
)
def test_normalise(typed: str, seen: str) -> None:
    assert normalise(typed) == seen


@pytest.mark.parametrize(
    ("typed", "seen"),
    [
        ("3Q啦", "谢谢啦"),
        ("TD", "退订"),
        ("回复TD", "回复退订"),
        ("88啦", "拜拜啦"),
        ("先这样 886", "先这样 拜拜"),
        ("r u open", "are you open"),
        ("ur staff were rude", "your staff were rude"),
        ("points pls", "points please"),
    ],
)
def test_chat_abbreviations(typed: str, seen: str) -> None:
    assert normalise(typed) == seen


@pytest.mark.parametrize(
    "text", ["88元的订单", "订单号886", "我有886积分", "U盘有吗", "u盘", "order 8861", "I am 88", "TDK headphones"]
)
def test_numbers_and_words_that_only_look_like_abbreviations_stay(text: str) -> None:
    assert normalise(text) == text


@pytest.mark.parametrize("text", ["我的點數？？？😡😡", "pleeeease!!! 3Q", "ＴＤ…", "hello   world", ""])
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


def test_signal_words_are_single_ascii_words() -> None:
    for word in normalise("？？ ！！ … 😡 👍").split():
        assert word.isascii() and word.isalpha()


def test_pinyin_splits_typed_pinyin() -> None:
    assert split_pinyin("jifen") == ["ji", "fen"]
    assert split_pinyin("rengong") == ["ren", "gong"]
    assert split_pinyin("zhuang") == ["zhuang"]
    assert split_pinyin("refund") is None


def test_homophone_typos_and_pinyin_share_syllables() -> None:
    assert token_syllables(["积份"]) == token_syllables(["积分"]) == [["ji", "fen"]]
    assert token_syllables(["退宽"]) == token_syllables(["退款"])
    assert token_syllables(["wo", "de", "jifen"]) == [["wo"], ["de"], ["ji", "fen"]]


def test_english_is_not_read_as_pinyin() -> None:
    assert token_syllables(["i", "want", "a", "refund"]) == [[], [], [], []]
    assert token_syllables(["change", "my", "name"]) == [[], [], []]


@pytest.mark.parametrize(
    ("typed", "seen"),
    [
        ("where is my shein order", "where is my shein sigotherbrand order"),
        ("屈臣氏會員積分查詢", "屈臣氏 sigotherbrand 会员积分查询"),
        ("my Asia  Miles balance", "my Asia Miles sigotherbrand balance"),
    ],
)
def test_other_businesses_are_marked(typed: str, seen: str) -> None:
    assert normalise(typed) == seen
    assert normalise(seen) == seen


@pytest.mark.parametrize(
    "text", ["我的积分", "do you have a target price", "boots in size 40", "united states shipping"]
)
def test_everyday_words_are_not_other_businesses(text: str) -> None:
    assert "sigotherbrand" not in normalise(text)
