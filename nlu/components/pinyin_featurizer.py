"""Sparse features of the message's toneless pinyin, so 积份 / 积分 / "jifen" share features.

Runs inside the Rasa environment (Python 3.10), after `NormalisingTokenizer`. Each token is read as
pinyin syllables (`text_normaliser.token_syllables`: its characters' readings, or pinyin typed in letters);
the features are the syllables and the syllable bigrams of the message (across token boundaries in the
sentence row, within the token in its sequence row), counted over a vocabulary learnt in training.
English messages give no syllables and so no features here.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text

import numpy as np
import scipy.sparse

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.text_normaliser import token_syllables, warm_up

logger = logging.getLogger(__name__)

VOCABULARY_FILE = "pinyin_vocabulary.json"


def syllable_terms(syllables: List[str], bigrams: bool) -> List[str]:
    """The features of one run of syllables: each syllable, and each adjacent pair when `bigrams`."""
    terms = list(syllables)
    if bigrams:
        terms += [f"{a}_{b}" for a, b in zip(syllables, syllables[1:])]
    return terms


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class PinyinFeaturizer(SparseFeaturizer, GraphComponent):
    """Counts of toneless pinyin syllables and syllable bigrams (text attribute only)."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **SparseFeaturizer.get_default_config(),
            "bigrams": True,
            # terms seen fewer times than this in training are left out of the vocabulary
            "min_count": 1,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["pypinyin"]

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        pass

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        vocabulary: Optional[Dict[str, int]] = None,
    ) -> None:
        SparseFeaturizer.__init__(self, execution_context.node_name, config)
        self._model_storage = model_storage
        self._resource = resource
        self._vocabulary = vocabulary or {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "PinyinFeaturizer":
        warm_up()
        return cls(config, model_storage, resource, execution_context)

    def _token_terms(self, message: Message) -> Optional[List[List[str]]]:
        tokens = message.get(TOKENS_NAMES[TEXT])
        if not tokens:
            return None
        return token_syllables([t.text for t in tokens])

    def train(self, training_data: TrainingData) -> Resource:
        counts: Dict[str, int] = {}
        bigrams = bool(self._config["bigrams"])
        for message in training_data.training_examples:
            per_token = self._token_terms(message)
            if per_token is None:
                continue
            for term in syllable_terms([s for token in per_token for s in token], bigrams):
                counts[term] = counts.get(term, 0) + 1
        kept = sorted(term for term, n in counts.items() if n >= int(self._config["min_count"]))
        self._vocabulary = {term: i for i, term in enumerate(kept)}
        logger.info("%d pinyin terms in the vocabulary", len(self._vocabulary))
        self.persist()
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if not self._vocabulary:
            return messages
        for message in messages:
            per_token = self._token_terms(message)
            if per_token is None:
                continue
            sequence, sentence = self._features(per_token)
            self.add_features_to_message(sequence, sentence, TEXT, message)
        return messages

    def _features(self, per_token: List[List[str]]) -> "tuple[scipy.sparse.coo_matrix, scipy.sparse.coo_matrix]":
        bigrams = bool(self._config["bigrams"])
        width = len(self._vocabulary)
        rows, columns = [], []
        for row, syllables in enumerate(per_token):
            for term in syllable_terms(syllables, bigrams):
                column = self._vocabulary.get(term)
                if column is not None:
                    rows.append(row)
                    columns.append(column)
        sequence = scipy.sparse.coo_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, columns)), shape=(len(per_token), width)
        )
        whole = [
            self._vocabulary[term]
            for term in syllable_terms([s for token in per_token for s in token], bigrams)
            if term in self._vocabulary
        ]
        sentence = scipy.sparse.coo_matrix(
            (np.ones(len(whole), dtype=np.float32), (np.zeros(len(whole), dtype=np.int32), whole)), shape=(1, width)
        )
        sentence.sum_duplicates()
        sequence.sum_duplicates()
        return sequence, sentence

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(self._vocabulary, ensure_ascii=False), "utf-8")

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "PinyinFeaturizer":
        warm_up()
        try:
            with model_storage.read_from(resource) as directory:
                vocabulary = json.loads((directory / VOCABULARY_FILE).read_text("utf-8"))
        except (ValueError, FileNotFoundError):
            logger.warning("pinyin featurizer has no stored vocabulary; it adds no features")
            vocabulary = None
        return cls(config, model_storage, resource, execution_context, vocabulary)
