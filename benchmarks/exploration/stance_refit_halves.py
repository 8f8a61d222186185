"""Scratch: does refitting the stance stage on train + the tuning articles pay, with the tuned choices kept?

python benchmarks/exploration/stance_refit_halves.py [--seeds 13 14] [--model URI]

Dev is split in two random halves A and B (fixed seed). Per seed and per half H (the other half O): the stance
stage of ``make train`` is trained on train, its blend and decision rule chosen on H (as make train chooses on
dev); it is scored on O; then ``refit_actor_stance`` retrains it on train + H keeping H's choices, and it is
scored on O again. Prints O's gold-actor macro-F1 and end-to-end triplet F1 before and after the refit. Test is
never read: this is the dev-only evidence for (or against) ``stance_refit``.
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
from serving.predictor import Predictor  # noqa: E402
from serving.registry import resolve_model  # noqa: E402
from training.config import load_config  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.stance_refit import refit_actor_stance  # noqa: E402
from training.stance_run import evaluate_end_to_end, train_actor_stance  # noqa: E402
from training.stance_tune import tune_stance_stage  # noqa: E402


def main(args: argparse.Namespace) -> None:
    local, _ = resolve_model(args.model, f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}")
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    dev = corpus.splits["dev"]
    order = np.random.default_rng(0).permutation(len(dev))
    halves = {
        "A": [dev[i] for i in sorted(order[: len(dev) // 2])],
        "B": [dev[i] for i in sorted(order[len(dev) // 2 :])],
    }
    for seed in args.seeds:
        cfg = load_config(ROOT / "configs" / "default.yaml", [f"seed={seed}", "onnx_export=false"])
        for tune, other in (("A", "B"), ("B", "A")):
            started = time.time()
            part = replace(corpus, splits={"train": corpus.splits["train"], "dev": halves[tune], "test": halves[other]})
            with tempfile.TemporaryDirectory() as tmp:
                package = Path(tmp) / "pkg"
                shutil.copytree(find_package(Path(local)), package, ignore=shutil.ignore_patterns("stance"))
                run = train_actor_stance(cfg, part, package, progress=lambda _m: None)
                tune_stance_stage(package, halves[tune], cfg.onnx_tolerance, export=False)
                before = evaluate_end_to_end(Predictor.from_directory(package, backend="auto"), part, ("test",))
                refit = refit_actor_stance(cfg, part, package, progress=lambda _m: None)
                after = evaluate_end_to_end(Predictor.from_directory(package, backend="auto"), part, ("test",))
            print(
                json.dumps(
                    {
                        "seed": seed,
                        "tuned_on": tune,
                        "scored_on": other,
                        "gold_actor_f1_before": round(run.metrics["stance_gold_actors.test.model_macro_f1"], 4),
                        "gold_actor_f1_after": round(refit["stance_gold_actors.test.model_macro_f1"], 4),
                        "triplet_f1_before": round(before["triplets.test.model_f1"], 4),
                        "triplet_f1_after": round(after["triplets.test.model_f1"], 4),
                        "tfidf_gold_actor_before": round(run.metrics["stance_gold_actors.test.tfidf_macro_f1"], 4),
                        "tfidf_gold_actor_after": round(refit["stance_gold_actors.test.tfidf_macro_f1"], 4),
                        "minutes": round((time.time() - started) / 60, 1),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", nargs="+", type=int, default=[13, 14])
    parser.add_argument("--model", default="models:/stancewatch/4", help="whose topic model to use")
    main(parser.parse_args())
