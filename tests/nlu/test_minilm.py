"""The numpy all-MiniLM-L6-v2 encoder and its featurizer, run in the Rasa environment as the model runs them."""

from __future__ import annotations

from nlu.training import Project
from tests.nlu.rasa_checks import run_in_rasa

CHECKS = """
from unittest.mock import MagicMock
import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.shared.nlu.training_data.message import Message
from nlu.components.minilm import MiniLM
from nlu.components.minilm_featurizer import MiniLMFeaturizer

encoder = MiniLM()
texts = ["how many points do I have", "what is my points balance", "where is my parcel", "A man is eating food.",
         "A man is eating a piece of bread."]
vectors = encoder.encode(texts)
assert vectors.shape == (5, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
similar = vectors @ vectors.T
assert similar[0, 1] > 0.6 and similar[0, 2] < 0.3, similar
assert abs(similar[3, 4] - 0.755) < 0.01, similar[3, 4]  # sentence-transformers gives 0.755 for this pair
one_by_one = np.vstack([encoder.encode([t]) for t in texts])
assert np.allclose(one_by_one, vectors, atol=1e-5), "padding in a batch changes nothing"

context = ExecutionContext(graph_schema=MagicMock(), node_name="minilm")
featurizer = MiniLMFeaturizer.load(MiniLMFeaturizer.get_default_config(), MagicMock(), MagicMock(), context)
english, chinese = Message.build(text="where is my parcel"), Message.build(text="我的包裹到哪了")
featurizer.process([english, chinese])
[feature] = english.features
assert feature.type == "sentence" and feature.features.shape == (1, 384) and feature.is_dense()
assert np.allclose(feature.features[0], vectors[2], atol=1e-5)
assert not chinese.features[0].features.any(), "Chinese messages get zeros by default"
print("ok")
"""


def test_encoder_and_featurizer(project: Project) -> None:
    run_in_rasa(project, CHECKS)
