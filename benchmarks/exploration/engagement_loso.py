"""Scratch: does the engagement model transfer to a source it never saw, as well as the product's rule?

python benchmarks/exploration/engagement_loso.py [--sources agg euvsd iff ptc]

For each held-out source S: on the train+dev articles of the other sources, train what the product trains
(the stance cross-encoder on gold stances + 2 'none' actors per topic, 4 epochs; the salience trees; the
engagement cross-encoder on every extracted actor x gold topic, 2 epochs; configs/default.yaml, seed 13),
then score S's candidates (every extracted actor x gold topic of S; label: the gold lists it there) and
report ROC AUC of the v4 keep score trees x (1 - P(none)) and of trees x P(engaged). Test split not read.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sklearn.metrics import roc_auc_score  # noqa: E402

from serving.actor_stance import engagement_probability  # noqa: E402
from serving.actors import ActorExtractor  # noqa: E402
from serving.stance import StanceScorer  # noqa: E402
from training.config import load_config  # noqa: E402
from training.data import Corpus, build_corpus  # noqa: E402
from training.salience import labelled_candidates  # noqa: E402
from training.stance_run import train_actor_stance  # noqa: E402


def main(args: argparse.Namespace) -> None:
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    articles = [a for s in ("train", "dev") for a in corpus.splits[s]]
    cfg = load_config(ROOT / "configs" / "default.yaml", ["stance_engagement=true", "onnx_export=false"])
    extractor = ActorExtractor()
    for held in args.sources:
        rest = [a for a in articles if a.id.split("-")[0] != held]
        target = [a for a in articles if a.id.split("-")[0] == held]
        dev = [a for a in rest if a.split == "dev"]  # inside the training articles: only for the fold's metrics
        fold = Corpus(labels=corpus.labels, splits={"train": rest, "dev": dev, "test": dev})
        with tempfile.TemporaryDirectory() as tmp:
            package = Path(tmp)
            train_actor_stance(cfg, fold, package, progress=lambda _m: None)
            scorer = StanceScorer(package / "stance", backend="torch")
            asked, y = labelled_candidates(target, extractor, scorer.settings)
            pairs = [scorer.settings.pair(c.actor.name, c.topic, c.context) for c in asked]
            not_none = 1 - scorer.components(pairs)[0][:, scorer.labels.index("none")]
            assert scorer.salience is not None and scorer.engagement is not None
            trees = scorer.salience.predict(np.array([c.features for c in asked]))
            engaged = engagement_probability(scorer.engagement, asked)
        row = {"held_out": held, "candidates": len(y), "listed": int(y.sum())}
        for name, score in (
            ("trees", trees),
            ("trees x (1 - P(none)) [v4 rule]", trees * not_none),
            ("engaged", engaged),
            ("trees x engaged", trees * engaged),
        ):
            row[name] = round(float(roc_auc_score(y, score)), 3)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", nargs="+", default=["agg", "euvsd", "iff", "ptc"])
    main(parser.parse_args())
