"""The actor-stance stage of ``make train``: build pairs, fine-tune, tune the 'none' cut, evaluate.

Writes ``stance/`` into the topic package so the registered model carries both. Metrics (all logged
to MLflow): stance macro-F1 with gold actors (model vs TF-IDF + LR, both restricted to
favor/against/neutral), end-to-end triplet P/R/F1 (predicted topics, extracted actors, predicted
stances; model vs the same pipeline with the TF-IDF stance classifier), actor recall/precision.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import joblib
import numpy as np

from serving.actor_stance import candidates, engagement_pairs
from serving.actors import ActorExtractor
from serving.encoder import resolve_encoder
from serving.predictor import Predictor
from serving.stance import (
    ENGAGEMENT_DIR,
    ENGAGEMENT_LABELS,
    SETTINGS_FILE,
    SPARSE_FILE,
    STANCE_DIR,
    StanceScorer,
    StanceSettings,
    pair_text,
)
from training.config import TrainConfig
from training.data import Article, Corpus
from training.finetune import use_bf16
from training.salience import fit_salience, fit_salience_trees, labelled_candidates, salience_examples
from training.stance import (
    StanceTraining,
    best_on_grid,
    fit_embedding_stance,
    fit_tfidf,
    stance_macro_f1,
    tfidf_baseline,
    train_stance,
)
from training.stance_data import StanceExample, build_examples
from training.stance_eval import Triplet, actor_scores, predicted_triplets, triplet_scores
from training.stance_tune import gold_triplets

EVAL_SPLITS = ("dev", "test")
ENGAGED = ("favor", "against", "neutral")


@dataclass
class StanceRun:
    metrics: dict[str, float] = field(default_factory=dict)
    selection: dict[str, float | str] = field(default_factory=dict)
    curve: list[float] = field(default_factory=list)
    seconds: float = 0.0


def settings_from(cfg: TrainConfig) -> StanceSettings:
    propositions = StanceSettings().propositions | dict(cfg.stance_propositions)
    return StanceSettings(
        propositions=propositions,
        max_length=cfg.stance_max_length,
        context_sentences=cfg.stance_context_sentences,
        mark_actor=cfg.stance_mark_actor,
        partner=cfg.stance_blend_partner,
    )


def train_actor_stance(
    cfg: TrainConfig, corpus: Corpus, package_dir: Path, progress: Callable[[str], None]
) -> StanceRun:
    """Fine-tune the stance model into ``package_dir/stance`` and measure it."""
    run = StanceRun()
    extractor = ActorExtractor()
    settings = settings_from(cfg)
    progress("building actor-stance pairs (gold stances + 'none' actors)")
    examples = {
        s: stance_examples(cfg, corpus.splits[s], extractor, settings, cfg.stance_pair_name if s == "train" else "gold")
        for s in ("train", *EVAL_SPLITS)
    }
    pairs = {s: [e.pair(settings) for e in rows] for s, rows in examples.items()}
    labels = {s: [e.label for e in rows] for s, rows in examples.items()}
    out = package_dir / STANCE_DIR
    run.metrics.update(
        fit_stance_stage(cfg, corpus.splits["train"], examples["train"], extractor, settings, out, progress, run.curve)
    )
    scorer = StanceScorer(out)
    settings.blend_weight, blend_scores = _choose_blend(scorer, pairs["dev"], labels["dev"], cfg.stance_blend_weights)
    save_settings(settings, out)
    run.selection |= {"stance_blend_weight": settings.blend_weight, **blend_scores}
    scorer.settings = settings
    run.metrics.update(gold_actor_scores(scorer, pairs["train"], labels["train"], pairs, labels, EVAL_SPLITS))
    run.metrics.update({f"stance_train_pairs_{k}": float(v) for k, v in label_counts(labels["train"]).items()})
    return run


def stance_training(cfg: TrainConfig) -> StanceTraining:
    """The cross-encoder's optimisation settings of a config."""
    return StanceTraining(
        epochs=cfg.stance_epochs,
        batch_size=cfg.stance_batch_size,
        lr=cfg.stance_lr,
        head_lr=cfg.stance_head_lr,
        bf16=use_bf16(cfg.bf16),
        seed=cfg.seed,
        class_weight_power=cfg.stance_class_weight_power,
    )


