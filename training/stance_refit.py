"""Refit the stance stage on train + dev once every choice has been made on dev (``stance_refit``).

The dev learning curve of the stance stage still rises at the full train split, so this option lets the final
models see the dev articles too, as a model is refitted after model selection; the blend weight, the decision
rule and its cuts, and the backend variant chosen on dev are kept. Dev numbers are scored before the refit,
test numbers after it. Off by default: on halves of dev the refit lost (BENCHMARKS.md, session 15).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from serving.actors import ActorExtractor
from serving.backends import GRAPH_VARIANTS
from serving.stance import ENGAGEMENT_DIR, STANCE_DIR, StanceScorer
from training.config import TrainConfig
from training.data import Corpus
from training.export import export_graphs
from training.stance_run import (
    fit_stance_stage,
    gold_actor_scores,
    label_counts,
    save_settings,
    settings_from,
    stance_examples,
)


def refit_actor_stance(
    cfg: TrainConfig, corpus: Corpus, package_dir: Path, progress: Callable[[str], None]
) -> dict[str, float]:
    """Retrain the stance stage on train + dev with every choice made on dev kept (blend weight, decision
    rule and cuts, backend variant), as a final model is refitted after model selection; then measure test
    gold-actor macro-F1 with it (and with the TF-IDF baseline, given the same articles)."""
    out = package_dir / STANCE_DIR
    tuned = StanceScorer(out).settings
    engagement_dir = out / ENGAGEMENT_DIR
    engagement = StanceScorer(engagement_dir).settings if engagement_dir.is_dir() else None
    extractor = ActorExtractor()
    articles = [*corpus.splits["train"], *corpus.splits["dev"]]
    rows = stance_examples(cfg, articles, extractor, tuned, cfg.stance_pair_name)
    test = stance_examples(cfg, corpus.splits["test"], extractor, tuned, "gold")
    shutil.rmtree(out)  # nothing of the train-only models (ONNX files included) may survive
    metrics = fit_stance_stage(cfg, articles, rows, extractor, settings_from(cfg), out, progress, [])
    save_settings(tuned, out)
    if engagement is not None:
        save_settings(engagement, engagement_dir)
    if tuned.onnx_variant in GRAPH_VARIANTS:
        export_graphs(out / "encoder", token_types=True)
        if engagement is not None:
            export_graphs(engagement_dir / "encoder", token_types=True)
    pairs = {"train": [e.pair(tuned) for e in rows], "test": [e.pair(tuned) for e in test]}
    labels = {"train": [e.label for e in rows], "test": [e.label for e in test]}
    scores = gold_actor_scores(StanceScorer(out), pairs["train"], labels["train"], pairs, labels, ("test",))
    return (
        {f"stance_refit_{k}": v for k, v in metrics.items()}
        | scores
        | {
            "stance_refit_train_articles": float(len(articles)),
            **{f"stance_refit_train_pairs_{k}": float(v) for k, v in label_counts(labels["train"]).items()},
        }
    )
