"""Held-out sources at every TF-IDF blend weight: does the dev-chosen blend transfer?

python benchmarks/exploration/loso_blend.py [--sources euvsd iff se23 ptc] [--set KEY=VALUE ...]

Per source S: the default topic pipeline (`train_topics`, configs/default.yaml plus overrides) trained on
train/dev without S, as `benchmarks/topics.py` does; then, for every weight of `ensemble_weights`, the
dense/TF-IDF blend with thresholds re-tuned on the fold's dev, scored on all of S (per-label F1 where S
has >= 3 positives). Prints the weight dev chose in the fold beside them. The test split is not read.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from topics import loso_corpus, loso_scores  # noqa: E402

from serving.predictor import Predictor, blend  # noqa: E402
from training.config import load_config  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.metrics import tune_thresholds  # noqa: E402
from training.topics import train_topics  # noqa: E402


def components(predictor: Predictor, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    dense, sparse = predictor.component_proba(texts, *predictor.encode_windows(texts))
    assert sparse is not None
    return dense, sparse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", nargs="+", default=["euvsd", "iff", "se23", "ptc"])
    parser.add_argument("--set", nargs="*", default=[], dest="overrides")
    args = parser.parse_args()
    cfg = load_config(ROOT / "configs" / "default.yaml", ["onnx_export=false", *args.overrides])
    corpus = build_corpus(ROOT / cfg.data_path)
    for source in args.sources:
        fold = loso_corpus(corpus, source)
        with tempfile.TemporaryDirectory() as tmp:
            run = train_topics(cfg, fold, Path(tmp) / "pkg", progress=lambda _m: None)
            predictor = Predictor.from_directory(run.package_dir, backend="torch", actors=False)
            parts = {s: components(predictor, fold.texts(s)) for s in ("dev", "test")}
        y_dev, y_held = np.asarray(fold.targets("dev")), np.asarray(fold.targets("test"))
        rows = {}
        for weight in cfg.ensemble_weights:
            thresholds = tune_thresholds(y_dev, blend(*parts["dev"], weight), cfg.threshold_grid)
            scores = loso_scores(y_held, blend(*parts["test"], weight), thresholds, corpus.labels)
            rows[weight] = {k: round(v, 3) for k, v in scores.items() if k.endswith("_f1") or k == "fp_rate"}
        print(json.dumps({"source": source, "dev_chose": run.manifest.blend_weight, "by_weight": rows}), flush=True)


if __name__ == "__main__":
    main()
