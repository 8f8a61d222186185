"""Scratch: how much does the stance stage gain from more training articles (a learning curve on dev)?

python benchmarks/exploration/stance_data_curve.py [--fractions 0.5 0.75 1.0] [--seeds 13 14 15] [--model URI]

Per fraction f and seed: the stance stage of ``make train`` (configs/default.yaml, ``seed=SEED``, no ONNX
export) trained on the first f of the train articles in a fixed random order (nested subsets), on the topic
model of --model; prints dev gold-actor macro-F1 (blend chosen on dev as make train does) and dev triplet F1
(rule chosen on dev end to end). Dev only: the curve's slope says whether refitting on train+dev (a quarter
more articles) is worth it, without reading test.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from serving.package import find_package  # noqa: E402
from serving.registry import resolve_model  # noqa: E402
from training.config import load_config  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.stance_run import train_actor_stance  # noqa: E402
from training.stance_tune import tune_stance_stage  # noqa: E402


def main(args: argparse.Namespace) -> None:
    local, _ = resolve_model(args.model, f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}")
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    train = corpus.splits["train"]
    order = np.random.default_rng(0).permutation(len(train))
    for fraction in args.fractions:
        subset = [train[i] for i in sorted(order[: round(fraction * len(train))])]
        part = replace(corpus, splits={**corpus.splits, "train": subset})
        for seed in args.seeds:
            started = time.time()
            cfg = load_config(ROOT / "configs" / "default.yaml", [f"seed={seed}", "onnx_export=false"])
            with tempfile.TemporaryDirectory() as tmp:
                package = Path(tmp) / "pkg"
                shutil.copytree(find_package(Path(local)), package, ignore=shutil.ignore_patterns("stance"))
                run = train_actor_stance(cfg, part, package, progress=lambda _m: None)
                chosen = tune_stance_stage(package, corpus.splits["dev"], cfg.onnx_tolerance, export=False)
            print(
                json.dumps(
                    {
                        "fraction": fraction,
                        "train_articles": len(subset),
                        "seed": seed,
                        "dev_gold_actor_macro_f1": round(run.metrics["stance_gold_actors.dev.model_macro_f1"], 4),
                        "dev_triplet_f1": round(float(chosen["stance_dev_triplet_f1_at_cut"]), 4),
                        "minutes": round((time.time() - started) / 60, 1),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--fractions", nargs="+", type=float, default=[0.5, 0.75, 1.0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[13, 14, 15])
    parser.add_argument("--model", default="models:/stancewatch/4", help="whose topic model to use")
    main(parser.parse_args())
