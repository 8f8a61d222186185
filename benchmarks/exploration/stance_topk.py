"""Scratch: cap the reported actors per (document, topic) at the k best keep scores (dev end to end).

python benchmarks/exploration/stance_topk.py [--model models:/stancewatch/6] [--report-test]

The product keeps a candidate when P(salient) x (1 - P(none)) reaches a cut chosen on dev. Annotators list
the few actors an article is about, and most unmatched predictions are actors they do not list, so this asks
whether a per-(document, topic) cap on the number kept (the k highest keep scores) adds precision that the
cut alone cannot: long articles with many named entities yield many candidates above any global cut. The
package's topic decisions, candidates, salience and stance probabilities are computed once; (cut, k) is
chosen on dev triplet F1 (k = none is the product's rule); test is printed only with --report-test. Last
line: a cross-source check on dev (each dev source decided by the rule chosen on the other dev sources),
for the cut alone and for (cut, cap).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from serving.actor_stance import candidates  # noqa: E402
from serving.predictor import Predictor  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.stance_eval import match_count, triplet_scores  # noqa: E402
from training.stance_tune import SALIENCE_GRID, gold_triplets  # noqa: E402

CAPS = (None, 1, 2, 3, 4, 5, 6, 8)


def split_scores(predictor: Predictor, articles: list) -> tuple[list, np.ndarray, np.ndarray, list]:
    stage = predictor.actor_stance
    assert stage is not None and stage.scorer.salience is not None
    settings = stage.scorer.settings
    texts = [a.full_text() for a in articles]
    predictions = predictor.predict([{"id": a.id, "title": a.title, "text": a.text} for a in articles])
    _, asked = candidates(texts, [p.present_topics() for p in predictions], stage.extractor, settings)
    pairs = [settings.pair(c.actor.name, c.topic, c.context) for c in asked]
    probs = stage.scorer.predict_proba(pairs) if pairs else np.zeros((0, len(settings.labels)))
    salience = stage.scorer.salience.predict(np.array([c.features for c in asked])) if asked else np.zeros(0)
    none = list(settings.labels).index("none")
    keep_score = salience * (1.0 - probs[:, none])
    engaged = [j for j, label in enumerate(settings.labels) if label != "none"]
    stance = [settings.labels[engaged[int(k)]] for k in probs[:, engaged].argmax(1)] if asked else []
    return asked, keep_score, np.asarray(stance), [gold_triplets(a) for a in articles]


def kept(asked: list, score: np.ndarray, stance: np.ndarray, n_docs: int, cut: float, cap: int | None) -> list:
    """Per document, the (actor, topic, stance) triplets the rule reports."""
    by_group: dict[tuple[int, str], list[int]] = defaultdict(list)
    for i, c in enumerate(asked):
        if score[i] >= cut:
            by_group[(c.doc, c.topic)].append(i)
    predicted: list[list[tuple[str, str, str]]] = [[] for _ in range(n_docs)]
    for (doc, topic), rows in by_group.items():
        rows = sorted(rows, key=lambda i: -score[i])[: cap or len(rows)]
        predicted[doc].extend((asked[i].actor.name, topic, str(stance[i])) for i in rows)
    return predicted


def triplet_f1(asked: list, score: np.ndarray, stance: np.ndarray, gold: list, cut: float, cap: int | None) -> float:
    return triplet_scores(kept(asked, score, stance, len(gold), cut, cap), gold)["f1"]


def cross_source(data: tuple, groups: list[str], caps: tuple) -> float:
    """Dev triplet F1 when each source's documents are decided by the rule ((cut, cap), cap in ``caps``) chosen
    on the other sources' dev documents: does the chosen rule carry over to a source it was not chosen on?"""
    asked, score, stance, gold = data
    counts = {}  # (cut, cap) -> per document (hits, predicted, gold)
    for cap in caps:
        for cut in SALIENCE_GRID:
            predicted = kept(asked, score, stance, len(gold), cut, cap)
            counts[(cut, cap)] = np.array(
                [[match_count(p, g), len(p), len(g)] for p, g in zip(predicted, gold, strict=True)], dtype=float
            )
    total = np.zeros(3)
    for source in sorted(set(groups)):
        rest = np.array([g != source for g in groups])

        def f1(rows: np.ndarray) -> float:
            hits, n_pred, n_gold = rows.sum(0)
            return 2 * hits / (n_pred + n_gold) if n_pred + n_gold else 0.0

        rule = max(counts, key=lambda key: f1(counts[key][rest]))
        total += counts[rule][~rest].sum(0)
    return round(2 * total[0] / (total[1] + total[2]), 4)


def main(args: argparse.Namespace) -> None:
    predictor = Predictor.load(args.model, backend="torch")
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    splits = ["dev", "test"] if args.report_test else ["dev"]
    data = {s: split_scores(predictor, corpus.splits[s]) for s in splits}
    product_cut = predictor.actor_stance.scorer.settings.salience_cut if predictor.actor_stance else 0.0
    for cap in CAPS:
        grid = {cut: triplet_f1(*data["dev"], cut, cap) for cut in SALIENCE_GRID}
        cut = max(grid, key=lambda c: (round(grid[c], 6), -abs(c - product_cut)))
        row: dict[str, object] = {"cap": cap, "cut": cut, "dev": round(grid[cut], 4)}
        if args.report_test:
            row["test"] = round(triplet_f1(*data["test"], cut, cap), 4)
        print(json.dumps(row), flush=True)
    groups = [a.source_group() for a in corpus.splits["dev"]]
    print(
        json.dumps(
            {
                "product_cut": product_cut,
                "cross_source_dev_cut_only": cross_source(data["dev"], groups, (None,)),
                "cross_source_dev_cut_and_cap": cross_source(data["dev"], groups, CAPS),
            }
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="models:/stancewatch/6")
    parser.add_argument("--report-test", action="store_true")
    main(parser.parse_args())
