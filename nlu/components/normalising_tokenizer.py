"""Jieba tokenisation of the normalised text (`text_normaliser.normalise`), at training and parse time alike.

Runs inside the Rasa environment (Python 3.10). Only the tokens are normalised: the message's own text is
left as the customer typed it, so the regex and lookup entities and the parse output still quote it.
Token offsets refer to the normalised text (no component downstream reads them against the original:
entities come from the regex extractor on the raw text).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from nlu.components.text_normaliser import normalise, warm_up


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class NormalisingTokenizer(JiebaTokenizer):
    """JiebaTokenizer over `normalise(text)`; whitespace-only tokens are dropped."""

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return ["zh"]

    @staticmethod
    def required_packages() -> List[Text]:
        return ["jieba", "opencc", "pypinyin"]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "NormalisingTokenizer":
        warm_up()
        return super().create(config, model_storage, resource, execution_context)  # type: ignore[return-value]

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "NormalisingTokenizer":
        warm_up()  # the converters load here, not on the first customer's parse
        return super().load(config, model_storage, resource, execution_context, **kwargs)  # type: ignore[return-value]

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        import jieba

        text = normalise(message.get(attribute))
        tokens = [Token(word, start) for word, start, _ in jieba.tokenize(text) if word.strip()]
        return self._apply_token_pattern(tokens)