def stance_examples(
    cfg: TrainConfig, articles: Sequence[Article], extractor: ActorExtractor, settings: StanceSettings, name: str
) -> list[StanceExample]:
    return build_examples(
        articles,
        extractor,
        settings.context_sentences,
        cfg.stance_none_per_topic,
        cfg.seed,
        settings.mark_actor,
        name,
    )


def fit_stance_stage(
    cfg: TrainConfig,
    articles: Sequence[Article],
    examples: Sequence[StanceExample],
    extractor: ActorExtractor,
    settings: StanceSettings,
    out: Path,
    progress: Callable[[str], None],
    curve: list[float],
) -> dict[str, float]:
    """Fit every model of the stance stage on ``articles`` into ``out``: the cross-encoder on ``examples``,
    the TF-IDF model on the same pairs, the salience model and (when configured) the engagement model."""
    pairs = [e.pair(settings) for e in examples]
    labels = [e.label for e in examples]
    training = stance_training(cfg)
    progress(f"fine-tuning the stance cross-encoder on {len(pairs)} pairs from {len(articles)} articles")
    train_stance(resolve_encoder(cfg.encoder), pairs, labels, settings, training, out, curve.append)
    joblib.dump(fit_tfidf(pairs, labels, cfg.seed), out / SPARSE_FILE)
    if settings.partner != "tfidf":
        progress("fitting the stance model on frozen sentence embeddings")
        fit_embedding_stance(resolve_encoder(cfg.encoder), pairs, labels, cfg.stance_embedding_c, cfg.seed, out)
    metrics: dict[str, float] = {}
    if cfg.stance_salience:
        progress(f"fitting the actor-salience model on {len(articles)} articles")
        rows, salient = salience_examples(articles, extractor, settings)
        if cfg.stance_salience_model == "trees":
            depth, iterations = cfg.stance_salience_depth, cfg.stance_salience_iterations
            fit_salience_trees(rows, salient, depth, iterations, cfg.stance_salience_lr, cfg.seed).save(out)
        else:
            fit_salience(rows, salient, cfg.stance_salience_c).save(out)
        metrics["stance_salience_train_candidates"] = float(len(salient))
        metrics["stance_salience_train_positive_share"] = float(salient.mean()) if len(salient) else 0.0
    if cfg.stance_engagement:
        metrics.update(_train_engagement(cfg, articles, extractor, settings, training, out / ENGAGEMENT_DIR, progress))
    return metrics


def _train_engagement(
    cfg: TrainConfig,
    articles: Sequence[Article],
    extractor: ActorExtractor,
    settings: StanceSettings,
    training: StanceTraining,
    directory: Path,
    progress: Callable[[str], None],
) -> dict[str, float]:
    """Fine-tune the engagement cross-encoder on every extracted actor x gold topic of ``articles``."""
    engagement = replace(
        settings,
        labels=list(ENGAGEMENT_LABELS),
        context_sentences=cfg.stance_engagement_context,
        max_length=cfg.stance_engagement_max_length,
    )
    asked, listed = labelled_candidates(articles, extractor, settings)
    pairs = engagement_pairs(engagement, asked)
    progress(f"fine-tuning the engagement cross-encoder on {len(pairs)} extracted actors x topics")
    labels = [ENGAGEMENT_LABELS[0] if v else ENGAGEMENT_LABELS[1] for v in listed]
    train_stance(
        resolve_encoder(cfg.encoder),
        pairs,
        labels,
        engagement,
        replace(training, epochs=cfg.stance_engagement_epochs),
        directory,
    )
    return {
        "stance_engagement_train_pairs": float(len(pairs)),
        "stance_engagement_train_engaged_share": float(listed.mean()),
    }


def save_settings(settings: StanceSettings, directory: Path) -> None:
    (directory / SETTINGS_FILE).write_text(json.dumps(asdict(settings), indent=2, sort_keys=True))


def _engaged_macro_f1(probabilities: np.ndarray, labels: Sequence[str], gold: Sequence[str]) -> float:
    """Macro-F1 of the likeliest engaged stance against gold engaged stances (the actor is known)."""
    engaged = [list(labels).index(s) for s in ENGAGED]
    return stance_macro_f1(gold, [ENGAGED[k] for k in probabilities[:, engaged].argmax(axis=1)])


