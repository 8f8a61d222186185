"""Actor stance: a target-aware pair cross-encoder over (actor + topic proposition, actor's context).

The network (MiniLM, masked mean pooling, one linear layer over STANCES) lives here so serving loads
it without training code; ``training/stance.py`` fine-tunes it. Saved as ``stance/encoder`` (a
transformers model), ``stance/head.npz`` and ``stance/stance.json`` (labels, propositions, settings).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from serving.backends import cpu_has_bf16
from serving.salience import load_salience
from serving.stance_embedding import EMBEDDING_DIR, EmbeddingStance

if TYPE_CHECKING:
    from serving.pair_nets import PairNet

STANCES = ("favor", "against", "neutral", "none")
DEFAULT_PROPOSITIONS = {
    "internet_control": "The state should control or restrict the internet and online information.",
    "foreign_interference": "Foreign forces are interfering in the country's affairs and this must be countered.",
}
STANCE_DIR = "stance"
SETTINGS_FILE = "stance.json"
SPARSE_FILE = "sparse.joblib"
ENGAGEMENT_DIR = "engagement"  # stance/engagement: the engagement cross-encoder (ENGAGEMENT_LABELS)
ENGAGEMENT_LABELS = ("engaged", "none")
PARTNERS = ("tfidf", "embedding", "both")  # the cross-encoder's blend partner (StanceSettings.partner)


@dataclass
class StanceSettings:
    """What serving needs besides the weights: labels, propositions, input shape and the 'none' cut."""

    propositions: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PROPOSITIONS))
    labels: list[str] = field(default_factory=lambda: list(STANCES))
    max_length: int = 192
    context_sentences: int = 1
    mark_actor: bool = False  # the actor's mentions bracketed in its context (serving.actor_stance.mark_mentions)
    none_threshold: float = 0.5
    min_mentions: int = 1  # actors mentioned fewer times are not asked (chosen on dev end to end)
    salience_cut: float = 0.0  # > 0: keep P(salient) x (1 - P(none)) >= cut (salience.json); 0: the P(none) cut
    engagement_cut: float = 0.0  # > 0 (takes precedence): keep P(salient) x P(engaged) >= cut (engagement/)
    max_actors: int = 0  # > 0: per document and topic, only the kept actors with the highest keep scores (dev)
    blend_weight: float = 1.0  # weight of the cross-encoder against its blend partner
    partner: str = "tfidf"  # the blend partner: tfidf (sparse.joblib), embedding (embedding/) or both (their mean)
    onnx_variant: str = "torch"  # the ONNX variant training validated on dev ('onnx-int8', 'onnx-fp32' or 'torch')

    def proposition(self, topic: str) -> str:
        return self.propositions.get(topic, topic.replace("_", " "))

    def pair(self, actor: str, topic: str, context: str) -> tuple[str, str]:
        """The cross-encoder input: (actor + proposition, context)."""
        return f"{actor}. {self.proposition(topic)}", context


def build_net(encoder_path: str | Path, n_labels: int) -> Any:
    """MiniLM + masked mean pooling + a linear layer; returns a ``torch.nn.Module``."""
    import torch
    from transformers import AutoModel

    class StanceNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(encoder_path))
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, n_labels)

        def forward(self, **inputs: Any) -> Any:
            hidden = self.encoder(**inputs).last_hidden_state
            mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            return self.head((hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0))

    return StanceNet()


def save_net(net: Any, tokenizer: Any, settings: StanceSettings, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    net.encoder.save_pretrained(directory / "encoder")
    tokenizer.save_pretrained(directory / "encoder")
    np.savez(
        directory / "head.npz",
        weights=net.head.weight.detach().float().numpy(),
        bias=net.head.bias.detach().float().numpy(),
    )
    (directory / SETTINGS_FILE).write_text(json.dumps(asdict(settings), indent=2, sort_keys=True))
    return directory


class StanceScorer:
    """A loaded stance model: ``predict_proba(pairs)`` -> (n, len(labels)) softmax probabilities."""

    def __init__(self, directory: str | Path, backend: str = "torch") -> None:
        from transformers import AutoTokenizer

        from serving.pair_nets import load_pair_net

        directory = Path(directory)
        settings_path = directory / SETTINGS_FILE
        if not settings_path.is_file():
            raise ValueError(f"{directory} is not a stance model: {SETTINGS_FILE} not found")
        self.settings = StanceSettings(**json.loads(settings_path.read_text()))
        self.tokenizer = AutoTokenizer.from_pretrained(str(directory / "encoder"))
        self.net = load_pair_net(directory, len(self.settings.labels), backend, self.settings.onnx_variant)
        sparse_path = directory / SPARSE_FILE
        self.sparse = load_sparse(sparse_path) if sparse_path.is_file() else None
        self.salience = load_salience(directory)
        self.embedding = self._load_embedding(directory, backend)
        engagement = directory / ENGAGEMENT_DIR
        self.engagement = StanceScorer(engagement, backend) if (engagement / SETTINGS_FILE).is_file() else None

    def _load_embedding(self, directory: Path, backend: str) -> EmbeddingStance | None:
        if self.settings.partner not in PARTNERS:
            raise ValueError(f"stance partner must be one of {PARTNERS}, found '{self.settings.partner}'")
        if self.settings.partner == "tfidf":
            return None
        if not (directory / EMBEDDING_DIR).is_dir():
            raise ValueError(
                f"{directory} names the blend partner '{self.settings.partner}' but has no {EMBEDDING_DIR}/ model;"
                " retrain it, or set partner to 'tfidf' in its stance.json"
            )
        return EmbeddingStance(directory / EMBEDDING_DIR, bf16=backend != "torch" and cpu_has_bf16())

    @property
    def labels(self) -> list[str]:
        return list(self.settings.labels)

    def components(
        self, pairs: Sequence[tuple[str, str]], batch_size: int = 32
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Cross-encoder probabilities and its blend partner's (``settings.partner``: TF-IDF, the embedding
        model, or the mean of both); the partner's are None without a partner model or pairs."""
        dense = predict_pairs(self.net, self.tokenizer, pairs, self.settings.max_length, len(self.labels), batch_size)
        parts = []
        if self.settings.partner in ("tfidf", "both") and self.sparse is not None and len(pairs):
            parts.append(sparse_proba(self.sparse, pairs, self.labels))
        if self.embedding is not None and len(pairs):
            parts.append(self.embedding.predict_proba(pairs, self.labels))
        return dense, np.mean(parts, axis=0).astype(np.float32) if parts else None

    def predict_proba(self, pairs: Sequence[tuple[str, str]], batch_size: int = 32) -> np.ndarray:
        dense, sparse = self.components(pairs, batch_size)
        if sparse is None:
            return dense
        weight = self.settings.blend_weight
        return np.asarray(weight * dense + (1.0 - weight) * sparse)


