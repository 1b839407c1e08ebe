"""A linear intent classifier over the pipeline's sparse features, optionally blended with DIET.

Runs inside the Rasa environment (Python 3.10). On this 2-core machine DIET needs many epochs to
learn a few thousand short utterances, while a multinomial logistic regression over TF-IDF-weighted
word and char n-gram counts trains in seconds and is as accurate or better (see config.yml). When
placed after DIETClassifier with `diet_weight > 0`, the final ranking is a weighted average of both
probability distributions, so the ensemble keeps DIET's view of word order.

Dense sentence features (e.g. `MiniLMFeaturizer`'s embedding), when the pipeline has them, are appended
to the unit-length TF-IDF row, scaled by `dense_weight`.

The weights are persisted as plain numpy arrays (no pickle) and prediction is a matrix product.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
import scipy.sparse

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_NAME_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

INTENT_RANKING = "intent_ranking"
WEIGHTS_FILE = "linear_intent_classifier.npz"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Multinomial logistic regression on TF-IDF-weighted sparse sentence features."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # inverse regularisation strength of the logistic regression
            "C": 10.0,
            "max_iter": 1000,
            # weight of the previous classifier's ranking (DIET) in the blend; 0 = linear only
            "diet_weight": 0.0,
            # intents reported in intent_ranking (0 = all)
            "ranking_length": 10,
            "class_weight": None,
            "random_seed": 42,
            # add both full distributions to the parse output (for tuning diet_weight offline)
            "expose_parts": False,
            # scale of the dense sentence features appended to the TF-IDF row (0 = ignore them)
            "dense_weight": 1.0,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        weights: Optional[Dict[Text, np.ndarray]] = None,
    ) -> None:
        self.component_config = config
        self._model_storage = model_storage
        self._resource = resource
        self._weights = weights

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn", "scipy"]

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression

        examples = [m for m in training_data.intent_examples if _sentence_row(m) is not None]
        labels = sorted({m.get(INTENT) for m in examples})
        if len(labels) < 2:
            logger.warning("linear intent classifier needs at least two intents; not trained")
            return self._resource
        counts = scipy.sparse.vstack([_sentence_row(m) for m in examples]).tocsr()
        counts.sum_duplicates()
        idf = _idf(counts)
        features = _tfidf(counts, idf)
        dense = self._dense_rows(examples)
        if dense is not None:
            features = scipy.sparse.hstack([features, scipy.sparse.csr_matrix(dense)], format="csr")
        index = {label: i for i, label in enumerate(labels)}
        targets = np.array([index[m.get(INTENT)] for m in examples])
        model = LogisticRegression(
            C=self.component_config["C"],
            max_iter=self.component_config["max_iter"],
            class_weight=self.component_config["class_weight"],
            random_state=self.component_config["random_seed"],
        )
        model.fit(features, targets)
        self._weights = {
            "idf": idf,
            "coef": model.coef_.astype(np.float32),
            "intercept": model.intercept_.astype(np.float32),
            "labels": np.array(labels),
        }
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            row = _sentence_row(message)
            if self._weights is None or row is None:
                continue
            probabilities = self._probabilities(row, message)
            if self.component_config["expose_parts"]:
                self._expose_parts(message, probabilities)
            probabilities = self._blend(message, probabilities)
            self._set_prediction(message, probabilities)
        return messages

    def _dense_rows(self, messages: List[Message]) -> Optional[np.ndarray]:
        """The messages' dense sentence features times dense_weight, one row each; None without any."""
        weight = float(self.component_config["dense_weight"])
        rows = [_dense_row(m) for m in messages]
        width = max((r.shape[0] for r in rows if r is not None), default=0)
        if weight <= 0 or width == 0:
            return None
        return weight * np.stack([r if r is not None else np.zeros(width, np.float32) for r in rows])

    def _probabilities(self, row: scipy.sparse.spmatrix, message: Message) -> np.ndarray:
        assert self._weights is not None
        idf = self._weights["idf"]
        columns, values = _tfidf_row(scipy.sparse.csr_matrix(row), idf)
        coef = self._weights["coef"]
        logits = coef[:, columns] @ values + self._weights["intercept"]
        if coef.shape[1] > idf.shape[0]:  # trained with dense features
            dense = self._dense_rows([message])
            if dense is not None and dense.shape[1] == coef.shape[1] - idf.shape[0]:
                logits = logits + coef[:, idf.shape[0] :] @ dense[0]
        if logits.size == 1:  # binary problem: sklearn keeps one row of coefficients
            logits = np.array([-logits[0], logits[0]])
        logits = logits - logits.max()
        exp = np.exp(logits)
        return exp / exp.sum()

    def _blend(self, message: Message, probabilities: np.ndarray) -> np.ndarray:
        weight = float(self.component_config["diet_weight"])
        ranking = message.get(INTENT_RANKING) or []
        if weight <= 0 or not ranking:
            return probabilities
        assert self._weights is not None
        previous = {item[INTENT_NAME_KEY]: item[PREDICTED_CONFIDENCE_KEY] for item in ranking}
        other = np.array([previous.get(label, 0.0) for label in self._weights["labels"]])
        return (1.0 - weight) * probabilities + weight * other

    def _expose_parts(self, message: Message, probabilities: np.ndarray) -> None:
        assert self._weights is not None
        linear = dict(zip(map(str, self._weights["labels"]), map(float, probabilities)))
        previous = {i[INTENT_NAME_KEY]: i[PREDICTED_CONFIDENCE_KEY] for i in message.get(INTENT_RANKING) or []}
        message.set("linear_intent_parts", {"linear": linear, "previous": previous}, add_to_output=True)

    def _set_prediction(self, message: Message, probabilities: np.ndarray) -> None:
        assert self._weights is not None
        order = np.argsort(-probabilities)
        length = int(self.component_config["ranking_length"]) or len(order)
        ranking = [
            {INTENT_NAME_KEY: str(self._weights["labels"][i]), PREDICTED_CONFIDENCE_KEY: float(probabilities[i])}
            for i in order[:length]
        ]
        message.set(INTENT, ranking[0], add_to_output=True)
        message.set(INTENT_RANKING, ranking, add_to_output=True)

    def persist(self) -> None:
        if self._weights is None:
            return
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(directory / WEIGHTS_FILE, **self._weights)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                with np.load(directory / WEIGHTS_FILE, allow_pickle=False) as stored:
                    weights = {key: stored[key] for key in stored.files}
        except (ValueError, FileNotFoundError):
            logger.warning("linear intent classifier has no stored weights; it will not predict")
            weights = None
        return cls(config, model_storage, resource, weights)


