"""Scratch: does the actor-salience model transfer to a source it never saw? Logistic (product) vs boosted trees.

python benchmarks/exploration/salience_loso.py [--trees DEPTH:ITERATIONS:LR ...]

Candidates and labels as training builds them (``training.salience.salience_examples``: every extracted
actor x gold topic of train+dev articles; label = the gold lists it). For each source S with enough
candidates: fit on the other sources, report ROC AUC on S, and the mean over the four largest held-out
sources (agg, euvsd, iff, ptc). Trees: sklearn's HistGradientBoostingClassifier, class-balanced, seed 13.
Test split not read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from serving.actors import ActorExtractor  # noqa: E402
from serving.stance import StanceSettings  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.salience import fit_salience, salience_examples  # noqa: E402

LARGE = ("agg", "euvsd", "iff", "ptc")
Fit = Callable[[np.ndarray, np.ndarray], Callable[[np.ndarray], np.ndarray]]


def logistic(x: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    return fit_salience(x, y).predict


def trees(depth: int, iterations: int, lr: float) -> Fit:
    def fit(x: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        model = HistGradientBoostingClassifier(
            max_depth=depth, max_iter=iterations, learning_rate=lr, random_state=13, class_weight="balanced"
        ).fit(x, y)
        return lambda rows: model.predict_proba(rows)[:, 1]

    return fit


def main(args: argparse.Namespace) -> None:
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    articles = [a for s in ("train", "dev") for a in corpus.splits[s] if a.topics]
    extractor = ActorExtractor()
    blocks = {}
    for source in sorted({a.id.split("-")[0] for a in articles}):
        x, y = salience_examples([a for a in articles if a.id.split("-")[0] == source], extractor, StanceSettings())
        if len(y) >= 30 and len(set(y.tolist())) == 2:
            blocks[source] = (x, y)
    models: dict[str, Fit] = {"logistic (product)": logistic}
    for spec in args.trees:
        depth, iterations, lr = spec.split(":")
        models[f"trees depth {depth}, {iterations} iterations, lr {lr}"] = trees(int(depth), int(iterations), float(lr))
    for name, fit in models.items():
        auc = {}
        for held, (x_s, y_s) in blocks.items():
            x_tr = np.vstack([x for s, (x, _) in blocks.items() if s != held])
            y_tr = np.concatenate([y for s, (_, y) in blocks.items() if s != held])
            auc[held] = round(float(roc_auc_score(y_s, fit(x_tr, y_tr)(x_s))), 3)
        large = round(float(np.mean([auc[s] for s in LARGE if s in auc])), 3)
        print(json.dumps({"model": name, "held_out_auc": auc, "mean_large_sources": large}), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--trees", nargs="*", default=["3:200:0.05", "3:50:0.05", "2:100:0.05", "1:200:0.1"])
    main(parser.parse_args())