def pair_text(pair: tuple[str, str]) -> str:
    """How the TF-IDF stance model reads a pair."""
    return f"{pair[0]} || {pair[1]}"


def load_sparse(path: Path) -> Any:
    import joblib

    return joblib.load(path)


def sparse_proba(model: Any, pairs: Sequence[tuple[str, str]], labels: Sequence[str]) -> np.ndarray:
    """Probabilities of a scikit-learn text pipeline, columns reordered to ``labels`` (absent classes 0)."""
    raw = model.predict_proba([pair_text(p) for p in pairs])
    classes = [str(c) for c in model.classes_]
    out = np.zeros((len(pairs), len(labels)), dtype=np.float32)
    for j, label in enumerate(labels):
        if label in classes:
            out[:, j] = raw[:, classes.index(label)]
    return out


def predict_pairs(
    net: PairNet,
    tokenizer: Any,
    pairs: Sequence[tuple[str, str]],
    max_length: int,
    n_labels: int,
    batch_size: int = 32,
) -> np.ndarray:
    """Softmax probabilities for sentence pairs, in batches of similar length to waste little padding."""
    out = np.zeros((len(pairs), n_labels), dtype=np.float32)
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        batch = tokenizer(
            [pairs[i][0] for i in idx],
            [pairs[i][1] for i in idx],
            truncation="only_second",
            max_length=max_length,
            padding=True,
            return_tensors="np",
        )
        logits = net.logits(dict(batch))
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        out[idx] = exp / exp.sum(axis=1, keepdims=True)
    return out


def decide(probabilities: np.ndarray, labels: Sequence[str], none_threshold: float) -> list[tuple[str, float]]:
    """Per row: ('none', p) when P(none) >= the cut, else the likeliest engaged stance and its probability."""
    labels = list(labels)
    if "none" not in labels:
        return decide_where(probabilities, labels, np.ones(len(probabilities), dtype=bool))
    return decide_where(probabilities, labels, probabilities[:, labels.index("none")] < none_threshold)


def decide_where(probabilities: np.ndarray, labels: Sequence[str], engaged: np.ndarray) -> list[tuple[str, float]]:
    """Per row: the likeliest engaged stance and its probability where ``engaged``, else ('none', P(none))."""
    labels = list(labels)
    none = labels.index("none") if "none" in labels else None
    choices = [i for i in range(len(labels)) if i != none]
    out = []
    for row, keep in zip(probabilities, engaged, strict=True):
        if not keep and none is not None:
            out.append(("none", float(row[none])))
            continue
        best = max(choices, key=lambda i: row[i])
        out.append((labels[best], float(row[best])))
    return out
