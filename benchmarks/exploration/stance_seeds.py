"""Scratch: does averaging stance cross-encoders trained with different seeds help on dev?

python benchmarks/exploration/stance_seeds.py [--context N] [--none N] [--epochs N] [--lr X] [--head-lr X]
    [--weight-power P] [--report-test] [SEED ...]

Trains the product stance recipe (configs/default.yaml settings: 1 context sentence, 2 `none` actors per
topic, 4 epochs, bf16) once per seed on train, and scores dev gold-actor macro-F1 and engaged F1 for
each model alone and for the average of the first k models' probabilities (k = 2..n). Dev only, unless
--report-test: then each model's gold-actor macro-F1 on test is printed too (a report, chosen on nothing).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from serving.actors import ActorExtractor  # noqa: E402
from serving.encoder import default_encoder_path  # noqa: E402
from serving.stance import StanceScorer, StanceSettings  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.stance import StanceTraining, stance_macro_f1, train_stance, tune_none_threshold  # noqa: E402
from training.stance_data import build_examples  # noqa: E402


def scores(probs: np.ndarray, dev: list, settings: StanceSettings) -> dict[str, float]:
    cut, engaged = tune_none_threshold(probs, [e.label for e in dev], settings.labels)
    gold = [i for i, e in enumerate(dev) if e.label != "none"]
    pred3 = [("favor", "against", "neutral")[k] for k in probs[gold, :3].argmax(1)]
    f1 = stance_macro_f1([dev[i].label for i in gold], pred3)
    return {"dev_gold_macro_f1": round(f1, 4), "dev_engaged_f1": round(engaged, 4), "none_cut": cut}


def test_report(scorer: StanceScorer, test: list, settings: StanceSettings) -> dict[str, float]:
    """Gold-actor macro-F1 on test (for the report only; nothing is chosen on it)."""
    gold = [e for e in test if e.label != "none"]
    probs = scorer.predict_proba([e.pair(settings) for e in gold])
    predicted = [("favor", "against", "neutral")[k] for k in probs[:, :3].argmax(1)]
    return {"test_gold_macro_f1": round(stance_macro_f1([e.label for e in gold], predicted), 4)}


def main(seeds: list[int], args: argparse.Namespace) -> None:
    corpus = build_corpus(ROOT / "data/articles.jsonl")
    extractor = ActorExtractor()
    settings = StanceSettings(context_sentences=args.context)
    splits = ("train", "dev", "test") if args.report_test else ("train", "dev")
    ex = {s: build_examples(corpus.splits[s], extractor, args.context, args.none) for s in splits}
    tag = f"c{args.context}_n{args.none}_e{args.epochs}_lr{args.lr}_h{args.head_lr}"
    if args.weight_power != 0.5:
        tag += f"_w{args.weight_power}"
    pairs = [e.pair(settings) for e in ex["train"]]
    dev = ex["dev"]
    all_probs = []
    for seed in seeds:
        started = time.time()
        with tempfile.TemporaryDirectory() as tmp:
            out = train_stance(
                default_encoder_path(),
                pairs,
                [e.label for e in ex["train"]],
                settings,
                StanceTraining(
                    epochs=args.epochs,
                    lr=args.lr,
                    head_lr=args.head_lr,
                    bf16=True,
                    seed=seed,
                    class_weight_power=args.weight_power,
                ),
                Path(tmp) / "s",
            )
            scorer = StanceScorer(out)
            probs = scorer.predict_proba([e.pair(settings) for e in dev])
            test = test_report(scorer, ex["test"], settings) if args.report_test else {}
        all_probs.append(probs)
        np.save(ROOT / f"benchmarks/out/stance_{tag}_seed{seed}_dev.npy", probs)
        print(
            json.dumps(
                {
                    "variant": tag,
                    "seed": seed,
                    **scores(probs, dev, settings),
                    **test,
                    "seconds": round(time.time() - started),
                }
            ),
            flush=True,
        )
        if len(all_probs) > 1:
            mean = np.mean(all_probs, axis=0)
            print(json.dumps({"ensemble_of": seeds[: len(all_probs)], **scores(mean, dev, settings)}), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("seeds", nargs="*", type=int, default=[13, 14, 15])
    parser.add_argument("--context", type=int, default=1)
    parser.add_argument("--none", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--head-lr", type=float, default=2e-3)
    parser.add_argument("--weight-power", type=float, default=0.5, help="class weights (1/share) ** power")
    parser.add_argument("--report-test", action="store_true")
    cli = parser.parse_args()
    main(cli.seeds, cli)
