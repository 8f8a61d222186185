"""Cross-validated tie-breaker for one label: the fine-tuned default vs a frozen-encoder pooled head.

python benchmarks/exploration/cv_frozen_label.py [--label foreign_interference] [--pooling mean] [--folds 5]
    [--cache A.npz [B.npz ...]] [--skip-model]

Dev (167 documents, about 30 positives per label, also used by the default pipeline for pooling, head,
blend and thresholds) and leave-one-source-out disagree on `foreign_interference` (see
`frozen_per_label.py`). This splits train+dev into K folds stratified by source and labels; fold k is
scored by (a) the whole default topic pipeline (`train_topics`, fine-tune included) trained on the other
folds' train articles and tuned on their dev articles, and (b) a frozen-MiniLM head (the given pooling
of all 256-token windows, C=10) fitted on the same train articles, thresholds on the same dev articles.
Per-label F1 over the pooled out-of-fold decisions. The test split is never read.
Needs the frozen window cache written by `frozen_per_label.py` (`/tmp/frozen_windows.npz`); several
caches (e.g. `/tmp/frozen_windows_128_96.npz` from `--window 128 96`) compare window lengths for the frozen
head on the same folds; `--skip-model` leaves out the fine-tuned pipeline (minutes instead of half an hour).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "benchmarks" / "exploration"))

from frozen_per_label import probabilities  # noqa: E402
from topics import prefix  # noqa: E402
from training.config import TrainConfig, load_config  # noqa: E402
from training.data import Corpus, build_corpus  # noqa: E402
from training.metrics import report, tune_thresholds  # noqa: E402
from training.topics import train_topics  # noqa: E402


def folds_of(articles: list, labels: list[str], k: int) -> list[int]:  # type: ignore[type-arg]
    groups: dict[tuple, list[int]] = defaultdict(list)  # type: ignore[type-arg]
    for i, a in enumerate(articles):
        groups[(prefix(a.id), *(lb in a.topics for lb in labels))].append(i)
    fold = [0] * len(articles)
    rng = random.Random(0)
    offset = 0
    for key in sorted(groups):
        members = groups[key]
        rng.shuffle(members)
        for j, i in enumerate(members):
            fold[i] = (offset + j) % k
        offset += len(members)
    return fold


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", default="foreign_interference")
    parser.add_argument("--pooling", default="mean")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cache", type=Path, nargs="+", default=[Path("/tmp/frozen_windows.npz")])
    parser.add_argument("--skip-model", action="store_true", help="frozen heads only (no fine-tune per fold)")
    args = parser.parse_args()
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    labels = corpus.labels
    order = [a.id for s in ("train", "dev", "test") for a in corpus.splits[s]]
    index = {doc_id: i for i, doc_id in enumerate(order)}
    caches = {f"frozen:{c.stem}": np.load(c) for c in args.cache}
    y_all = np.array([[int(lb in a.topics) for lb in labels] for s in ("train", "dev", "test") for a in corpus.splits[s]])
    pool = [(a, s) for s in ("train", "dev") for a in corpus.splits[s]]
    fold = folds_of([a for a, _ in pool], labels, args.folds)
    cfg = TrainConfig.from_dict(load_config(ROOT / "configs" / "default.yaml").to_dict() | {"onnx_export": False})
    models = ([] if args.skip_model else ["model", "frozen_first_lr"]) + list(caches)
    out: dict[str, list[np.ndarray]] = {"y": [], **{m: [] for m in models}}
    for k in range(args.folds):
        part = {
            "train": [a for (a, s), f in zip(pool, fold, strict=True) if f != k and s == "train"],
            "dev": [a for (a, s), f in zip(pool, fold, strict=True) if f != k and s == "dev"],
            "test": [a for (a, _), f in zip(pool, fold, strict=True) if f == k],
        }
        ids = {s: np.array([index[a.id] for a in part[s]]) for s in part}
        out["y"].append(y_all[ids["test"]])
        for name, data in caches.items():
            frozen = probabilities(
                data["vectors"], data["owners"], ids["train"], y_all[ids["train"]], None, args.pooling, labels
            )
            frozen_thr = tune_thresholds(y_all[ids["dev"]], frozen(ids["dev"]))
            out[name].append(frozen(ids["test"]) >= np.asarray(frozen_thr))
        if not args.skip_model:
            with tempfile.TemporaryDirectory() as tmp:
                run = train_topics(cfg, Corpus(labels=labels, splits=part), Path(tmp) / "pkg", progress=lambda _m: None)
            for m in ("model", "frozen_first_lr"):
                out[m].append(run.probabilities[m]["test"] >= np.asarray(run.thresholds[m]))
        y = out["y"][-1]
        row = {m: report(y, out[m][-1].astype(float), [0.5] * len(labels), labels)[f"{args.label}_f1"] for m in out if m != "y"}
        print(json.dumps({"fold": k, "n": len(y), "positives": y.sum(0).tolist(), **{m: round(v, 3) for m, v in row.items()}}), flush=True)
    y = np.concatenate(out["y"])
    for m in models:
        r = report(y, np.concatenate(out[m]).astype(float), [0.5] * len(labels), labels)
        print(f"{m:28s} " + " ".join(f"{lb} {r[f'{lb}_f1']:.3f}" for lb in labels) + f" macro {r['macro_f1']:.3f}")


if __name__ == "__main__":
    main()
