"""Cheap reference models trained on the same splits: TF-IDF + LR and frozen-MiniLM + LR."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from serving.heads import LinearHead, SparseModel


def _logreg(c: float, seed: int) -> LogisticRegression:
    # class_weight="balanced" handles the rare positive labels (about 1 document in 6)
    return LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=seed)


def _check_both_classes(targets: np.ndarray, labels: Sequence[str]) -> None:
    for j, label in enumerate(labels):
        count = int(targets[:, j].sum())
        if count == 0 or count == len(targets):
            raise ValueError(
                f"label '{label}' has {count} positive of {len(targets)} training documents; "
                "each label needs positive and negative examples"
            )


def fit_sparse(
    texts: Sequence[str], targets: np.ndarray, labels: Sequence[str], c: float, ngrams: int, min_df: int, seed: int
) -> SparseModel:
    """TF-IDF word n-grams (sublinear tf) with one balanced logistic regression per label."""
    _check_both_classes(targets, labels)
    vectorizer = TfidfVectorizer(ngram_range=(1, ngrams), min_df=min_df, sublinear_tf=True)
    matrix = vectorizer.fit_transform(list(texts))
    classifiers = [_logreg(c, seed).fit(matrix, targets[:, j]) for j in range(targets.shape[1])]
    return SparseModel(vectorizer, classifiers)


def fit_head(
    features: np.ndarray,
    targets: np.ndarray,
    labels: Sequence[str],
    c: float,
    seed: int,
    sample_weight: np.ndarray | None = None,
) -> LinearHead:
    """One balanced logistic regression per label over pooled embeddings, kept as arrays."""
    _check_both_classes(targets, labels)
    weights, biases = [], []
    for j in range(targets.shape[1]):
        model = _logreg(c, seed).fit(features, targets[:, j], sample_weight=sample_weight)
        weights.append(model.coef_[0])
        biases.append(model.intercept_[0])
    return LinearHead(np.stack(weights), np.asarray(biases))
