"""Topic recipe variants on dev (and optionally leave-one-source-out), never reading the test split.

python benchmarks/exploration/topic_variants.py "finetune_epochs=1" "finetune_window=256 finetune_chunks=1" [--loso iff euvsd [--skip-dev]]
(variants before --loso, which takes the rest of the line)

Each argument is a set of `key=value` overrides of configs/default.yaml. Prints, per variant, the dev
macro-F1 of the model (pooling, blend and thresholds chosen on dev as in `make train`) and, with
--loso, the held-out source's micro-F1 / FP rate (same code as benchmarks/topics.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from topics import loso_corpus, loso_scores  # noqa: E402

from serving.predictor import Predictor  # noqa: E402
from serving.schema import join_title  # noqa: E402
from training.config import load_config  # noqa: E402
from training.data import Corpus, build_corpus  # noqa: E402
from training.topics import train_topics  # noqa: E402


_SEED_RECORD = json.loads((ROOT / "data" / "seed_example.json").read_text())
SEED = join_title(_SEED_RECORD.get("title"), _SEED_RECORD["text"])  # printed for reference, never used to choose


def dev_only(corpus: Corpus) -> Corpus:
    """The fixed splits with the test split replaced by dev, so nothing of test is read."""
    return Corpus(labels=corpus.labels, splits={**corpus.splits, "test": corpus.splits["dev"]})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("variants", nargs="+")
    parser.add_argument("--loso", nargs="*", default=[])
    parser.add_argument("--skip-dev", action="store_true", help="LOSO folds only")
    args = parser.parse_args()
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    for variant in args.variants:
        cfg = load_config(ROOT / "configs" / "default.yaml", variant.split() + ["stance=false"])
        folds = [] if args.skip_dev else [("dev", dev_only(corpus))]
        folds += [(s, loso_corpus(corpus, s)) for s in args.loso]
        for name, fold in folds:
            started = time.time()
            with tempfile.TemporaryDirectory() as tmp:
                run = train_topics(cfg, fold, Path(tmp) / "pkg", progress=lambda _m: None)
                seed_probs = Predictor.from_directory(Path(tmp) / "pkg").predict_proba([SEED]).probabilities[0]
            if name == "dev":
                row = {
                    m: round(run.metrics[f"{m}/dev"]["macro_f1"], 4) for m in ("model", "frozen_first_lr", "tfidf_lr")
                }
                dev = run.metrics["model/dev"]
                row |= {f"dev_{k}": round(v, 4) for k, v in dev.items() if k.endswith("_f1") or k == "macro_pr_auc"}
                row |= {"aggregation": run.manifest.aggregation, "blend": run.manifest.blend_weight}
                row |= {"thresholds": [round(t, 2) for t in run.manifest.thresholds]}
            else:
                y = run.targets["test"]
                row = {
                    m: loso_scores(y, run.probabilities[m]["test"], run.thresholds[m], corpus.labels)
                    for m in ("model",)
                }
            row["seed_article"] = {lb: round(float(p), 3) for lb, p in zip(corpus.labels, seed_probs, strict=True)}
            print(
                json.dumps({"variant": variant, "fold": name, **row, "seconds": round(time.time() - started)}),
                flush=True,
            )


if __name__ == "__main__":
    main()
