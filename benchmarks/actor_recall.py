"""Actor extraction recall/precision against the gold actors of one split.

python benchmarks/actor_recall.py [dev|train|test]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serving.actors import ActorExtractor, names_match  # noqa: E402
from training.data import build_corpus  # noqa: E402


def main(split: str) -> None:
    extractor = ActorExtractor()
    docs = [a for a in build_corpus(ROOT / "data" / "articles.jsonl").splits[split] if a.actors]
    found = gold = predicted = correct = 0
    for article in docs:
        names = [a.name for a in extractor.extract(article.full_text())]
        gold += len(article.actors)
        found += sum(any(names_match(n, g.name) for n in names) for g in article.actors)
        predicted += len(names)
        correct += sum(any(names_match(n, g.name) for g in article.actors) for n in names)
    print(
        f"{split}: {len(docs)} documents, {gold} gold actors, recall {found / gold:.3f}, "
        f"{predicted} extracted, precision {correct / predicted:.3f}"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "dev")
