"""Actor salience: is an extracted actor one the article is about? Features from the extraction alone.

Annotators list the actors an article is about, not every name in it: most extracted actors are
bystanders, and the stance cross-encoder, which reads one sentence, cannot tell. A small model over
document-level features (how often and how early the actor is mentioned, its share and rank among the
article's actors, its type, whether its sentences report speech or quote) gives P(salient); serving
keeps an (actor, topic) stance when P(salient) x (1 - P(none)) reaches a cut chosen on dev end to end.
Two forms: shallow gradient-boosted trees (``TreeSalience``, the default since session 13, saved as
``stance/salience_trees.joblib`` beside the TF-IDF stance model) or a logistic model (``SalienceModel``,
``stance/salience.json``, plain numbers).
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from serving.actors import ExtractedActor

SALIENCE_FILE = "salience.json"
TREES_FILE = "salience_trees.joblib"
TYPES = ("person", "organisation", "country", "government", "group")
REPORTING = re.compile(
    r"\b(said|says|say|told|tells|urged|urges|called|calls|warned|warns|accused|accuses|argued|argues|claimed|"
    r"claims|stated|states|demanded|demands|critici[sz]ed|condemned|announced|insisted|added|noted|wrote|asked)\b"
)
FEATURES = (
    "log_mentions",
    "log_sentences",
    "first_position",
    "in_lead",
    "mention_share",
    "rank_share",
    "most_mentioned",
    "log_actors",
    "log_chars",
    "name_words",
    *(f"type_{t}" for t in TYPES),
    "reporting_share",
    "quote_share",
)


def actor_features(actor: ExtractedActor, text: str, doc_actors: Sequence[ExtractedActor]) -> list[float]:
    """One row of FEATURES for ``actor`` among the actors extracted from ``text``."""
    n = len(actor.mentions)
    counts = sorted((len(a.mentions) for a in doc_actors), reverse=True)
    rank = counts.index(n) if n in counts else len(counts)
    first = actor.mentions[0].start / max(len(text), 1) if actor.mentions else 1.0
    sentences = actor.sentences or [""]
    return [
        float(np.log1p(n)),
        float(np.log1p(len(actor.sentences))),
        first,
        float(first < 0.1),
        n / max(sum(counts), 1),
        rank / max(len(counts), 1),
        float(rank == 0),
        float(np.log1p(len(counts))),
        float(np.log1p(len(text))),
        float(len(actor.name.split())),
        *(float(actor.type == t) for t in TYPES),
        float(np.mean([bool(REPORTING.search(s)) for s in sentences])),
        float(np.mean([('"' in s or "“" in s) for s in sentences])),
    ]


@dataclass
class SalienceModel:
    """A standardised logistic model: P(salient) = sigmoid(coef . (x - mean) / scale + intercept)."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float

    def __post_init__(self) -> None:
        if list(self.features) != list(FEATURES):
            raise ValueError(
                f"salience model features {self.features} differ from this version's {list(FEATURES)}; "
                "retrain the model with this version (`make train`)"
            )

    def predict(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, len(self.features))
        z = ((rows - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.coef) + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)))

    def save(self, directory: Path) -> Path:
        path = Path(directory) / SALIENCE_FILE
        path.write_text(json.dumps(asdict(self), indent=2))
        return path

    @classmethod
    def load(cls, directory: Path) -> SalienceModel | None:
        path = Path(directory) / SALIENCE_FILE
        return cls(**json.loads(path.read_text())) if path.is_file() else None


class TreeSalience:
    """P(salient) from gradient-boosted trees (a fitted scikit-learn classifier) over FEATURES."""

    def __init__(self, model: Any, features: Sequence[str] = FEATURES) -> None:
        if list(features) != list(FEATURES):
            raise ValueError(
                f"salience trees were fitted on features {list(features)}, this version computes {list(FEATURES)}; "
                "retrain the model with this version (`make train`)"
            )
        self.model = model

    def predict(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, len(FEATURES))
        return np.asarray(self.model.predict_proba(rows)[:, 1], dtype=np.float64)

    def save(self, directory: Path) -> Path:
        import joblib

        path = Path(directory) / TREES_FILE
        joblib.dump({"features": list(FEATURES), "model": self.model}, path)
        return path

    @classmethod
    def load(cls, directory: Path) -> TreeSalience | None:
        import joblib

        path = Path(directory) / TREES_FILE
        if not path.is_file():
            return None
        stored = joblib.load(path)
        return cls(stored["model"], stored["features"])


def load_salience(directory: Path) -> SalienceModel | TreeSalience | None:
    """The package's salience model (trees or logistic), or None when it has none."""
    return TreeSalience.load(directory) or SalienceModel.load(directory)


def salience_keep_score(probabilities: np.ndarray, labels: Sequence[str], salience: np.ndarray) -> np.ndarray:
    """Per row: P(salient) x (1 - P(none)), the keep score of the salience rule."""
    return np.asarray(salience) * (1.0 - probabilities[:, list(labels).index("none")])


def keep_engaged(
    probabilities: np.ndarray, labels: Sequence[str], salience: np.ndarray, cut: float
) -> list[tuple[str, float]]:
    """Per row: the likeliest engaged stance when P(salient) x (1 - P(none)) >= ``cut``, else 'none'."""
    from serving.stance import decide_where

    return decide_where(probabilities, labels, salience_keep_score(probabilities, labels, salience) >= cut)


def cap_per_group(groups: Sequence[Hashable], score: np.ndarray, keep: np.ndarray, cap: int) -> np.ndarray:
    """``keep`` with at most ``cap`` rows per group (a document and topic): those with the highest ``score``,
    ties to the earlier row; ``cap`` 0 keeps ``keep`` as it is."""
    keep = np.asarray(keep, dtype=bool).copy()
    if cap <= 0:
        return keep
    rows: dict[Hashable, list[int]] = {}
    for i in np.flatnonzero(keep):
        rows.setdefault(groups[int(i)], []).append(int(i))
    for members in rows.values():
        if len(members) > cap:
            ranked = sorted(members, key=lambda i: (-float(score[i]), i))
            keep[ranked[cap:]] = False
    return keep
