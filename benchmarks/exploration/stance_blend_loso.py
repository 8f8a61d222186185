"""Scratch: stance blends on gold actors of held-out sources, the cross-encoder included (test not read).

python benchmarks/exploration/stance_blend_loso.py [--seed 13] [--sources ...]

For each source group S with at least 30 gold stances: the stance cross-encoder (the product's
``train_stance`` with configs/default.yaml settings), TF-IDF + LR and the frozen-embedding LR
(``frozen_stance.py``, C=1) fitted on the train+dev pairs of the other sources; gold-actor macro-F1 on
every article of S for the cross-encoder alone, the product's blend with TF-IDF (0.5), the blend with the
frozen model instead (0.5), and equal thirds.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "exploration"))

from frozen_stance import features, gold_f1  # noqa: E402

from serving.actors import ActorExtractor  # noqa: E402
from serving.encoder import TorchEncoder, default_encoder_path, resolve_encoder  # noqa: E402
from serving.stance import StanceScorer, sparse_proba  # noqa: E402
from training.config import load_config  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.stance import fit_tfidf, train_stance  # noqa: E402
from training.stance_run import settings_from, stance_examples, stance_training  # noqa: E402


def main(args: argparse.Namespace) -> None:
    cfg = load_config(ROOT / "configs" / "default.yaml", [f"seed={args.seed}"])
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    articles = corpus.splits["train"] + corpus.splits["dev"]
    settings = settings_from(cfg)
    examples = stance_examples(cfg, articles, ActorExtractor(), settings, "gold")
    group = {a.id: a.source_group() for a in articles}
    groups = [group[e.doc_id] for e in examples]
    pairs = [e.pair(settings) for e in examples]
    labels = np.asarray([e.label for e in examples])
    x = features(TorchEncoder(default_encoder_path(), bf16=True), pairs)
    label_set = list(settings.labels)
    counts = Counter(g for g, y in zip(groups, labels, strict=True) if y != "none")
    training = stance_training(cfg)
    for source, n in counts.most_common():
        if n < 30 or (args.sources and source not in args.sources):
            continue
        started = time.time()
        train = [i for i, g in enumerate(groups) if g != source]
        held = [i for i, g in enumerate(groups) if g == source and labels[i] != "none"]
        model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000).fit(x[train], labels[train])
        frozen = model.predict_proba(x[held])[:, [list(model.classes_).index(label) for label in label_set]]
        tfidf = sparse_proba(fit_tfidf([pairs[i] for i in train], labels[train]), [pairs[i] for i in held], label_set)
        with tempfile.TemporaryDirectory() as tmp:
            out = train_stance(
                resolve_encoder(cfg.encoder),
                [pairs[i] for i in train],
                list(labels[train]),
                settings,
                training,
                Path(tmp) / "s",
            )
            dense, _ = StanceScorer(out).components([pairs[i] for i in held])
        gold = list(labels[held])
        row = {
            "held_out": source,
            "gold_stances": n,
            "dense": round(gold_f1(dense, label_set, gold), 4),
            "dense+tfidf": round(gold_f1(0.5 * dense + 0.5 * tfidf, label_set, gold), 4),
            "dense+frozen": round(gold_f1(0.5 * dense + 0.5 * frozen, label_set, gold), 4),
            "thirds": round(gold_f1((dense + tfidf + frozen) / 3, label_set, gold), 4),
            "tfidf": round(gold_f1(tfidf, label_set, gold), 4),
            "frozen": round(gold_f1(frozen, label_set, gold), 4),
            "minutes": round((time.time() - started) / 60, 1),
        }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--sources", nargs="*", default=[])
    main(parser.parse_args())
