"""Where the end-to-end triplets go wrong, on dev (the split recipes are chosen on).

python benchmarks/exploration/triplet_errors.py [MODEL_URI] [SPLIT]

Runs the packaged predictor (backend auto) and sorts every gold triplet that is missed and every
predicted triplet that matches no gold one into causes, in pipeline order.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from serving.actors import names_match  # noqa: E402
from serving.predictor import Predictor  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.stance_eval import match_count, predicted_triplets  # noqa: E402
from training.stance_tune import gold_triplets  # noqa: E402


def main(uri: str, split: str) -> None:
    predictor = Predictor.load(uri, tracking_uri=f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}", backend="auto")
    articles = build_corpus(ROOT / "data" / "articles.jsonl").splits[split]
    predictions = predictor.predict([{"id": a.id, "title": a.title, "text": a.text} for a in articles])
    assert predictor.actor_stance is not None
    extractor = predictor.actor_stance.extractor
    missed: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    for article, prediction in zip(articles, predictions, strict=True):
        gold = gold_triplets(article)
        predicted = predicted_triplets(prediction)
        found = [x.name for x in extractor.extract(article.full_text())] if gold else []
        for triplet in gold:
            if match_count(predicted, [triplet]):
                missed["(hit)"] += 1
            elif triplet[1] not in prediction.present_topics():
                missed["topic not predicted"] += 1
            elif not any(names_match(f, triplet[0]) for f in found):
                missed["actor not extracted"] += 1
            elif not any(names_match(p[0], triplet[0]) and p[1] == triplet[1] for p in predicted):
                missed["stance model said none"] += 1
            else:
                missed["other stance predicted"] += 1
        for triplet in predicted:
            if match_count([triplet], gold):
                continue
            same_actor = [g for g in gold if names_match(triplet[0], g[0])]
            if not same_actor:
                wrong["actor not in the gold annotation"] += 1
            elif not any(g[1] == triplet[1] for g in same_actor):
                wrong["gold actor, no gold stance on this topic"] += 1
            else:
                wrong["gold actor and topic, other stance"] += 1
    print(f"{split}: gold triplets {sum(missed.values())}: {dict(missed.most_common())}")
    print(f"{split}: unmatched predicted triplets {sum(wrong.values())}: {dict(wrong.most_common())}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "models:/stancewatch@champion", sys.argv[2] if len(sys.argv) > 2 else "dev")
