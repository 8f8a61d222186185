"""The actor-stance stage of ``make train``: build pairs, fine-tune, tune the 'none' cut, evaluate.

Writes ``stance/`` into the topic package so the registered model carries both. Metrics (all logged
to MLflow): stance macro-F1 with gold actors (model vs TF-IDF + LR, both restricted to
favor/against/neutral), end-to-end triplet P/R/F1 (predicted topics, extracted actors, predicted
stances; model vs the same pipeline with the TF-IDF stance classifier), actor recall/precision.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from serving.actor_stance import candidates
from serving.actors import ActorExtractor
from serving.encoder import resolve_encoder
from serving.predictor import Predictor
from serving.stance import SETTINGS_FILE, STANCE_DIR, StanceScorer, StanceSettings
from training.config import TrainConfig
from training.data import Article, Corpus
from training.finetune import use_bf16
from training.stance import StanceTraining, stance_macro_f1, tfidf_baseline, train_stance, tune_none_threshold
from training.stance_data import StanceExample, build_examples
from training.stance_eval import Triplet, actor_scores, triplet_scores

EVAL_SPLITS = ("dev", "test")
ENGAGED = ("favor", "against", "neutral")


@dataclass
class StanceRun:
    metrics: dict[str, float] = field(default_factory=dict)
    selection: dict[str, float] = field(default_factory=dict)
    curve: list[float] = field(default_factory=list)
    seconds: float = 0.0


def settings_from(cfg: TrainConfig) -> StanceSettings:
    propositions = StanceSettings().propositions | dict(cfg.stance_propositions)
    return StanceSettings(
        propositions=propositions, max_length=cfg.stance_max_length, context_sentences=cfg.stance_context_sentences
    )


def gold_triplets(article: Article) -> list[Triplet]:
    return [(a.name, topic, stance) for a in article.actors for topic, stance in a.stances.items()]


def train_actor_stance(
    cfg: TrainConfig, corpus: Corpus, package_dir: Path, progress: Callable[[str], None]
) -> StanceRun:
    """Fine-tune the stance model into ``package_dir/stance`` and measure it."""
    run = StanceRun()
    extractor = ActorExtractor()
    settings = settings_from(cfg)
    progress("building actor-stance pairs (gold stances + 'none' actors)")
    examples = {
        s: build_examples(corpus.splits[s], extractor, settings.context_sentences, cfg.stance_none_per_topic, cfg.seed)
        for s in ("train", *EVAL_SPLITS)
    }
    pairs = {s: [e.pair(settings) for e in rows] for s, rows in examples.items()}
    labels = {s: [e.label for e in rows] for s, rows in examples.items()}
    training = StanceTraining(
        epochs=cfg.stance_epochs,
        batch_size=cfg.stance_batch_size,
        lr=cfg.stance_lr,
        head_lr=cfg.stance_head_lr,
        bf16=use_bf16(cfg.bf16),
        seed=cfg.seed,
    )
    progress(f"fine-tuning the stance cross-encoder on {len(pairs['train'])} pairs")
    out = train_stance(
        resolve_encoder(cfg.encoder),
        pairs["train"],
        labels["train"],
        settings,
        training,
        package_dir / STANCE_DIR,
        run.curve.append,
    )
    scorer = StanceScorer(out)
    dev_probs = scorer.predict_proba(pairs["dev"])
    settings.none_threshold, dev_engaged = tune_none_threshold(dev_probs, labels["dev"], settings.labels)
    (out / SETTINGS_FILE).write_text(json.dumps(asdict(settings), indent=2, sort_keys=True))
    run.selection = {"stance_none_threshold": settings.none_threshold, "stance_dev_engaged_f1": dev_engaged}
    run.metrics.update(_gold_actor_scores(scorer, examples, pairs, labels))
    run.metrics.update({f"stance_train_pairs_{k}": float(v) for k, v in _label_counts(labels["train"]).items()})
    return run


def _label_counts(labels: Sequence[str]) -> dict[str, int]:
    return {label: sum(x == label for x in labels) for label in sorted(set(labels))}


def _gold_actor_scores(
    scorer: StanceScorer,
    examples: dict[str, list[StanceExample]],
    pairs: dict[str, list[tuple[str, str]]],
    labels: dict[str, list[str]],
) -> dict[str, float]:
    """Stance macro-F1 when the actors are given: the model and TF-IDF, both choosing among engaged stances."""
    keep_train = [i for i, label in enumerate(labels["train"]) if label != "none"]
    out = {}
    for split in EVAL_SPLITS:
        keep = [i for i, label in enumerate(labels[split]) if label != "none"]
        gold = [labels[split][i] for i in keep]
        probs = scorer.predict_proba([pairs[split][i] for i in keep])
        engaged = [scorer.labels.index(s) for s in ENGAGED]
        predicted = [ENGAGED[k] for k in probs[:, engaged].argmax(axis=1)]
        baseline = tfidf_baseline(
            [pairs["train"][i] for i in keep_train],
            [labels["train"][i] for i in keep_train],
            [pairs[split][i] for i in keep],
        )
        out[f"stance_gold_actors.{split}.model_macro_f1"] = stance_macro_f1(gold, predicted)
        out[f"stance_gold_actors.{split}.tfidf_macro_f1"] = stance_macro_f1(gold, baseline)
        out[f"stance_gold_actors.{split}.pairs"] = float(len(gold))
    return out


def evaluate_end_to_end(predictor: Predictor, corpus: Corpus, cfg: TrainConfig) -> dict[str, float]:
    """Triplet scores of the packaged predictor and of the TF-IDF pipeline; actor recall/precision."""
    if predictor.actor_stance is None:
        raise ValueError("the predictor has no stance stage; train with stance: true")
    extractor = predictor.actor_stance.extractor
    settings = predictor.actor_stance.scorer.settings
    train = build_examples(
        corpus.splits["train"], extractor, settings.context_sentences, cfg.stance_none_per_topic, cfg.seed
    )
    train_pairs, train_labels = [e.pair(settings) for e in train], [e.label for e in train]
    out: dict[str, float] = {}
    for split in EVAL_SPLITS:
        articles = corpus.splits[split]
        texts = [a.full_text() for a in articles]
        predictions = predictor.predict([{"id": a.id, "title": a.title, "text": a.text} for a in articles])
        gold = [gold_triplets(a) for a in articles]
        model = [
            [(actor.name, t, s.stance) for actor in p.actors for t, s in actor.stances.items()] for p in predictions
        ]
        _, asked = candidates(texts, [p.present_topics() for p in predictions], extractor, settings)
        baseline_labels = tfidf_baseline(
            train_pairs, train_labels, [settings.pair(c.actor.name, c.topic, c.context) for c in asked]
        )
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
