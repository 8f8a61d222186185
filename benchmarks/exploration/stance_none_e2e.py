"""'none' actors per topic in stance training, judged end to end on dev (the measure serving lives by).

python benchmarks/exploration/stance_none_e2e.py N [N ...]

For each N: copies the champion's topic model, trains the stance stage with the product code
(`stance_none_per_topic=N`, everything else from configs/default.yaml, no ONNX export), tunes the
'none' cut and minimum mentions on dev end to end, and prints dev triplet F1 and dev gold-actor
macro-F1. Session 2 chose N=2 on sampled dev pairs (gold-actor macro-F1 and engaged F1), which do
not reward telling the many non-annotated actors apart.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from serving.package import find_package  # noqa: E402
from serving.registry import resolve_model  # noqa: E402
from training.config import load_config  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.stance_run import train_actor_stance  # noqa: E402
from training.stance_tune import tune_stance_stage  # noqa: E402


def main(values: list[int]) -> None:
    local, _ = resolve_model("models:/stancewatch@champion", f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}")
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    for n in values:
        started = time.time()
        cfg = load_config(ROOT / "configs" / "default.yaml", [f"stance_none_per_topic={n}", "onnx_export=false"])
        with tempfile.TemporaryDirectory() as tmp:
            package = Path(tmp) / "pkg"
            shutil.copytree(find_package(Path(local)), package, ignore=shutil.ignore_patterns("stance"))
            run = train_actor_stance(cfg, corpus, package, progress=lambda _m: None)
            chosen = tune_stance_stage(package, corpus.splits["dev"], cfg.onnx_tolerance, export=False)
        print(
            json.dumps(
                {
                    "none_per_topic": n,
                    "train_pairs": sum(v for k, v in run.metrics.items() if k.startswith("stance_train_pairs_")),
                    "dev_triplet_f1": round(float(chosen["stance_dev_triplet_f1_at_cut"]), 4),
                    "none_cut": chosen["stance_none_threshold"],
                    "min_mentions": chosen["stance_min_mentions"],
                    "dev_gold_actor_macro_f1": round(run.metrics["stance_gold_actors.dev.model_macro_f1"], 4),
                    "blend_weight": run.selection["stance_blend_weight"],
                    "minutes": round((time.time() - started) / 60, 1),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main([int(v) for v in sys.argv[1:]] or [2])
