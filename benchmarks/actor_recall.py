"""Actor extraction recall/precision against the gold actors of one split (the metric make train logs).

python benchmarks/actor_recall.py [dev|train|test]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serving.actors import ActorExtractor  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.stance_eval import actor_scores  # noqa: E402


def main(split: str) -> None:
    extractor = ActorExtractor()
    docs = [a for a in build_corpus(ROOT / "data" / "articles.jsonl").splits[split] if a.actors]
    predicted = [[x.name for x in extractor.extract(a.full_text())] for a in docs]
    gold = [[x.name for x in a.actors] for a in docs]
    scores = actor_scores(predicted, gold)
    print(
        f"{split}: {len(docs)} documents, {sum(map(len, gold))} gold actors, recall {scores['recall']:.3f}, "
        f"{sum(map(len, predicted))} extracted, precision {scores['precision']:.3f}"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "dev")
