"""A stance model on frozen sentence embeddings, a blend partner of the stance cross-encoder.

The pretrained encoder (unchanged: no fine-tuning, so no seed to draw) embeds both sides of a stance pair,
u = "actor. proposition" and v = the actor's context, and a logistic regression reads [u, v, u*v, |u-v|].
On sources the corpus lacks it ranks stances better than the TF-IDF model (BENCHMARKS.md, session 15).
Saved as ``stance/embedding/encoder`` (a transformers model) and ``stance/embedding/lr.joblib``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from serving.encoder import TorchEncoder

EMBEDDING_DIR = "embedding"
MODEL_FILE = "lr.joblib"
MAX_TOKENS = 128  # each side of a pair is one short text: the proposition line or a mention sentence


def pair_features(encoder: TorchEncoder, pairs: Sequence[tuple[str, str]], batch_size: int = 32) -> np.ndarray:
    """[u, v, u*v, |u-v|] per pair, u and v the normalised embeddings of its two sides."""
    if not pairs:
        return np.zeros((0, 4 * encoder.dim), dtype=np.float32)
    sides = []
    for k in (0, 1):
        ids = encoder.tokenizer([p[k] for p in pairs], truncation=True, max_length=MAX_TOKENS)["input_ids"]
        sides.append(encoder.encode(ids, batch_size=batch_size))
    u, v = sides
    return np.hstack([u, v, u * v, np.abs(u - v)])


class EmbeddingStance:
    """A loaded embedding stance model: ``predict_proba(pairs, labels)`` in the order of ``labels``."""

    def __init__(self, directory: str | Path, bf16: bool = False) -> None:
        import joblib

        directory = Path(directory)
        self.encoder = TorchEncoder(directory / "encoder", bf16=bf16)
        self.model: Any = joblib.load(directory / MODEL_FILE)

    def predict_proba(self, pairs: Sequence[tuple[str, str]], labels: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(pairs), len(labels)), dtype=np.float32)
        if not pairs:
            return out
        raw = self.model.predict_proba(pair_features(self.encoder, pairs))
        classes = [str(c) for c in self.model.classes_]
        for j, label in enumerate(labels):
            if label in classes:
                out[:, j] = raw[:, classes.index(label)]
        return out


def save_embedding_stance(encoder: TorchEncoder, model: Any, directory: Path) -> Path:
    """Store the encoder (as loaded, unchanged) and the fitted classifier where ``EmbeddingStance`` reads them."""
    import joblib

    directory.mkdir(parents=True, exist_ok=True)
    encoder.model.save_pretrained(directory / "encoder")
    encoder.tokenizer.save_pretrained(directory / "encoder")
    joblib.dump(model, directory / MODEL_FILE)
    return directory
