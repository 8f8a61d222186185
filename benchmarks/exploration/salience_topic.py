"""Does a topic-specific feature help the actor-salience model? Dev triplet F1, same stance model.

python benchmarks/exploration/salience_topic.py [--model URI-or-DIR] [--report-test]

The product's salience model (serving/salience.py) sees only actor-level features, the same for every
topic an actor is asked about. Here a second model adds, per (actor, topic), the topic model's TF-IDF
probability of that topic on the actor's mention sentences (is the actor talked about in on-topic
sentences?) and the topic's indicator. Both models are fitted on train exactly as `make train` fits
the product's (every extracted actor x gold topic, class-balanced logistic regression); the champion
package's stance model, topics and extraction are shared, so only the salience model differs. For each,
the cut on P(salient) x (1 - P(none)) is chosen on dev end to end (training/stance_tune.py) and the
dev triplet F1 reported; test only with --report-test, at the dev-chosen cut.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from serving.actor_stance import Candidate, candidates  # noqa: E402
from serving.actors import names_match  # noqa: E402
from serving.predictor import Predictor  # noqa: E402
from serving.salience import keep_engaged  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.salience import fit_salience  # noqa: E402
from training.stance_tune import _dev_f1, best_salience_cut, dev_questions  # noqa: E402


def topic_rows(predictor: Predictor, asked: list[Candidate], labels: list[str]) -> np.ndarray:
    """Per candidate: TF-IDF P(topic | the actor's mention sentences) and the topic's one-hot."""
    assert predictor.sparse is not None
    probs = predictor.sparse.predict_proba([" ".join(c.actor.sentences) or c.context for c in asked])
    index = [labels.index(c.topic) for c in asked]
    relevance = probs[np.arange(len(asked)), index]
    onehot = np.eye(len(labels))[index]
    return np.column_stack([relevance, np.log(relevance + 1e-3), onehot])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="models:/stancewatch@champion")
    parser.add_argument("--report-test", action="store_true")
    args = parser.parse_args()
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    predictor = Predictor.load(args.model, f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}", backend="auto")
    stage = predictor.actor_stance
    assert stage is not None
    settings = replace(stage.scorer.settings, min_mentions=1)
    train = [a for a in corpus.splits["train"] if a.topics]
    _, asked = candidates([a.full_text() for a in train], [a.topics for a in train], stage.extractor, settings)
    y = np.array(
        [
            int(any(c.topic in g.stances and names_match(c.actor.name, g.name) for g in train[c.doc].actors))
            for c in asked
        ]
    )
    base = np.array([c.features for c in asked])
    extra = topic_rows(predictor, asked, corpus.labels)
    models = {
        "product": (fit_salience(base, y), False),
        "with_topic": (fit_salience(np.hstack([base, extra]), y), True),
    }
    splits = ["dev", "test"] if args.report_test else ["dev"]
    questions = {s: dev_questions(predictor, corpus.splits[s]) for s in splits}
    probs = {s: stage.scorer.predict_proba(questions[s].pairs) for s in splits}
    for name, (model, topical) in models.items():
        model.features = [str(i) for i in range(len(model.coef))]  # bypass the product's feature check
        row: dict[str, object] = {"salience": name, "train_candidates": len(y), "train_positive": int(y.sum())}
        cut = 0.0
        for split in splits:
            q = questions[split]
            x = np.array([c.features for c in q.asked])
            if topical:
                x = np.hstack([x, topic_rows(predictor, q.asked, corpus.labels)])
            salience = model.predict(x)
            if split == "dev":
                cut, _, f1 = best_salience_cut(probs[split], q, stage.scorer.labels, salience)
            else:
                f1 = _dev_f1(keep_engaged(probs[split], stage.scorer.labels, salience, cut), q)
            row |= {f"{split}_triplet_f1": round(f1, 4), "cut": cut}
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
