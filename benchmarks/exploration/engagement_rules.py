"""Scratch: which product of the stance-stage scores makes the best keep decision, end to end?

python benchmarks/exploration/engagement_rules.py [MODEL] [--report-test]

For the dev questions serving asks (predicted topics, every extracted actor): the stance model's
probabilities, P(salient) from the trees and P(engaged) from the engagement cross-encoder of MODEL (a
package trained with stance_engagement: true). For each rule, the cut with the best dev triplet F1 and
that F1; with --report-test, test triplet F1 at the dev cut (reported, not used to choose).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from serving.actor_stance import engagement_probability  # noqa: E402
from serving.predictor import Predictor  # noqa: E402
from serving.stance import decide_where  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.stance import best_on_grid  # noqa: E402
from training.stance_tune import SALIENCE_GRID, _dev_f1, dev_questions  # noqa: E402


def scores_of(predictor: Predictor, articles) -> tuple:  # type: ignore[no-untyped-def]
    stage = predictor.actor_stance
    assert stage is not None and stage.scorer.engagement is not None and stage.scorer.salience is not None
    q = dev_questions(predictor, articles)
    probs = stage.scorer.predict_proba(q.pairs)
    not_none = 1 - probs[:, stage.scorer.labels.index("none")]
    sal = stage.scorer.salience.predict(np.array([c.features for c in q.asked]))
    eng = engagement_probability(stage.scorer.engagement, q.asked)
    rules = {
        "salience x (1 - P(none)) [v4 rule]": sal * not_none,
        "salience x engaged [v5 rule]": sal * eng,
        "salience x engaged x (1 - P(none))": sal * eng * not_none,
        "engaged x (1 - P(none))": eng * not_none,
        "engaged": eng,
        "mean of salience x engaged and salience x (1 - P(none))": sal * (eng + not_none) / 2,
    }
    return q, probs, rules, stage.scorer.labels


def main(model: str, report_test: bool) -> None:
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    predictor = Predictor.load(model, tracking_uri=f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}", backend="auto")
    q, probs, rules, labels = scores_of(predictor, corpus.splits["dev"])
    if report_test:
        tq, tprobs, trules, _ = scores_of(predictor, corpus.splits["test"])
    for name, score in rules.items():
        f1s = {cut: _dev_f1(decide_where(probs, labels, score >= cut), q) for cut in SALIENCE_GRID}
        cut = best_on_grid(f1s, 0.5)
        row = {"rule": name, "dev_cut": cut, "dev_triplet_f1": round(f1s[cut], 4)}
        if report_test:
            row["test_triplet_f1_at_dev_cut"] = round(_dev_f1(decide_where(tprobs, labels, trules[name] >= cut), tq), 4)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(args[0] if args else "models:/stancewatch/5", "--report-test" in sys.argv)
