"""Scratch: do two new actor-salience features help, on dev and on held-out sources?

python benchmarks/exploration/salience_features.py

Candidates and labels as training builds them (every extracted actor x gold topic; label = the gold
lists it). New features: ``in_title`` (a mention inside the headline) and ``centrality`` (cosine of the
pretrained MiniLM embedding of the actor's first three mention sentences with that of the article's
headline + first 128 tokens). Feature sets scored with the product's trees (depth 3, 50 iterations,
lr 0.05): ROC AUC on dev (fit on train) and held-out-source AUC (fit on the other sources of train+dev;
mean over agg, euvsd, iff, ptc). Test split not read.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from serving.actor_stance import candidates  # noqa: E402
from serving.actors import ActorExtractor, names_match  # noqa: E402
from serving.encoder import TorchEncoder, default_encoder_path  # noqa: E402
from serving.stance import StanceSettings  # noqa: E402
from training.data import build_corpus  # noqa: E402

LARGE = ("agg", "euvsd", "iff", "ptc")


def embed(encoder: TorchEncoder, texts: list[str], length: int = 128) -> np.ndarray:
    ids = [encoder.tokenizer(t, truncation=True, max_length=length)["input_ids"] for t in texts]
    return encoder.encode(ids)


def main() -> None:
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    rows = []
    extractor = ActorExtractor()
    encoder = TorchEncoder(default_encoder_path(), bf16=True)
    for split in ("train", "dev"):
        arts = [a for a in corpus.splits[split] if a.topics]
        texts = [a.full_text() for a in arts]
        _, asked = candidates(texts, [a.topics for a in arts], extractor, replace(StanceSettings(), min_mentions=1))
        leads = embed(encoder, texts)
        ctx = embed(encoder, [" ".join(c.actor.sentences[:3]) for c in asked])
        for c, v in zip(asked, ctx):
            a = arts[c.doc]
            title_end = len((a.title or "").strip())
            label = int(any(c.topic in g.stances and names_match(c.actor.name, g.name) for g in a.actors))
            in_title = float(any(m.start < title_end for m in c.actor.mentions))
            rows.append((split, a.id.split("-")[0], c.features, in_title, float(v @ leads[c.doc]), label))
    base = np.array([r[2] for r in rows])
    extra = {"in_title": np.array([[r[3]] for r in rows]), "centrality": np.array([[r[4]] for r in rows])}
    y = np.array([r[5] for r in rows])
    split = np.array([r[0] for r in rows])
    source = np.array([r[1] for r in rows])
    print(f"{len(y)} candidates, {y.mean():.3f} salient; in_title share {extra['in_title'].mean():.3f}", flush=True)
    sets = {
        "product": base,
        "+in_title": np.hstack([base, extra["in_title"]]),
        "+centrality": np.hstack([base, extra["centrality"]]),
        "+both": np.hstack([base, extra["in_title"], extra["centrality"]]),
    }
    for name, x in sets.items():
        dev_auc = []
        for seed in (13, 14, 15):
            m = HistGradientBoostingClassifier(max_depth=3, max_iter=50, learning_rate=0.05, class_weight="balanced", random_state=seed)
            m.fit(x[split == "train"], y[split == "train"])
            dev_auc.append(roc_auc_score(y[split == "dev"], m.predict_proba(x[split == "dev"])[:, 1]))
        held = {}
        for s in sorted(set(source)):
            te = source == s
            if te.sum() < 30 or len(set(y[te])) < 2:
                continue
            m = HistGradientBoostingClassifier(max_depth=3, max_iter=50, learning_rate=0.05, class_weight="balanced", random_state=13)
            m.fit(x[~te], y[~te])
            held[s] = round(float(roc_auc_score(y[te], m.predict_proba(x[te])[:, 1])), 3)
        large = round(float(np.mean([held[s] for s in LARGE if s in held])), 3)
        print(json.dumps({"features": name, "dev_auc": round(float(np.mean(dev_auc)), 3), "held_out_auc": held, "mean_large": large}), flush=True)


if __name__ == "__main__":
    main()
