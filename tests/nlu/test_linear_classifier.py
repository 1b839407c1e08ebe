"""The linear intent classifier's parse-time shortcuts give what the training-time code gives.

The component runs in the Rasa environment (Python 3.10), so the checks run there as a script.
"""

from __future__ import annotations

from nlu.training import Project
from tests.nlu.rasa_checks import run_in_rasa

CHECKS = """
import numpy as np, scipy.sparse as sp
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from nlu.components.linear_intent_classifier import _sentence_row, _tfidf, _tfidf_row

message = Message.build(text="x")
for origin, width in [("words", 50), ("chars", 80)]:
    for kind, rows in [("sequence", 4), ("sentence", 1)]:
        matrix = sp.random(rows, width, density=0.3, format="coo", random_state=rows)
        message.add_features(Features(matrix, kind, TEXT, origin))
combined = message.get_sparse_features(TEXT)[1].features.toarray()
assert np.array_equal(_sentence_row(message).toarray(), combined), "sentence row differs from Rasa's"
assert _sentence_row(Message.build(text="no features")) is None

rng = np.random.default_rng(0)
counts = sp.random(30, 200, density=0.05, format="csr", random_state=3)
counts.data = np.ceil(counts.data * 3)
idf = rng.random(200).astype(np.float32) + 1
coef = rng.random((5, 200)).astype(np.float32)
batch = np.asarray(_tfidf(counts, idf) @ coef.T)
for i in range(counts.shape[0]):
    columns, values = _tfidf_row(counts[i].tocsr(), idf)
    assert np.allclose(coef[:, columns] @ values, batch[i], atol=1e-6), f"row {i} differs"
print("ok")
"""


def test_parse_time_features_and_scores_match_training_time(project: Project) -> None:
    run_in_rasa(project, CHECKS)
