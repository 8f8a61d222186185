"""Scratch: the frozen-embedding stance model as a third blend component (dev gold-actor macro-F1, over seeds).

python benchmarks/exploration/frozen_stance_blend.py [--seeds 13 14 15] [--report-test]

Per seed: the stance stage of make train (configs/default.yaml, seed=SEED, no ONNX export) on v4's topic model;
on the gold actors of dev, the cross-encoder (dense), TF-IDF (sparse) and frozen-embedding LR (frozen, C=1,
``frozen_stance.py``) probabilities; macro-F1 of: the product's two-way blend (weight chosen on dev, as make
train does), the best three-way blend on a 0.25 grid (chosen on dev: optimistic), and fixed equal thirds
(nothing chosen). With --report-test the same on test at the dev-chosen weights (report only).
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "exploration"))

from frozen_stance import features, gold_f1  # noqa: E402

from serving.actors import ActorExtractor  # noqa: E402
from serving.encoder import TorchEncoder, default_encoder_path  # noqa: E402
from serving.package import find_package  # noqa: E402
from serving.registry import resolve_model  # noqa: E402
from serving.stance import STANCE_DIR, StanceScorer  # noqa: E402
from training.config import load_config  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.stance_run import settings_from, stance_examples, train_actor_stance  # noqa: E402

GRID = [w for w in itertools.product((0.0, 0.25, 0.5, 0.75, 1.0), repeat=3) if abs(sum(w) - 1) < 1e-9]


def main(args: argparse.Namespace) -> None:
    local, _ = resolve_model("models:/stancewatch/4", f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}")
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    cfg = load_config(ROOT / "configs" / "default.yaml", ["onnx_export=false"])
    settings = settings_from(cfg)
    extractor = ActorExtractor()
    splits = ("train", "dev", "test") if args.report_test else ("train", "dev")
    ex = {s: stance_examples(cfg, corpus.splits[s], extractor, settings, "gold") for s in splits}
    pairs = {s: [e.pair(settings) for e in rows] for s, rows in ex.items()}
    labels = {s: [e.label for e in rows] for s, rows in ex.items()}
    keep = {s: [i for i, label in enumerate(labels[s]) if label != "none"] for s in splits if s != "train"}
    encoder = TorchEncoder(default_encoder_path(), bf16=True)
    frozen_lr = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000)
    frozen_lr.fit(features(encoder, pairs["train"]), labels["train"])
    label_set = list(settings.labels)
    order = [list(frozen_lr.classes_).index(label) for label in label_set]
    frozen = {
        s: frozen_lr.predict_proba(features(encoder, [pairs[s][i] for i in k]))[:, order] for s, k in keep.items()
    }
    gold = {s: [labels[s][i] for i in k] for s, k in keep.items()}
    for seed in args.seeds:
        cfg = load_config(ROOT / "configs" / "default.yaml", [f"seed={seed}", "onnx_export=false"])
        with tempfile.TemporaryDirectory() as tmp:
            package = Path(tmp) / "pkg"
            shutil.copytree(find_package(Path(local)), package, ignore=shutil.ignore_patterns("stance"))
            run = train_actor_stance(cfg, corpus, package, progress=lambda _m: None)
            scorer = StanceScorer(package / STANCE_DIR)
            parts = {s: scorer.components([pairs[s][i] for i in k]) for s, k in keep.items()}

        def f1(split: str, w: tuple[float, float, float]) -> float:
            dense, sparse = parts[split]
            assert sparse is not None
            return gold_f1(w[0] * dense + w[1] * sparse + w[2] * frozen[split], label_set, gold[split])

        two = float(run.selection["stance_blend_weight"])
        best3 = max(GRID, key=lambda w: (round(f1("dev", w), 6), -max(w)))
        row = {
            "seed": seed,
            "dev_two_way": round(f1("dev", (two, 1 - two, 0.0)), 4),
            "two_way_weight": two,
            "dev_three_way_best": round(f1("dev", best3), 4),
            "three_way_weights": best3,
            "dev_thirds": round(f1("dev", (1 / 3, 1 / 3, 1 / 3)), 4),
            "dev_dense_frozen_half": round(f1("dev", (0.5, 0.0, 0.5)), 4),
            "dev_frozen_alone": round(f1("dev", (0.0, 0.0, 1.0)), 4),
        }
        if args.report_test:
            row |= {
                "test_two_way": round(f1("test", (two, 1 - two, 0.0)), 4),
                "test_three_way_best": round(f1("test", best3), 4),
                "test_thirds": round(f1("test", (1 / 3, 1 / 3, 1 / 3)), 4),
                "test_frozen_alone": round(f1("test", (0.0, 0.0, 1.0)), 4),
            }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", nargs="+", type=int, default=[13, 14, 15])
    parser.add_argument("--report-test", action="store_true")
    main(parser.parse_args())
