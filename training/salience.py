"""Fit the actor-salience model (``serving/salience.py``) on the train split.

Candidates are what serving asks: every extracted actor of an article crossed with its topics (gold
topics here); the label is whether the gold lists that actor (alias-tolerant) with a stance on that
topic. Class-balanced logistic regression on standardised features, stored as plain numbers; or
class-balanced shallow gradient-boosted trees over the same features (``stance_salience_model: trees``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from serving.actor_stance import Candidate, candidates
from serving.actors import ActorExtractor, names_match
from serving.salience import FEATURES, SalienceModel, TreeSalience
from serving.stance import StanceSettings
from training.data import Article


def labelled_candidates(
    articles: Sequence[Article], extractor: ActorExtractor, settings: StanceSettings
) -> tuple[list[Candidate], np.ndarray]:
    """Every (extracted actor, gold topic) of the articles with topics, and 0/1: the gold lists it there."""
    with_topics = [a for a in articles if a.topics]
    texts = [a.full_text() for a in with_topics]
    _, asked = candidates(texts, [a.topics for a in with_topics], extractor, replace(settings, min_mentions=1))
    labels = np.array(
        [
            int(any(c.topic in g.stances and names_match(c.actor.name, g.name) for g in with_topics[c.doc].actors))
            for c in asked
        ],
        dtype=np.int64,
    )
    return asked, labels


def salience_examples(
    articles: Sequence[Article], extractor: ActorExtractor, settings: StanceSettings
) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows and 0/1 labels of every (extracted actor, gold topic) of the articles with topics."""
    asked, labels = labelled_candidates(articles, extractor, settings)
    rows = np.array([c.features for c in asked], dtype=np.float64).reshape(-1, len(FEATURES))
    return rows, labels


def _check_labels(labels: np.ndarray) -> None:
    if len(set(labels.tolist())) < 2:
        raise ValueError(
            f"the salience model needs salient and non-salient actors in train, found labels {sorted(set(labels))}; "
            "annotate actors on more training articles or set stance_salience: false"
        )


def fit_salience_trees(
    rows: np.ndarray, labels: np.ndarray, depth: int = 3, iterations: int = 50, lr: float = 0.05, seed: int = 13
) -> TreeSalience:
    """Class-balanced gradient-boosted trees; needs both labels present."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    _check_labels(labels)
    model = HistGradientBoostingClassifier(
        max_depth=depth, max_iter=iterations, learning_rate=lr, class_weight="balanced", random_state=seed
    )
    return TreeSalience(model.fit(rows, labels))


def fit_salience(rows: np.ndarray, labels: np.ndarray, c: float = 1.0) -> SalienceModel:
    """Class-balanced logistic regression on standardised rows; needs both labels present."""
    from sklearn.linear_model import LogisticRegression

    _check_labels(labels)
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    model.fit((rows - mean) / scale, labels)
    return SalienceModel(
        features=list(FEATURES),
        mean=mean.tolist(),
        scale=scale.tolist(),
        coef=model.coef_[0].tolist(),
        intercept=float(model.intercept_[0]),
    )