def _sentence_row(message: Message) -> Optional[scipy.sparse.spmatrix]:
    """The message's sparse sentence features (all featurizers, in pipeline order), one row.

    The same row as `message.get_sparse_features(TEXT)[1]`, without that call's deep copy and
    combination of the per-token sequence features, which this classifier does not use (a third of
    its parse time).
    """
    blocks = [
        f.features
        for f in message.features
        if f.attribute == TEXT and f.is_sparse() and f.type == FEATURE_TYPE_SENTENCE
    ]
    return scipy.sparse.hstack(blocks, format="csr") if blocks else None


def _dense_row(message: Message) -> Optional[np.ndarray]:
    """The message's dense sentence features (all dense featurizers, in pipeline order), one vector."""
    blocks = [
        np.asarray(f.features, dtype=np.float32).reshape(-1)
        for f in message.features
        if f.attribute == TEXT and f.is_dense() and f.type == FEATURE_TYPE_SENTENCE
    ]
    return np.concatenate(blocks) if blocks else None


def _idf(counts: scipy.sparse.csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency, as sklearn's TfidfTransformer computes it."""
    documents = counts.shape[0]
    frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1 + documents) / (1 + frequency)) + 1).astype(np.float32)


def _sublinear_tfidf(counts: np.ndarray, columns: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """(1 + log tf) * idf for the non-zero entries of a sparse matrix (float32 counts, their columns)."""
    return (1 + np.log(np.maximum(counts, 1e-12))) * idf[columns]


def _tfidf_row(row: scipy.sparse.csr_matrix, idf: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """`_tfidf` of one row as (non-zero columns, values): plain numpy, no sparse-matrix overhead per parse.

    Sums duplicate entries of `row` in place, which leaves its value unchanged.
    """
    row.sum_duplicates()
    values = _sublinear_tfidf(row.data.astype(np.float32), row.indices, idf)
    norm = np.sqrt(np.dot(values, values))
    return row.indices, (values / norm if norm > 0 else values)


def _tfidf(counts: scipy.sparse.csr_matrix, idf: np.ndarray) -> scipy.sparse.csr_matrix:
    """Sublinear tf times idf, rows scaled to unit length."""
    weighted = counts.astype(np.float32).tocsr(copy=True)
    weighted.data = _sublinear_tfidf(weighted.data, weighted.indices, idf)
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return scipy.sparse.diags(1.0 / norms) @ weighted
