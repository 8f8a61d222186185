"""Does an actor-salience model help the 'none' decision end to end? (dev triplet F1, champion model)

python benchmarks/exploration/salience.py

Trains a logistic salience model on the train split (candidates = extracted actors x gold topics,
label = the gold lists that actor with a stance on that topic; features from the extraction only),
then compares on dev, end to end as served: the champion's none cut + min mentions (today) vs the
product P(salient) * (1 - P(none)) with one cut, vs two cuts.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from serving.actor_stance import Candidate, candidates  # noqa: E402
from serving.actors import names_match  # noqa: E402
from serving.predictor import Predictor  # noqa: E402
from serving.registry import resolve_model  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.stance import CUT_GRID  # noqa: E402
from training.stance_eval import triplet_scores  # noqa: E402
from training.stance_tune import best_setting, dev_questions, gold_triplets  # noqa: E402

TYPES = ("person", "organisation", "country", "government", "group")
REPORTING = re.compile(
    r"\b(said|says|say|told|tells|urged|urges|called|calls|warned|warns|accused|accuses|argued|argues|claimed|"
    r"claims|stated|states|demanded|demands|critici[sz]ed|condemned|announced|insisted|added|noted|wrote|asked)\b"
)


def features(c: Candidate, text: str, doc_actors: list) -> list[float]:
    n = len(c.actor.mentions)
    total = sum(len(a.mentions) for a in doc_actors) or 1
    rank = sorted((len(a.mentions) for a in doc_actors), reverse=True).index(n)
    first = c.actor.mentions[0].start / max(len(text), 1)
    return [
        np.log1p(n),
        np.log1p(len(c.actor.sentences)),
        first,
        float(first < 0.1),
        n / total,
        rank / max(len(doc_actors), 1),
        float(rank == 0),
        np.log1p(len(doc_actors)),
        np.log1p(len(text)),
        float(len(c.actor.name.split())),
        *[float(c.actor.type == t) for t in TYPES],
        float(np.mean([bool(REPORTING.search(x)) for x in c.actor.sentences])),
        float(np.mean([('"' in x or "“" in x) for x in c.actor.sentences])),
    ]


def label(c: Candidate, article) -> int:
    return int(any(c.topic in g.stances and names_match(c.actor.name, g.name) for g in article.actors))


def main() -> None:
    t0 = time.time()
    local, _ = resolve_model("models:/stancewatch@champion", f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}")
    predictor = Predictor.from_directory(local, backend="auto")
    stage = predictor.actor_stance
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    train = [a for a in corpus.splits["train"] if a.topics]
    texts = [a.full_text() for a in train]
    found, asked = candidates(texts, [a.topics for a in train], stage.extractor, stage.scorer.settings)
    x_tr = np.array([features(c, texts[c.doc], found[c.doc]) for c in asked])
    y_tr = np.array([label(c, train[c.doc]) for c in asked])
    print(f"train candidates {len(asked)}, positive {y_tr.mean():.3f}, {time.time() - t0:.0f}s", flush=True)

    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced"))
    model.fit(x_tr, y_tr)

    dev = corpus.splits["dev"]
    q = dev_questions(predictor, dev)
    dev_texts = [a.full_text() for a in dev]
    dev_found = {}
    for c in q.asked:
        dev_found.setdefault(c.doc, {})[c.actor.name] = c.actor
    x_dev = np.array([features(c, dev_texts[c.doc], list(dev_found[c.doc].values())) for c in q.asked])
    y_dev = np.array([label(c, dev[c.doc]) for c in q.asked])
    sal = model.predict_proba(x_dev)[:, 1]
    from sklearn.metrics import roc_auc_score

    probs = stage.scorer.predict_proba(q.pairs)
    labels = stage.scorer.labels
    none = labels.index("none")
    engaged = [i for i in range(len(labels)) if i != none]
    print(f"dev AUC salience {roc_auc_score(y_dev, sal):.3f}  1-P(none) {roc_auc_score(y_dev, 1 - probs[:, none]):.3f}"
          f"  product {roc_auc_score(y_dev, sal * (1 - probs[:, none])):.3f}")
    print("today:", best_setting(probs, q, labels))

    def f1_for(keep: np.ndarray) -> float:
        triplets: list[list] = [[] for _ in q.gold]
        for c, k, row in zip(q.asked, keep, probs, strict=True):
            if k:
                triplets[c.doc].append((c.actor.name, c.topic, labels[max(engaged, key=lambda i: row[i])]))
        return triplet_scores(triplets, q.gold)["f1"]

    product = sal * (1 - probs[:, none])
    grid = np.round(np.linspace(0.02, 0.9, 45), 2)
    one = {float(t): f1_for(product >= t) for t in grid}
    best = max(one, key=one.get)
    print(f"product cut {best}: dev triplet F1 {one[best]:.4f}")
    print("curve", {k: round(v, 3) for k, v in one.items() if 0.2 <= k <= 0.6})
    from sklearn.ensemble import HistGradientBoostingClassifier

    hgb = HistGradientBoostingClassifier(max_depth=3, learning_rate=0.05, max_iter=200, random_state=13)
    hgb.fit(x_tr, y_tr)
    p2 = hgb.predict_proba(x_dev)[:, 1] * (1 - probs[:, none])
    print(f"hgb AUC {roc_auc_score(y_dev, hgb.predict_proba(x_dev)[:, 1]):.3f}")
    h = {float(t): f1_for(p2 >= t) for t in grid}
    print("hgb product best", max(h, key=h.get), round(max(h.values()), 4))
    two = {(float(s), float(t)): f1_for((sal >= s) & (probs[:, none] < t)) for s in grid for t in CUT_GRID}
    best2 = max(two, key=two.get)
    print(f"two cuts {best2}: dev triplet F1 {two[best2]:.4f}")
    only = {float(s): f1_for(sal >= s) for s in grid}
    b3 = max(only, key=only.get)
    print(f"salience only {b3}: {only[b3]:.4f}")
    print(json.dumps({"seconds": round(time.time() - t0)}))


if __name__ == "__main__":
    main()
