"""Scratch: a fine-tuned engagement cross-encoder (is this extracted actor listed for this topic?) against
the product's salience trees and the stance model's P(none), as ROC AUC on dev candidates.

python benchmarks/exploration/salience_engagement.py [MODEL] [EPOCHS] [CONTEXT]

Candidates as training builds them (every extracted actor x gold topic of train / dev articles; label =
the gold lists it). The engagement model: MiniLM pair cross-encoder, (actor + proposition, first CONTEXT
mention sentences), labels engaged / none, square-root class weights, bf16, trained on train candidates.
Also scores the product rule's components from MODEL (trees fitted on train by that run, and its
stance model's 1 - P(none)) and products of them. Test split not read.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sklearn.metrics import roc_auc_score  # noqa: E402

from serving.actor_stance import actor_context, candidates  # noqa: E402
from serving.actors import ActorExtractor, names_match  # noqa: E402
from serving.backends import cpu_has_bf16  # noqa: E402
from serving.encoder import default_encoder_path  # noqa: E402
from serving.predictor import Predictor  # noqa: E402
from serving.stance import StanceScorer, StanceSettings  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.stance import StanceTraining, train_stance  # noqa: E402


def main(model: str, epochs: int, context: int) -> None:
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    extractor = ActorExtractor()
    product = Predictor.load(model, tracking_uri=f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}", backend="torch")
    assert product.actor_stance is not None
    scorer = product.actor_stance.scorer
    engagement = StanceSettings(labels=["engaged", "none"], max_length=256, context_sentences=context)
    data = {}
    for split in ("train", "dev"):
        arts = [a for a in corpus.splits[split] if a.topics]
        _, asked = candidates(
            [a.full_text() for a in arts], [a.topics for a in arts], extractor, replace(StanceSettings(), min_mentions=1)
        )
        labels = [
            int(any(c.topic in g.stances and names_match(c.actor.name, g.name) for g in arts[c.doc].actors)) for c in asked
        ]
        data[split] = (asked, np.array(labels))
        print(f"{split}: {len(asked)} candidates, {np.mean(labels):.3f} listed", flush=True)
    asked, y = data["train"]
    pairs = [engagement.pair(c.actor.name, c.topic, actor_context(c.actor, context)) for c in asked]
    with tempfile.TemporaryDirectory() as tmp:
        training = StanceTraining(epochs=epochs, bf16=cpu_has_bf16(), seed=13)
        directory = train_stance(default_encoder_path(), pairs, ["engaged" if v else "none" for v in y], engagement, training, Path(tmp))
        asked_dev, y_dev = data["dev"]
        dev_pairs = [engagement.pair(c.actor.name, c.topic, actor_context(c.actor, context)) for c in asked_dev]
        p_engaged = StanceScorer(directory, backend="torch").predict_proba(dev_pairs)[:, 0]
    product_pairs = [scorer.settings.pair(c.actor.name, c.topic, actor_context(c.actor, scorer.settings.context_sentences)) for c in asked_dev]
    p_not_none = 1 - scorer.predict_proba(product_pairs)[:, scorer.labels.index("none")]
    p_salient = scorer.salience.predict(np.array([c.features for c in asked_dev]))
    scores = {
        "trees (product salience)": p_salient,
        "stance 1 - P(none)": p_not_none,
        "product rule: trees x (1 - P(none))": p_salient * p_not_none,
        "engagement model": p_engaged,
        "engagement x trees": p_engaged * p_salient,
        "engagement x (1 - P(none))": p_engaged * p_not_none,
        "engagement x trees x (1 - P(none))": p_engaged * p_salient * p_not_none,
    }
    for name, s in scores.items():
        print(json.dumps({"score": name, "dev_auc": round(float(roc_auc_score(y_dev, s)), 3)}), flush=True)
    np.savez("/tmp/w/engagement_dev.npz", y=y_dev, p_engaged=p_engaged, p_not_none=p_not_none, p_salient=p_salient)


if __name__ == "__main__":
    args = sys.argv[1:]
    main(args[0] if args else "models:/stancewatch/4", int(args[1]) if len(args) > 1 else 2, int(args[2]) if len(args) > 2 else 3)
