"""Scratch: feature and classifier variants of the embedding stance model (dev and held-out sources; no test).

python benchmarks/exploration/embedding_stance_variants.py [--seed 13] [--set KEY=VALUE ...] [--only VARIANT ...]

The product's embedding stance model (``serving/stance_embedding.py``) is a class-balanced logistic regression
(C=1) on [u, v, u*v, |u-v|], u = the pretrained MiniLM embedding of "actor. proposition", v = that of the
context. Same gold-named pairs as make train (``stance_examples``). Per variant: dev gold-actor macro-F1
(fitted on the train pairs) and, for each source with at least 30 gold stances, gold-actor macro-F1 on all of
its gold stances with the model fitted on the train + dev pairs of the other sources (as
``stance_blend_loso.py``), and their mean.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "exploration"))

from frozen_stance import embed, gold_f1  # noqa: E402

from serving.actors import ActorExtractor  # noqa: E402
from serving.encoder import TorchEncoder, default_encoder_path  # noqa: E402
from training.config import load_config  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.stance_run import settings_from, stance_examples  # noqa: E402

Fit = Callable[[np.ndarray, np.ndarray], object]


def logistic(c: float) -> Fit:
    return lambda x, y: LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit(x, y)


def mlp(x: np.ndarray, y: np.ndarray) -> object:
    # no class weights in sklearn's MLP: oversample the rarer classes to the largest one
    rng = np.random.default_rng(0)
    counts = Counter(y.tolist())
    top = max(counts.values())
    idx = np.concatenate([rng.choice(np.flatnonzero(y == c), top, replace=True) for c in counts])
    model = MLPClassifier(hidden_layer_sizes=(256,), alpha=1e-2, max_iter=300, early_stopping=True, random_state=0)
    return model.fit(x[idx], y[idx])


def score(fit: Fit, x: np.ndarray, y: np.ndarray, train: list[int], held: list[int], labels: list[str]) -> float:
    model = fit(x[train], y[train])
    classes = list(model.classes_)  # type: ignore[attr-defined]
    raw = model.predict_proba(x[held])  # type: ignore[attr-defined]
    probs = np.zeros((len(held), len(labels)))
    for j, label in enumerate(labels):
        if label in classes:
            probs[:, j] = raw[:, classes.index(label)]
    return gold_f1(probs, labels, list(y[held]))


def main(args: argparse.Namespace) -> None:
    cfg = load_config(ROOT / "configs" / "default.yaml", [f"seed={args.seed}", *args.set])
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    split = {a.id: s for s in ("train", "dev") for a in corpus.splits[s]}
    articles = corpus.splits["train"] + corpus.splits["dev"]
    group = {a.id: a.source_group() for a in articles}
    settings = settings_from(cfg)
    examples = stance_examples(cfg, articles, ActorExtractor(), settings, "gold")
    y = np.asarray([e.label for e in examples])
    encoder = TorchEncoder(default_encoder_path(), bf16=True)
    u = embed(encoder, [e.pair(settings)[0] for e in examples])
    v = embed(encoder, [e.context for e in examples])
    a = embed(encoder, [e.actor for e in examples])
    topic = np.asarray([[e.topic == t for t in sorted(settings.propositions)] for e in examples], dtype=np.float32)
    base = np.hstack([u, v, u * v, np.abs(u - v)])
    feats = {
        "base": base,
        "base+actor": np.hstack([base, a, a * v]),
        "base x topic": np.hstack([base * topic[:, [0]], base * topic[:, [1]]]),
    }
    variants: list[tuple[str, str, Fit]] = [
        ("base LR C=1 (product)", "base", logistic(1.0)),
        ("base LR C=0.3", "base", logistic(0.3)),
        ("base LR C=3", "base", logistic(3.0)),
        ("base MLP 256", "base", mlp),
        ("base+actor LR C=1", "base+actor", logistic(1.0)),
        ("base x topic LR C=1", "base x topic", logistic(1.0)),
    ]
    labels = list(settings.labels)
    train = [i for i, e in enumerate(examples) if split[e.doc_id] == "train"]
    dev = [i for i, e in enumerate(examples) if split[e.doc_id] == "dev" and y[i] != "none"]
    groups = [group[e.doc_id] for e in examples]
    counts = Counter(g for g, label in zip(groups, y, strict=True) if label != "none")
    sources = [s for s, n in counts.most_common() if n >= 30]
    for name, feat, fit in variants:
        if args.only and name not in args.only:
            continue
        x = feats[feat]
        row: dict[str, object] = {"variant": name, "dev": round(score(fit, x, y, train, dev, labels), 4)}
        held_scores = []
        for source in sources:
            rest = [i for i, g in enumerate(groups) if g != source]
            held = [i for i, g in enumerate(groups) if g == source and y[i] != "none"]
            held_scores.append(score(fit, x, y, rest, held, labels))
            row[source] = round(held_scores[-1], 4)
        row["held_out_mean"] = round(float(np.mean(held_scores)), 4)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--set", nargs="*", default=[], help="config overrides, e.g. stance_context_sentences=3")
    parser.add_argument("--only", nargs="*", default=[], help="variant names to run (default: all)")
    main(parser.parse_args())
