"""Topic-model benchmark: several seeds on the fixed splits, and leave-one-source-out (LOSO).

    python benchmarks/topics.py [--configs configs/default.yaml configs/fast.yaml] [--seeds 13 14 15]
    python benchmarks/topics.py --configs configs/default.yaml --no-seeds --sources iff euvsd --blends

`--blends` adds two post-hoc candidates to every run, scored like the others (thresholds tuned on the
run's dev): `blend_equal`, the mean of the model, frozen-first-window and TF-IDF probabilities, and
`blend_dev_auc`, their weights on a 0.25 grid chosen by dev macro PR-AUC. `--no-seeds` skips the
fixed-split runs (and so never reads the test split), for recipe choice on LOSO alone.

Writes benchmarks/out/topics.json and prints Markdown tables for BENCHMARKS.md. No model is
registered; every run still goes through the same training code and predictor as `make train`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training.config import TrainConfig, load_config  # noqa: E402
from training.data import Corpus, build_corpus  # noqa: E402
from training.metrics import report, tune_thresholds  # noqa: E402
from training.topics import EncodingCache, TopicRun, train_topics  # noqa: E402

MODELS = ("model", "tfidf_lr", "frozen_first_lr")
BLENDS = ("blend_equal", "blend_dev_auc")
LOSO_SOURCES = ("iff", "euvsd", "se23", "bbc", "ptc", "bleep")


def prefix(article_id: str) -> str:
    return article_id.split("-", 1)[0]


def seed_runs(cfg: TrainConfig, corpus: Corpus, seeds: list[int], cache: EncodingCache) -> list[dict[str, float]]:
    rows = []
    for seed in seeds:
        run_cfg = TrainConfig.from_dict(cfg.to_dict() | {"seed": seed})
        started = time.time()
        with tempfile.TemporaryDirectory() as tmp:
            run = train_topics(run_cfg, corpus, Path(tmp) / "pkg", progress=lambda _m: None, cache=cache)
        row = {"seed": seed, "seconds": time.time() - started}
        for model in MODELS:
            for split in ("dev", "test"):
                row[f"{model}/{split}"] = run.metrics[f"{model}/{split}"]["macro_f1"]
        print(json.dumps({"config": cfg.name, **row}), flush=True)
        rows.append(row)
    return rows


def add_blends(run: TopicRun) -> None:
    """Post-hoc blends of the three models' probabilities, thresholds tuned on the run's dev."""
    dev = run.targets["dev"]
    parts = [run.probabilities[m] for m in MODELS]
    grid = [(a, b) for a in (0, 0.25, 0.5, 0.75, 1) for b in (0, 0.25, 0.5, 0.75, 1) if a + b <= 1]

    def mix(weights: tuple[float, float], split: str) -> np.ndarray:
        a, b = weights
        return np.asarray(a * parts[0][split] + b * parts[2][split] + (1 - a - b) * parts[1][split])

    def auc(weights: tuple[float, float]) -> float:
        return float(report(dev, mix(weights, "dev"), [0.5] * dev.shape[1], ["_"] * dev.shape[1])["macro_pr_auc"])

    best = max(grid, key=lambda w: (round(auc(w), 6), -abs(w[0] - 1 / 3) - abs(w[1] - 1 / 3)))
    for name, weights in (("blend_equal", (1 / 3, 1 / 3)), ("blend_dev_auc", best)):
        run.probabilities[name] = {s: mix(weights, s) for s in run.probabilities["model"]}
        run.thresholds[name] = tune_thresholds(dev, run.probabilities[name]["dev"])
    run.selection["blend_dev_auc_weights"] = f"model {best[0]}, frozen first {best[1]}, tfidf {1 - sum(best)}"


def loso_corpus(corpus: Corpus, source: str) -> Corpus:
    """Train/dev without ``source``; every document of ``source`` (all splits) becomes the test set."""
    keep = {s: [a for a in corpus.splits[s] if prefix(a.id) != source] for s in ("train", "dev")}
    held = [a for rows in corpus.splits.values() for a in rows if prefix(a.id) == source]
    return Corpus(labels=corpus.labels, splits={**keep, "test": held})


def loso_scores(
    run_targets: np.ndarray, probs: np.ndarray, thresholds: list[float], labels: list[str]
) -> dict[str, float]:
    """Per-label F1 where the held-out source has >= 3 positives; micro-F1; false-positive rate."""
    metrics = report(run_targets, probs, thresholds, labels)
    predicted = probs >= np.asarray(thresholds)
    negatives = run_targets == 0
    out = {"micro_f1": metrics["micro_f1"], "fp_rate": float(predicted[negatives].mean()) if negatives.any() else 0.0}
    scored = [lb for j, lb in enumerate(labels) if run_targets[:, j].sum() >= 3]
    for label in scored:
        out[f"{label}_f1"] = metrics[f"{label}_f1"]
    out["macro_f1_scored"] = float(np.mean([metrics[f"{lb}_f1"] for lb in scored])) if scored else float("nan")
    return out


def loso_runs(
    cfg: TrainConfig, corpus: Corpus, cache: EncodingCache, sources: list[str], blends: bool
) -> dict[str, dict[str, dict[str, float]]]:
    results: dict[str, dict[str, dict[str, float]]] = {}
    for source in sources:
        fold = loso_corpus(corpus, source)
        with tempfile.TemporaryDirectory() as tmp:
            run = train_topics(cfg, fold, Path(tmp) / "pkg", progress=lambda _m: None, cache=cache)
        if blends:
            add_blends(run)
        y = run.targets["test"]
        results[source] = {
            model: loso_scores(y, run.probabilities[model]["test"], run.thresholds[model], corpus.labels)
            | {"n": len(y), "positives": json.dumps(y.sum(axis=0).tolist())}  # type: ignore[dict-item]
            for model in run.probabilities
        }
        if blends:
            results[source]["selection"] = {"blend_dev_auc_weights": run.selection["blend_dev_auc_weights"]}  # type: ignore[dict-item]
        print(json.dumps({"config": cfg.name, "loso": source, **results[source]}), flush=True)
    return results


def _mean_sd(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} ± {sd:.3f}"


def seed_table(name: str, rows: list[dict[str, float]]) -> str:
    lines = [
        f"| config `{name}` | dev macro-F1 (mean ± sd) | test macro-F1 (mean ± sd) | per seed (test) |",
        "|---|---|---|---|",
    ]
    titles = {"model": "stancewatch", "tfidf_lr": "TF-IDF + LR", "frozen_first_lr": "frozen MiniLM first window + LR"}
    for model in MODELS:
        dev = [r[f"{model}/dev"] for r in rows]
        test = [r[f"{model}/test"] for r in rows]
        lines.append(
            f"| {titles[model]} | {_mean_sd(dev)} | {_mean_sd(test)} | {', '.join(f'{v:.3f}' for v in test)} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--configs", nargs="+", default=["configs/default.yaml", "configs/fast.yaml"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[13, 14, 15])
    parser.add_argument("--no-loso", action="store_true")
    parser.add_argument("--no-seeds", action="store_true", help="LOSO only: the test split is not read")
    parser.add_argument("--sources", nargs="+", default=list(LOSO_SOURCES), choices=LOSO_SOURCES)
    parser.add_argument("--blends", action="store_true", help="add the post-hoc three-way blends")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "topics.json"))
    args = parser.parse_args()
    cache = EncodingCache()
    results = {}
    for path in args.configs:
        cfg = load_config(ROOT / path, ["onnx_export=false"])  # probabilities come from the torch path
        corpus = build_corpus(ROOT / cfg.data_path, cfg.labels or None)
        results[cfg.name] = {"seeds": [] if args.no_seeds else seed_runs(cfg, corpus, args.seeds, cache)}
        if not args.no_loso:
            results[cfg.name]["loso"] = loso_runs(cfg, corpus, cache, args.sources, args.blends)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))
    for name, result in results.items():
        if result["seeds"]:
            print("\n" + seed_table(name, result["seeds"]))


if __name__ == "__main__":
    main()
