"""Fine-tuning the stance cross-encoder (``serving.stance``), and the TF-IDF and embedding models beside it.

Sequence pairs (actor + proposition, context) -> one label of a label set; class-weighted
cross-entropy, a higher learning rate for the new linear layer than for the encoder, warm-up then
linear decay, bf16 autocast where the CPU has it. Reused as-is by the public stance benchmarks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import Pipeline, make_pipeline

from serving.encoder import TorchEncoder
from serving.stance import STANCES, StanceSettings, build_net, decide, pair_text, save_net
from serving.stance_embedding import EMBEDDING_DIR, pair_features, save_embedding_stance

Pair = tuple[str, str]


@dataclass
class StanceTraining:
    """Optimisation settings of one stance fine-tune."""

    epochs: int = 4
    batch_size: int = 16
    lr: float = 5e-5
    head_lr: float = 2e-3
    warmup_ratio: float = 0.1
    bf16: bool = False
    seed: int = 13
    class_weight_power: float = 0.5  # loss weight of a class: (share of a uniform class / its share) ** power


def stance_macro_f1(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] = STANCES[:3]) -> float:
    """Macro-F1 over the given stance classes (favor/against/neutral by default)."""
    return float(f1_score(list(gold), list(predicted), labels=list(labels), average="macro", zero_division=0))


def fit_tfidf(train: Sequence[Pair], train_labels: Sequence[str], seed: int = 13) -> Pipeline:
    """TF-IDF (1-2 grams) over 'first || second' with a class-balanced multinomial logistic regression."""
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True),
        LogisticRegression(C=10, class_weight="balanced", max_iter=5000, random_state=seed),
    )
    return model.fit([pair_text(p) for p in train], list(train_labels))


def fit_embedding_stance(
    base: str, pairs: Sequence[Pair], labels: Sequence[str], c: float, seed: int, stance_dir: Path
) -> Path:
    """Fit the embedding stance model (``serving.stance_embedding``) on frozen ``base`` features of the pairs
    and store it, with the unchanged encoder, in ``stance_dir/embedding``."""
    encoder = TorchEncoder(base, bf16=False)
    features = pair_features(encoder, pairs)
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=seed)
    return save_embedding_stance(encoder, model.fit(features, list(labels)), stance_dir / EMBEDDING_DIR)


def tfidf_baseline(
    train: Sequence[Pair], train_labels: Sequence[str], test: Sequence[Pair], seed: int = 13
) -> list[str]:
    """The TF-IDF + LR stance baseline: fit on ``train``, predict ``test``."""
    if not test:
        return []
    return [str(p) for p in fit_tfidf(train, train_labels, seed).predict([pair_text(p) for p in test])]


def class_weights(targets: np.ndarray, n_labels: int, power: float) -> np.ndarray:
    """Loss weight per class: (uniform share / the class's share) ** power; 0 = unweighted, 1 = balanced."""
    counts = np.bincount(targets, minlength=n_labels).astype(np.float32)
    return np.asarray((counts.sum() / np.clip(counts, 1, None) / n_labels) ** power)


def train_stance(
    base: str,
    pairs: Sequence[Pair],
    labels: Sequence[str],
    settings: StanceSettings,
    training: StanceTraining,
    out_dir: Path,
    on_step: Callable[[float], None] | None = None,
) -> Path:
    """Fine-tune ``base`` on labelled pairs; save a ``serving.stance`` model directory and return it."""
    import torch
    from transformers import AutoTokenizer

    torch.manual_seed(training.seed)
    rng = np.random.default_rng(training.seed)
    label_set = list(settings.labels)
    unknown = sorted(set(labels) - set(label_set))
    if unknown:
        raise ValueError(f"stance labels {unknown} are not in the label set {label_set}")
    tokenizer = AutoTokenizer.from_pretrained(base)
    net = build_net(base, len(label_set))
    targets = np.asarray([label_set.index(label) for label in labels])
    weights = class_weights(targets, len(label_set), training.class_weight_power)
    loss_fn = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights, dtype=torch.float32))
    optimizer = torch.optim.AdamW(
        [
            {"params": net.encoder.parameters(), "lr": training.lr},
            {"params": net.head.parameters(), "lr": training.head_lr},
        ],
        weight_decay=0.01,
    )
    per_epoch = max(1, len(pairs) // training.batch_size)
    steps = training.epochs * per_epoch
    warmup = max(1, int(training.warmup_ratio * steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (steps - s) / steps)
    )
    net.train()
    for _ in range(training.epochs):
        order = rng.permutation(len(pairs))
        for start in range(0, per_epoch * training.batch_size, training.batch_size):
            idx = order[start : start + training.batch_size]
            inputs = tokenizer(
                [pairs[i][0] for i in idx],
                [pairs[i][1] for i in idx],
                truncation="only_second",
                max_length=settings.max_length,
                padding=True,
                return_tensors="pt",
            )
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=training.bf16):
                logits = net(**inputs)
            loss = loss_fn(logits.float(), torch.from_numpy(targets[idx]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            if on_step is not None:
                on_step(float(loss.detach()))
    net.eval()
    return save_net(net, tokenizer, settings, out_dir)


def engaged_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """F1 of engaged stances: a hit is a non-'none' prediction equal to a non-'none' gold label."""
    hits = sum(p == g != "none" for p, g in zip(predicted, gold, strict=True))
    n_pred = sum(p != "none" for p in predicted)
    n_gold = sum(g != "none" for g in gold)
    return 2 * hits / (n_pred + n_gold) if n_pred + n_gold else 0.0


CUT_GRID = tuple(float(t) for t in np.round(np.linspace(0.05, 0.95, 19), 2))


def best_on_grid(scores: dict[float, float], prefer: float) -> float:
    """The grid point with the best score; ties go to the point nearest ``prefer``."""
    return max(scores, key=lambda t: (round(scores[t], 6), -abs(t - prefer)))


def tune_none_threshold(probabilities: np.ndarray, gold: Sequence[str], labels: Sequence[str]) -> tuple[float, float]:
    """The P(none) cut that maximises engaged-stance F1 on dev pairs (ties: the cut nearest 0.5)."""
    scores = {t: engaged_f1(gold, [s for s, _ in decide(probabilities, labels, t)]) for t in CUT_GRID}
    best = best_on_grid(scores, 0.5)
    return best, scores[best]
