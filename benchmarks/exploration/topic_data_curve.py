"""Scratch: how much do the topic models gain from more training articles (a learning curve on dev)?

python benchmarks/exploration/topic_data_curve.py [--fractions 0.75 1.0] [--seeds 13 14]

Per fraction f and seed: ``train_topics`` with configs/default.yaml (``seed=SEED``, no ONNX export) on the
first f of the train articles in a fixed random order (nested subsets); prints dev macro-F1 and per-label F1
of the model and of the two baselines (thresholds chosen on dev, as make train does). Dev only.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from training.config import load_config  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.topics import train_topics  # noqa: E402


def main(args: argparse.Namespace) -> None:
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    train = corpus.splits["train"]
    order = np.random.default_rng(0).permutation(len(train))
    for fraction in args.fractions:
        part = replace(
            corpus, splits={**corpus.splits, "train": [train[i] for i in sorted(order[: round(fraction * len(train))])]}
        )
        for seed in args.seeds:
            started = time.time()
            cfg = load_config(ROOT / "configs" / "default.yaml", [f"seed={seed}", "onnx_export=false", "stance=false"])
            with tempfile.TemporaryDirectory() as tmp:
                run = train_topics(cfg, part, Path(tmp) / "pkg", progress=lambda _m: None)
            row: dict[str, object] = {"fraction": fraction, "seed": seed}
            for name in ("model", "tfidf_lr", "frozen_first_lr"):
                dev = run.metrics[f"{name}/dev"]
                row[name] = {k: round(v, 4) for k, v in dev.items() if k.endswith("f1")}
            row["minutes"] = round((time.time() - started) / 60, 1)
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--fractions", nargs="+", type=float, default=[0.75, 1.0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[13, 14])
    main(parser.parse_args())
