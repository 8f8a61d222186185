"""Scratch: a stance classifier on frozen MiniLM sentence embeddings, alone and blended with TF-IDF (dev only).

python benchmarks/exploration/frozen_stance.py

Pairs as make train builds them (1 context sentence, 2 `none` actors per topic, seed 13). Features of a pair:
[u, v, u*v, |u-v|] with u the embedding of "actor. proposition" and v that of the context (pretrained
all-MiniLM-L6-v2, mean pooled, normalised); class-balanced logistic regression. Dev gold-actor macro-F1
(likeliest engaged stance) of it, of TF-IDF + LR on the same pairs, and of their probability average.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from serving.actors import ActorExtractor  # noqa: E402
from serving.encoder import TorchEncoder, default_encoder_path  # noqa: E402
from serving.stance import StanceSettings, sparse_proba  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.stance import fit_tfidf, stance_macro_f1  # noqa: E402
from training.stance_data import build_examples  # noqa: E402

ENGAGED = ("favor", "against", "neutral")


def embed(encoder: TorchEncoder, texts: list[str]) -> np.ndarray:
    ids = [encoder.tokenizer(t, truncation=True, max_length=128)["input_ids"] for t in texts]
    return encoder.encode(ids)


def features(encoder: TorchEncoder, pairs: list[tuple[str, str]]) -> np.ndarray:
    u, v = embed(encoder, [p[0] for p in pairs]), embed(encoder, [p[1] for p in pairs])
    return np.hstack([u, v, u * v, np.abs(u - v)])


def gold_f1(probs: np.ndarray, labels: list[str], gold: list[str]) -> float:
    engaged = [labels.index(s) for s in ENGAGED]
    return stance_macro_f1(gold, [ENGAGED[k] for k in probs[:, engaged].argmax(1)])


def main() -> None:
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    settings = StanceSettings(max_length=192)
    extractor = ActorExtractor()
    ex = {s: build_examples(corpus.splits[s], extractor, 1, 2, 13) for s in ("train", "dev")}
    pairs = {s: [e.pair(settings) for e in rows] for s, rows in ex.items()}
    labels = {s: [e.label for e in rows] for s, rows in ex.items()}
    encoder = TorchEncoder(default_encoder_path(), bf16=True)
    x = {s: features(encoder, pairs[s]) for s in pairs}
    keep = [i for i, label in enumerate(labels["dev"]) if label != "none"]
    gold = [labels["dev"][i] for i in keep]
    label_set = list(settings.labels)
    tfidf = sparse_proba(fit_tfidf(pairs["train"], labels["train"]), [pairs["dev"][i] for i in keep], label_set)
    out = {"tfidf": round(gold_f1(tfidf, label_set, gold), 4)}
    for c in (0.1, 1.0, 10.0):
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit(x["train"], labels["train"])
        raw = model.predict_proba(x["dev"][keep])
        probs = np.zeros((len(keep), len(label_set)))
        for j, label in enumerate(label_set):
            probs[:, j] = raw[:, list(model.classes_).index(label)]
        out[f"frozen_c{c}"] = round(gold_f1(probs, label_set, gold), 4)
        out[f"frozen_c{c}+tfidf"] = round(gold_f1(0.5 * probs + 0.5 * tfidf, label_set, gold), 4)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
