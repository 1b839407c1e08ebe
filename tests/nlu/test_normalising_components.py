"""The normalising tokenizer and the pinyin featurizer, run in the Rasa environment as the model runs them."""

from __future__ import annotations

from nlu.training import Project
from tests.nlu.rasa_checks import run_in_rasa

CHECKS = """
from unittest.mock import MagicMock
import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from nlu.components.normalising_tokenizer import NormalisingTokenizer
from nlu.components.pinyin_featurizer import PinyinFeaturizer

context = ExecutionContext(graph_schema=MagicMock(), node_name="pinyin")
tokenizer = NormalisingTokenizer.create(
    NormalisingTokenizer.get_default_config(), MagicMock(), MagicMock(), context
)
message = Message.build(text="我的點數？？？😡")
tokenizer.process([message])
assert [t.text for t in message.get("text_tokens")] == ["我", "的", "点数", "sigquestions", "emoangry"], [
    t.text for t in message.get("text_tokens")
]
assert message.get("text") == "我的點數？？？😡", "the message's own text is kept"

training = TrainingData([Message.build(text=t, intent="check_points") for t in ["我的积分", "积分还有多少"]])
tokenizer.process_training_data(training)
featurizer = PinyinFeaturizer.create(PinyinFeaturizer.get_default_config(), MagicMock(), MagicMock(), context)
featurizer.train(training)

def sentence(text):
    message = Message.build(text=text)
    tokenizer.process([message])
    featurizer.process([message])
    [sequence, whole] = [f.features for f in message.features]
    assert sequence.shape[0] == len(message.get("text_tokens"))
    return whole.toarray()

typo, right, typed = sentence("积份"), sentence("积分"), sentence("jifen")
assert right.sum() == 3, right  # ji, fen, ji_fen
assert np.array_equal(typo, right) and np.array_equal(typed, right)
assert sentence("how many points do I have").sum() == 0
print("ok")
"""


def test_tokens_are_normalised_and_homophones_share_pinyin_features(project: Project) -> None:
    run_in_rasa(project, CHECKS)
