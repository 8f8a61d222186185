"""Dev choices of the served stance stage, made end to end as it is served (topics -> actors -> stances).

Every extracted actor of every dev document with a predicted topic is asked, so the choices see the
real share of 'none'. Chosen here: the backend variant of the stance encoder (the fastest whose best
dev triplet F1 is within the tolerance of torch: sampled dev pairs missed a 2.4-point loss of int8
that only shows end to end), then the decision rule: the P(none) cut with the minimum number of mentions
of an asked actor, or (when the package has a salience model) the cut on P(salient) x (1 - P(none)), or
(when it has an engagement model) the cut on P(salient) x P(engaged), whichever has the best dev triplet F1;
the two product rules may also cap the actors kept per document and topic (config
``stance_max_actors_grid``; 0 = no cap, preferred on ties).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from serving.actor_stance import Candidate, candidates, engagement_probability
from serving.predictor import Predictor
from serving.salience import cap_per_group, salience_keep_score
from serving.stance import ENGAGEMENT_DIR, STANCE_DIR, StanceScorer, decide, decide_where
from training.data import Article
from training.export import choose_stance_variant
from training.stance import CUT_GRID, best_on_grid
from training.stance_eval import Triplet, triplet_scores

MENTION_GRID = (1, 2, 3)
SALIENCE_GRID = tuple(float(t) for t in np.round(np.linspace(0.02, 0.9, 45), 2))


def gold_triplets(article: Article) -> list[Triplet]:
    return [(a.name, topic, stance) for a in article.actors for topic, stance in a.stances.items()]


@dataclass
class DevQuestions:
    """The stance questions serving would ask on dev, with their pairs and the gold triplets."""

    asked: list[Candidate]
    pairs: list[tuple[str, str]]
    gold: list[list[Triplet]]


def dev_questions(predictor: Predictor, articles: list[Article]) -> DevQuestions:
    stage = predictor.actor_stance
    if stage is None:
        raise ValueError("the predictor has no stance stage; train with stance: true")
    predictor.actor_stance = None  # topics only
    try:
        predictions = predictor.predict([{"id": a.id, "title": a.title, "text": a.text} for a in articles])
    finally:
        predictor.actor_stance = stage
    settings = replace(stage.scorer.settings, min_mentions=1)
    texts = [a.full_text() for a in articles]
    _, asked = candidates(texts, [p.present_topics() for p in predictions], stage.extractor, settings)
    pairs = [settings.pair(c.actor.name, c.topic, c.context) for c in asked]
    return DevQuestions(asked, pairs, [gold_triplets(a) for a in articles])


def _dev_f1(decisions: list[tuple[str, float]], questions: DevQuestions, mentions: int = 1) -> float:
    triplets: list[list[Triplet]] = [[] for _ in questions.gold]
    for c, (stance, _) in zip(questions.asked, decisions, strict=True):
        if stance != "none" and len(c.actor.mentions) >= mentions:
            triplets[c.doc].append((c.actor.name, c.topic, stance))
    return triplet_scores(triplets, questions.gold)["f1"]


def best_setting(probabilities: np.ndarray, questions: DevQuestions, labels: list[str]) -> tuple[float, int, float]:
    """(cut, minimum mentions, dev triplet F1) with the best F1; ties: fewer mentions, cut nearest 0.5."""
    best: tuple[float, int, float] = (0.5, 1, -1.0)
    for mentions in MENTION_GRID:
        scores = {cut: _dev_f1(decide(probabilities, labels, cut), questions, mentions) for cut in CUT_GRID}
        cut = best_on_grid(scores, 0.5)
        if round(scores[cut], 6) > round(best[2], 6):
            best = (cut, mentions, scores[cut])
    return best


def best_product_cut(
    probabilities: np.ndarray,
    questions: DevQuestions,
    labels: list[str],
    score: np.ndarray,
    caps: Sequence[int] = (0,),
) -> tuple[float, int, float]:
    """(cut on a keep score, cap, dev triplet F1) with the best F1. A candidate is kept (with its likeliest
    engaged stance) where its score reaches the cut; with a cap > 0 at most that many per document and
    topic, the highest scores (``serving.salience.cap_per_group``). Ties: the earlier cap in ``caps``, then
    the cut nearest 0.5."""
    groups = [(c.doc, c.topic) for c in questions.asked]
    best: tuple[float, int, float] = (0.5, 0, -1.0)
    for cap in caps:
        scores = {
            cut: _dev_f1(
                decide_where(probabilities, labels, cap_per_group(groups, score, score >= cut, cap)), questions
            )
            for cut in SALIENCE_GRID
        }
        cut = best_on_grid(scores, 0.5)
        if round(scores[cut], 6) > round(best[2], 6):
            best = (cut, cap, scores[cut])
    return best


def best_salience_cut(
    probabilities: np.ndarray,
    questions: DevQuestions,
    labels: list[str],
    salience: np.ndarray,
    caps: Sequence[int] = (0,),
) -> tuple[float, int, float]:
    """The best cut (and cap) on P(salient) x (1 - P(none)), the keep score of the salience rule."""
    score = salience_keep_score(probabilities, labels, salience)
    return best_product_cut(probabilities, questions, labels, score, caps)


@dataclass
class Rule:
    """The chosen decision rule and its dev triplet F1 (both cuts 0: the P(none) cut rule)."""

    none_cut: float
    min_mentions: int
    salience_cut: float
    f1: float
    f1_none_cut: float
    f1_salience: float
    engagement_cut: float = 0.0
    f1_engagement: float = -1.0
    max_actors: int = 0


def best_rule(
    scorer: StanceScorer, probabilities: np.ndarray, questions: DevQuestions, caps: Sequence[int] = (0,)
) -> Rule:
    """The best of the rules on dev; a product rule must beat the ones before it to be used; the product
    rules may cap the actors per document and topic (``caps``, 0 = no cap)."""
    cut, mentions, f1 = best_setting(probabilities, questions, scorer.labels)
    rule = Rule(cut, mentions, 0.0, f1, f1, -1.0)
    if not questions.asked or (scorer.salience is None and scorer.engagement is None):
        return rule
    features = np.array([c.features for c in questions.asked])
    salience = scorer.salience.predict(features) if scorer.salience is not None else np.ones(len(features))
    if scorer.salience is not None:
        s_cut, s_cap, s_f1 = best_salience_cut(probabilities, questions, scorer.labels, salience, caps)
        rule.f1_salience = s_f1
        if round(s_f1, 6) > round(f1, 6):
            rule.salience_cut, rule.max_actors, rule.min_mentions, rule.f1 = s_cut, s_cap, 1, s_f1
    if scorer.engagement is not None:
        score = salience * engagement_probability(scorer.engagement, questions.asked)
        e_cut, e_cap, e_f1 = best_product_cut(probabilities, questions, scorer.labels, score, caps)
        rule.f1_engagement = e_f1
        if round(e_f1, 6) > round(rule.f1, 6):
            rule.engagement_cut, rule.salience_cut, rule.max_actors = e_cut, 0.0, e_cap
            rule.min_mentions, rule.f1 = 1, e_f1
    return rule


def tune_stance_stage(
    package_dir: Path, articles: list[Article], tolerance: float, export: bool, caps: Sequence[int] = (0,)
) -> dict[str, float | str]:
    """Choose the stance backend variant (when ``export``), the decision rule with its cuts, the minimum
    mentions and the cap on actors per document and topic (from ``caps``) on dev; save them in the
    package's stance settings; return every choice and score for MLflow."""
    from training.stance_run import save_settings

    predictor = Predictor.from_directory(package_dir, backend="auto")
    if predictor.actor_stance is None:
        raise ValueError(f"{package_dir} has no stance stage to tune")
    settings = predictor.actor_stance.scorer.settings
    questions = dev_questions(predictor, articles)
    stance_dir = package_dir / STANCE_DIR

    def end_to_end(scorer: StanceScorer) -> tuple[float, np.ndarray]:
        probabilities = scorer.predict_proba(questions.pairs)
        return best_rule(scorer, probabilities, questions, caps).f1, probabilities

    selection: dict[str, float | str] = {}
    if export:
        selection = choose_stance_variant(stance_dir, end_to_end, tolerance)
        settings.onnx_variant = str(selection["stance_onnx_variant"])
    scorer = StanceScorer(stance_dir, backend=settings.onnx_variant)
    rule = best_rule(scorer, scorer.predict_proba(questions.pairs), questions, caps)
    settings.none_threshold, settings.min_mentions, settings.max_actors = (
        rule.none_cut,
        rule.min_mentions,
        rule.max_actors,
    )
    settings.salience_cut, settings.engagement_cut = rule.salience_cut, rule.engagement_cut
    save_settings(settings, stance_dir)
    if scorer.engagement is not None:  # serving's 'auto' runs the variant validated above for both encoders
        save_settings(
            replace(scorer.engagement.settings, onnx_variant=settings.onnx_variant), stance_dir / ENGAGEMENT_DIR
        )
    return selection | {
        "stance_none_threshold": rule.none_cut,
        "stance_min_mentions": float(rule.min_mentions),
        "stance_salience_cut": rule.salience_cut,
        "stance_max_actors": float(rule.max_actors),
        "stance_dev_triplet_f1_at_cut": rule.f1,
        "stance_dev_triplet_f1_none_rule": rule.f1_none_cut,
        "stance_dev_triplet_f1_salience_rule": rule.f1_salience,
        "stance_engagement_cut": rule.engagement_cut,
        "stance_dev_triplet_f1_engagement_rule": rule.f1_engagement,
        "stance_dev_questions": float(len(questions.pairs)),
    }
