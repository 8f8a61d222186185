"""Per-label scorers that turn features into probabilities: a dense linear head and a sparse TF-IDF model."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(x, -50, 50))))


class LinearHead:
    """One logistic unit per label over pooled embeddings; stored as plain arrays (no pickle)."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray) -> None:
        if weights.ndim != 2 or bias.shape != (weights.shape[0],):
            raise ValueError(
                f"head weights must be (labels, dim) with bias (labels,), found {weights.shape}, {bias.shape}"
            )
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        return sigmoid(features @ self.weights.T + self.bias)

    def save(self, path: Path) -> None:
        np.savez(path, weights=self.weights, bias=self.bias)

    @classmethod
    def load(cls, path: Path) -> LinearHead:
        with np.load(path) as arrays:
            return cls(arrays["weights"], arrays["bias"])


class SparseModel:
    """TF-IDF n-grams with one logistic regression per label (scikit-learn, saved with joblib)."""

    def __init__(self, vectorizer: Any, classifiers: Sequence[Any]) -> None:
        self.vectorizer = vectorizer
        self.classifiers = list(classifiers)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        matrix = self.vectorizer.transform(list(texts))
        columns = [clf.predict_proba(matrix)[:, 1] for clf in self.classifiers]
        return np.stack(columns, axis=1).astype(np.float32)

    def save(self, path: Path) -> None:
        import joblib

        joblib.dump({"vectorizer": self.vectorizer, "classifiers": self.classifiers}, path)

    @classmethod
    def load(cls, path: Path) -> SparseModel:
        import joblib

        parts = joblib.load(path)
        return cls(parts["vectorizer"], parts["classifiers"])
