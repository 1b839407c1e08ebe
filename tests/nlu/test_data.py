"""Training and held-out data checks in the spirit of `rasa data validate`."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from nlu.components.text_normaliser import normalise
from nlu.evaluation import Example, intent_family, language_of
from nlu.generated import faq_topics_of
from nlu.training import Project

INTENTS = {
    "greet", "goodbye", "thanks", "help", "check_points", "points_history", "redeem_points",
    "membership_info", "product_question", "order_status", "return_refund", "complaint",
    "request_human", "update_profile", "unsubscribe", "subscribe", "feedback", "affirm", "deny",
    "faq", "out_of_scope",
}  # fmt: skip
MIN_TRAINING_PER_LANGUAGE = 40
MIN_TEST_PER_LANGUAGE = 15


def normalised(text: str) -> str:
    """Case, spaces and trailing punctuation do not make two utterances different (emoji-only ones keep theirs)."""
    spaced = re.sub(r"\s+", " ", text.strip().lower())
    return re.sub(r"[\s\W_]+$", "", spaced) or spaced


def counts(examples: list[Example]) -> Counter[tuple[str, str]]:
    return Counter((intent_family(e.intent), language_of(e.text)) for e in examples)


def test_training_data_has_exactly_the_intents(training_examples: list[Example]) -> None:
    assert {intent_family(e.intent) for e in training_examples} == INTENTS


@pytest.mark.parametrize("language", ["zh", "en"])
def test_enough_training_examples_per_intent_and_language(training_examples: list[Example], language: str) -> None:
    found = counts(training_examples)
    short = {i: found[(i, language)] for i in sorted(INTENTS) if found[(i, language)] < MIN_TRAINING_PER_LANGUAGE}
    assert not short, f"{language} intents with fewer than {MIN_TRAINING_PER_LANGUAGE} examples: {short}"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_enough_held_out_examples_per_intent_and_language(test_examples: list[Example], language: str) -> None:
    found = counts(test_examples)
    short = {i: found[(i, language)] for i in sorted(INTENTS) if found[(i, language)] < MIN_TEST_PER_LANGUAGE}
    assert not short, f"{language} held-out intents with fewer than {MIN_TEST_PER_LANGUAGE}: {short}"


def test_held_out_intents_are_known(test_examples: list[Example]) -> None:
    assert {intent_family(e.intent) for e in test_examples} <= INTENTS


def test_no_duplicates_in_training(training_examples: list[Example]) -> None:
    seen = Counter(normalised(e.text) for e in training_examples)
    duplicates = sorted(text for text, n in seen.items() if n > 1)
    assert not duplicates, f"duplicate training examples: {duplicates[:20]}"


def test_no_duplicates_in_held_out(test_examples: list[Example]) -> None:
    seen = Counter(normalised(e.text) for e in test_examples)
    assert not [text for text, n in seen.items() if n > 1]


def also_in_training(training_examples: list[Example], examples: list[Example]) -> list[str]:
    training = {normalised(e.text) for e in training_examples}
    return sorted(e.text for e in examples if normalised(e.text) in training)


def test_no_held_out_example_in_training(training_examples: list[Example], test_examples: list[Example]) -> None:
    leaked = also_in_training(training_examples, test_examples)
    assert not leaked, f"held-out examples also in training: {leaked[:20]}"


def test_no_dev_example_in_training(training_examples: list[Example], dev_examples: list[Example]) -> None:
    leaked = also_in_training(training_examples, dev_examples)
    assert not leaked, f"dev examples also in training: {leaked[:20]}"


def test_dev_intents_are_known(dev_examples: list[Example]) -> None:
    assert {intent_family(e.intent) for e in dev_examples} <= INTENTS


def test_faq_topics_are_the_catalogue_topics(project: Project, training_examples: list[Example]) -> None:
    catalogue = json.loads(project.catalogue.read_text(encoding="utf-8"))
    topics = {e.intent.split("/", 1)[1] for e in training_examples if e.intent.startswith("faq/")}
    assert topics == set(faq_topics_of(catalogue))


def test_held_out_faq_topics_are_known(project: Project, test_examples: list[Example]) -> None:
    catalogue = json.loads(project.catalogue.read_text(encoding="utf-8"))
    topics = {e.intent.split("/", 1)[1] for e in test_examples if e.intent.startswith("faq/")}
    assert topics <= set(faq_topics_of(catalogue))


def test_no_dev_or_held_out_example_in_training_as_the_model_reads_them(
    training_examples: list[Example], dev_examples: list[Example], test_examples: list[Example]
) -> None:
    """The same check after the model's own normalisation: 我的點數 and 我的点数 are one utterance to it."""
    training = {normalised(normalise(e.text)) for e in training_examples}
    leaked = sorted(e.text for e in [*dev_examples, *test_examples] if normalised(normalise(e.text)) in training)
    assert not leaked, f"dev or held-out examples also in training once normalised: {leaked[:20]}"
