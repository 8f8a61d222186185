"""Stance model on the corpus with gold actors (issue 3 groundwork), beside a TF-IDF baseline.

    python benchmarks/stance_corpus.py [--epochs 2]

Trains the pair cross-encoder (training/stance.py) on train examples (gold stances + 'none'
negatives), reports favor/against/neutral macro-F1 on dev and test for the gold actors only (their
mention sentences as context), and the same for TF-IDF + LR. Writes benchmarks/out/stance_corpus.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serving.actors import ActorExtractor  # noqa: E402
from serving.encoder import default_encoder_path  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.finetune import cpu_has_bf16  # noqa: E402
from training.stance import StanceModel, StanceSettings, stance_macro_f1, tfidf_baseline, train_stance  # noqa: E402
from training.stance_data import build_examples  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "stance_corpus.json")
    args = parser.parse_args()
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    extractor = ActorExtractor()
    examples = {s: build_examples(corpus.splits[s], extractor, seed=args.seed) for s in ("train", "dev", "test")}
    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        settings = StanceSettings(epochs=args.epochs, bf16=cpu_has_bf16(), seed=args.seed)
        model = StanceModel(train_stance(default_encoder_path(), examples["train"], settings, Path(tmp) / "stance"))
        results: dict[str, object] = {"train_examples": len(examples["train"]), "train_seconds": 0.0}
        results["train_seconds"] = round(time.time() - started, 1)
        for split in ("dev", "test"):
            gold = [e for e in examples[split] if e.label != "none"]
            labels = [e.label for e in gold]
            results[f"{split}_gold_pairs"] = len(gold)
            results[f"{split}_model_macro_f1"] = round(stance_macro_f1(labels, model.predict(gold)), 4)
            results[f"{split}_tfidf_macro_f1"] = round(
                stance_macro_f1(labels, tfidf_baseline(examples["train"], gold)), 4
            )
            everything = examples[split]
            results[f"{split}_model_4way_accuracy"] = round(
                sum(p == e.label for p, e in zip(model.predict(everything), everything, strict=True)) / len(everything),
                4,
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
