"""Scratch: frozen-embedding stance LR vs TF-IDF + LR on gold actors of held-out sources (no fine-tuning).

python benchmarks/exploration/frozen_stance_loso.py

For each source group S with at least 30 gold stances: both models fitted on the train+dev pairs of the other
sources (features of ``frozen_stance.py``, C=1; TF-IDF as make train fits it), gold-actor macro-F1 on every
article of S, and their probability average. Test is not read.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "exploration"))

from frozen_stance import features, gold_f1  # noqa: E402

from serving.actors import ActorExtractor  # noqa: E402
from serving.encoder import TorchEncoder, default_encoder_path  # noqa: E402
from serving.stance import StanceSettings, sparse_proba  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.stance import fit_tfidf  # noqa: E402
from training.stance_data import build_examples  # noqa: E402


def main() -> None:
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    articles = corpus.splits["train"] + corpus.splits["dev"]
    settings = StanceSettings(max_length=192)
    examples = build_examples(articles, ActorExtractor(), 1, 2, 13)
    group = {a.id: a.source_group() for a in articles}
    groups = [group[e.doc_id] for e in examples]
    pairs = [e.pair(settings) for e in examples]
    labels = np.asarray([e.label for e in examples])
    x = features(TorchEncoder(default_encoder_path(), bf16=True), pairs)
    label_set = list(settings.labels)
    counts = Counter(g for g, y in zip(groups, labels, strict=True) if y != "none")
    for source, n in counts.most_common():
        if n < 30:
            continue
        train = [i for i, g in enumerate(groups) if g != source]
        held = [i for i, g in enumerate(groups) if g == source and labels[i] != "none"]
        model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000).fit(x[train], labels[train])
        order = [list(model.classes_).index(label) for label in label_set]
        frozen = model.predict_proba(x[held])[:, order]
        tfidf = sparse_proba(fit_tfidf([pairs[i] for i in train], labels[train]), [pairs[i] for i in held], label_set)
        gold = list(labels[held])
        row = {
            "held_out": source,
            "gold_stances": n,
            "tfidf": round(gold_f1(tfidf, label_set, gold), 4),
            "frozen": round(gold_f1(frozen, label_set, gold), 4),
            "average": round(gold_f1(0.5 * frozen + 0.5 * tfidf, label_set, gold), 4),
        }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
