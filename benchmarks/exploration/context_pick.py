"""Which mention sentence should the stance model read? First mention vs the most engaged of the first K.

python benchmarks/exploration/context_pick.py [K ...]

Champion package, dev, end to end as served (predicted topics, extracted actors): for each asked
(actor, topic) the stance model reads each of the actor's first K distinct mention sentences and the
sentence with the lowest P(none) is kept (K=1 is today's rule). The decision rule (P(none) cut or the
salience product) is re-tuned on dev for each K; dev triplet F1 and the number of pairs scored are printed.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from serving.predictor import Predictor  # noqa: E402
from serving.registry import resolve_model  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.stance_tune import best_rule, dev_questions  # noqa: E402


def main(ks: list[int]) -> None:
    local, _ = resolve_model("models:/stancewatch@champion", f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}")
    predictor = Predictor.from_directory(local, backend="auto")
    stage = predictor.actor_stance
    assert stage is not None
    scorer, settings = stage.scorer, stage.scorer.settings
    dev = build_corpus(ROOT / "data" / "articles.jsonl").splits["dev"]
    questions = dev_questions(predictor, dev)
    none = scorer.labels.index("none")
    for k in ks:
        started = time.time()
        pairs, owner = [], []
        for i, c in enumerate(questions.asked):
            for sentence in c.actor.sentences[:k] or [c.context]:
                pairs.append(settings.pair(c.actor.name, c.topic, sentence))
                owner.append(i)
        probs = scorer.predict_proba(pairs)
        best = np.zeros((len(questions.asked), probs.shape[1]), dtype=np.float32)
        best[:, none] = 2.0
        for row, i in zip(probs, owner, strict=True):
            if row[none] < best[i, none]:
                best[i] = row
        rule = best_rule(scorer, best, questions)
        print(json.dumps({"k": k, "pairs": len(pairs), "dev_triplet_f1": round(rule.f1, 4),
                          "none_rule": round(rule.f1_none_cut, 4), "salience_rule": round(rule.f1_salience, 4),
                          "salience_cut": rule.salience_cut, "seconds": round(time.time() - started)}), flush=True)


if __name__ == "__main__":
    main([int(v) for v in sys.argv[1:]] or [1, 2, 3, 5])
