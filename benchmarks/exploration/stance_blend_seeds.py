"""Scratch: dev gold-actor macro-F1 of saved stance seeds blended with the TF-IDF stance model (dev only).

python benchmarks/exploration/stance_blend_seeds.py [SEED ...]

Reads the dev probabilities that ``stance_seeds.py`` saved for the product recipe
(benchmarks/out/stance_c1_n2_e4_lr5e-05_h0.002_seed{SEED}_dev.npy), fits the TF-IDF + LR stance model
of ``make train`` on the same train pairs, and prints the macro-F1 at each cross-encoder weight.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from serving.actors import ActorExtractor  # noqa: E402
from serving.stance import STANCES, StanceSettings, sparse_proba  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.stance import fit_tfidf, stance_macro_f1  # noqa: E402
from training.stance_data import build_examples  # noqa: E402

WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
ENGAGED = ["favor", "against", "neutral"]


def main(seeds: list[int]) -> None:
    corpus = build_corpus(ROOT / "data/articles.jsonl")
    extractor, settings = ActorExtractor(), StanceSettings()
    train = build_examples(corpus.splits["train"], extractor, 1, 2, 13)
    dev = build_examples(corpus.splits["dev"], extractor, 1, 2, 13)
    sparse_model = fit_tfidf([e.pair(settings) for e in train], [e.label for e in train], 13)
    gold = [i for i, e in enumerate(dev) if e.label != "none"]
    sparse = sparse_proba(sparse_model, [dev[i].pair(settings) for i in gold], list(STANCES))
    truth = [dev[i].label for i in gold]
    table = []
    for seed in seeds:
        dense = np.load(ROOT / f"benchmarks/out/stance_c1_n2_e4_lr5e-05_h0.002_seed{seed}_dev.npy")[gold]
        row = []
        for w in WEIGHTS:
            blend = w * dense + (1 - w) * sparse
            row.append(stance_macro_f1(truth, [ENGAGED[k] for k in blend[:, :3].argmax(1)]))
        table.append(row)
        print(f"seed {seed}: " + " / ".join(f"{w}: {v:.3f}" for w, v in zip(WEIGHTS, row, strict=True)))
    print("mean:    " + " / ".join(f"{w}: {v:.3f}" for w, v in zip(WEIGHTS, np.mean(table, 0), strict=True)))


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [13, 14, 15])
