"""Self-training of the topic model on the unlabeled corpus: a teacher's confident labels as extra train data.

python benchmarks/exploration/self_training.py [--teacher-scores DIR] [--negatives N] [--loso euvsd] [--seeds 13 ...]

The teacher is a registered model's `stancewatch score` output over `../shared/corpus/unlabeled.jsonl`
(default: `benchmarks/out/batch-work/scored`, written by `python benchmarks/batch.py --docs 7075 ...`
with champion v11, whose topic model is v12's). A document becomes a pseudo-labelled training article
when, for every label, the teacher is confident: probability at least the label's threshold (positive)
or below `--low` (negative). Every confident positive is kept and `--negatives` confident negatives
are sampled, stratified by source. Unlabeled documents that are also in the labelled corpus (same id
or same first 200 characters: 583 articles, in every split) are dropped, so no dev or test article is
learnt from its teacher label. The student is `make train`'s topic recipe on train + pseudo articles, pooling,
blend and thresholds chosen on dev; the test split is replaced by dev (or, with --loso S, source S
is held out as in benchmarks/topics.py) so test is never read.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from topic_variants import dev_only  # noqa: E402
from topics import loso_corpus, loso_scores  # noqa: E402

from training.config import load_config  # noqa: E402
from training.data import Article, Corpus, build_corpus  # noqa: E402
from training.topics import train_topics  # noqa: E402

UNLABELED = ROOT.parent / "shared" / "corpus" / "unlabeled.jsonl"


def teacher_probabilities(scores_dir: Path, labels: list[str]) -> dict[str, list[float]]:
    import pyarrow.dataset as ds

    columns = ["id"] + [f"{label}_probability" for label in labels]
    table = ds.dataset(scores_dir).to_table(columns=columns).to_pydict()
    return {doc: [table[c][i] for c in columns[1:]] for i, doc in enumerate(table["id"])}


def pseudo_articles(
    corpus: Corpus, probs: dict[str, list[float]], thresholds: list[float], low: float, negatives: int, seed: int
) -> tuple[list[Article], dict[str, int]]:
    """Confident teacher-labelled unlabeled articles; ``corpus`` must be the whole labelled corpus (every
    split), so that none of its articles comes back as a pseudo-labelled one."""
    labelled = [a for rows in corpus.splits.values() for a in rows]
    seen_ids, seen_heads = {a.id for a in labelled}, {a.text[:200] for a in labelled}
    positives: list[Article] = []
    pool: dict[str, list[Article]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for line in UNLABELED.open(encoding="utf-8"):
        record = json.loads(line)
        p = probs.get(record["id"])
        if p is None or record["id"] in seen_ids or record["text"][:200] in seen_heads:
            counts["dropped_overlap_or_unscored"] += 1
            continue
        if not all(x >= t or x < low for x, t in zip(p, thresholds, strict=True)):
            counts["uncertain"] += 1
            continue
        topics = [label for label, x, t in zip(corpus.labels, p, thresholds, strict=True) if x >= t]
        article = Article(
            id=f"pseudo-{record['id']}",
            text=record["text"],
            title=record.get("title"),
            source=record.get("source"),
            topics=topics,
            split="train",
        )
        if topics:
            positives.append(article)
        else:
            pool[article.source or ""].append(article)
    rng = random.Random(seed)
    total = sum(map(len, pool.values()))
    chosen: list[Article] = []
    for rows in pool.values():
        rng.shuffle(rows)
        chosen += rows[: round(negatives * len(rows) / total)]
    for label in corpus.labels:
        counts[f"positive_{label}"] = sum(label in a.topics for a in positives)
    counts["negatives"] = len(chosen)
    return positives + chosen, dict(counts)


def seed_article_probabilities(package: Path) -> list[float]:
    """The reference article's topic probabilities under the trained package (not a split; a sanity check)."""
    from serving.predictor import Predictor

    seed = json.loads((ROOT / "data" / "seed_example.json").read_text(encoding="utf-8"))
    predictor = Predictor.from_directory(package, actors=False)
    [prediction] = predictor.predict({"text": seed["text"], "title": seed.get("title")})
    return [round(t.probability, 3) for t in prediction.topics.values()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teacher-scores", type=Path, default=ROOT / "benchmarks" / "out" / "batch-work" / "scored")
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.74, 0.83], help="teacher's, per label")
    parser.add_argument("--low", type=float, default=0.2)
    parser.add_argument("--negatives", type=int, default=500)
    parser.add_argument("--loso", nargs="*", default=[])
    parser.add_argument("--skip-dev", action="store_true")
    parser.add_argument("--seeds", type=int, nargs="+", default=[13])
    parser.add_argument("--set", nargs="*", default=[], help="config overrides key=value")
    args = parser.parse_args()
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    probs = teacher_probabilities(args.teacher_scores, corpus.labels)
    for seed in args.seeds:
        cfg = load_config(ROOT / "configs" / "default.yaml", [*args.set, "stance=false", f"seed={seed}"])
        folds = [] if args.skip_dev else [("dev", dev_only(corpus))]
        folds += [(s, loso_corpus(corpus, s)) for s in args.loso]
        for name, fold in folds:
            extra, counts = pseudo_articles(corpus, probs, args.thresholds, args.low, args.negatives, seed)
            fold = Corpus(labels=fold.labels, splits={**fold.splits, "train": fold.splits["train"] + extra})
            started = time.time()
            with tempfile.TemporaryDirectory() as tmp:
                run = train_topics(cfg, fold, Path(tmp) / "pkg", progress=lambda _m: None)
                seed_probs = seed_article_probabilities(Path(tmp) / "pkg")
            if name == "dev":
                row = {
                    m: round(run.metrics[f"{m}/dev"]["macro_f1"], 4) for m in ("model", "frozen_first_lr", "tfidf_lr")
                }
                row |= {
                    "aggregation": run.manifest.aggregation,
                    "blend": run.manifest.blend_weight,
                    "thresholds": run.manifest.thresholds,
                }
            else:
                row = {
                    "model": loso_scores(
                        run.targets["test"], run.probabilities["model"]["test"], run.thresholds["model"], corpus.labels
                    )
                }
            print(
                json.dumps(
                    {
                        "seed": seed,
                        "fold": name,
                        "negatives": args.negatives,
                        "pseudo": counts,
                        **row,
                        "seed_article": seed_probs,
                        "seconds": round(time.time() - started),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