def _choose_blend(
    scorer: StanceScorer, pairs: Sequence[tuple[str, str]], labels: Sequence[str], weights: Sequence[float]
) -> tuple[float, dict[str, float]]:
    """The cross-encoder weight against its blend partner (TF-IDF, embedding model or both) with the best dev
    macro-F1 on gold actors (ties: nearest 0.5)."""
    keep = [i for i, label in enumerate(labels) if label != "none"]
    dense, sparse = scorer.components([pairs[i] for i in keep])
    assert sparse is not None
    gold = [labels[i] for i in keep]
    scores = {float(w): _engaged_macro_f1(w * dense + (1 - w) * sparse, scorer.labels, gold) for w in weights}
    best = best_on_grid(scores, 0.5)
    return best, {f"stance_dev_f1_blend_{w}": v for w, v in scores.items()}


def label_counts(labels: Sequence[str]) -> dict[str, int]:
    return {label: sum(x == label for x in labels) for label in sorted(set(labels))}


def gold_actor_scores(
    scorer: StanceScorer,
    train_pairs: Sequence[tuple[str, str]],
    train_labels: Sequence[str],
    pairs: dict[str, list[tuple[str, str]]],
    labels: dict[str, list[str]],
    splits: Sequence[str],
) -> dict[str, float]:
    """Stance macro-F1 when the actors are given: the model and TF-IDF (fitted on the model's training pairs),
    both choosing among engaged stances."""
    keep_train = [i for i, label in enumerate(train_labels) if label != "none"]
    out = {}
    for split in splits:
        keep = [i for i, label in enumerate(labels[split]) if label != "none"]
        gold = [labels[split][i] for i in keep]
        probs = scorer.predict_proba([pairs[split][i] for i in keep])
        baseline = tfidf_baseline(
            [train_pairs[i] for i in keep_train],
            [train_labels[i] for i in keep_train],
            [pairs[split][i] for i in keep],
        )
        out[f"stance_gold_actors.{split}.model_macro_f1"] = _engaged_macro_f1(probs, scorer.labels, gold)
        out[f"stance_gold_actors.{split}.tfidf_macro_f1"] = stance_macro_f1(gold, baseline)
        out[f"stance_gold_actors.{split}.pairs"] = float(len(gold))
    return out


def evaluate_end_to_end(predictor: Predictor, corpus: Corpus, splits: Sequence[str] = EVAL_SPLITS) -> dict[str, float]:
    """Triplet scores of the packaged predictor and of the TF-IDF pipeline; actor recall/precision.

    The TF-IDF pipeline's stance classifier is the package's own TF-IDF stance model (fitted on the
    same train pairs), used alone instead of blended.
    """
    if predictor.actor_stance is None or predictor.actor_stance.scorer.sparse is None:
        raise ValueError("the predictor has no stance stage with a TF-IDF model; train with stance: true")
    extractor = predictor.actor_stance.extractor
    settings = predictor.actor_stance.scorer.settings
    sparse = predictor.actor_stance.scorer.sparse
    out: dict[str, float] = {}
    for split in splits:
        articles = corpus.splits[split]
        texts = [a.full_text() for a in articles]
        predictions = predictor.predict([{"id": a.id, "title": a.title, "text": a.text} for a in articles])
        gold = [gold_triplets(a) for a in articles]
        model = [predicted_triplets(p) for p in predictions]
        _, asked = candidates(texts, [p.present_topics() for p in predictions], extractor, settings)
        asked_pairs = [settings.pair(c.actor.name, c.topic, c.context) for c in asked]
        baseline_labels = [str(x) for x in sparse.predict([pair_text(p) for p in asked_pairs])] if asked else []
        baseline: list[list[Triplet]] = [[] for _ in articles]
        for c, label in zip(asked, baseline_labels, strict=True):
            if label != "none":
                baseline[c.doc].append((c.actor.name, c.topic, label))
        for name, triplets in (("model", model), ("tfidf", baseline)):
            for key, value in triplet_scores(triplets, gold).items():
                out[f"triplets.{split}.{name}_{key}"] = value
        with_gold = [i for i, a in enumerate(articles) if a.actors]
        actors = actor_scores(
            [[x.name for x in extractor.extract(texts[i])] for i in with_gold],
            [[x.name for x in articles[i].actors] for i in with_gold],
        )
        out.update({f"actors.{split}.{k}": v for k, v in actors.items()})
    return out
