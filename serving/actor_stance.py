"""From topic decisions to actors with stances: extract actors, ask the stance model per present topic.

Only documents with at least one present topic are parsed, and only their present topics are asked,
so scoring a corpus that is mostly off-topic stays cheap. An actor is reported when it takes a stance
(anything but 'none') on at least one present topic; its evidence is its first mention sentence.
When the package has an engagement cross-encoder (``stance/engagement``: is this actor one the article
presents as engaging with this topic? trained on every extracted actor of the train articles) and dev
chose it, a stance is kept when P(salient) x P(engaged) reaches the dev-chosen cut; with a salience model
(``serving/salience.py``) alone, when P(salient) x (1 - P(none)) does; otherwise when P(none) is below its cut.
When dev chose a cap (``max_actors``), at most that many actors per document and topic are kept: those with
the highest keep score.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from serving.actors import ActorExtractor, ExtractedActor
from serving.salience import actor_features, cap_per_group, salience_keep_score
from serving.schema import Actor, ActorTopicStance
from serving.stance import StanceScorer, StanceSettings, decide, decide_where


@dataclass
class Candidate:
    """One question for the stance model: where does ``actor`` of document ``doc`` stand on ``topic``?"""

    doc: int
    actor: ExtractedActor
    topic: str
    context: str
    features: list[float]  # serving.salience.FEATURES of the actor in its document


def actor_context(actor: ExtractedActor, sentences: int, mark: bool = False) -> str:
    """The actor's first ``sentences`` distinct mention sentences, joined; with ``mark``, its mentions
    bracketed so the stance model knows which of the sentence's entities it is asked about."""
    context = " ".join(actor.sentences[:sentences])
    return mark_mentions(context, [m.text for m in actor.mentions] + [actor.name]) if mark else context


def mark_mentions(context: str, names: Sequence[str]) -> str:
    """Every occurrence of one of ``names`` (longest first, case-insensitive, not inside a longer word) as
    '[ name ]'; names may begin or end with punctuation ("U.S.")."""
    ordered = sorted({n for n in names if n.strip()}, key=len, reverse=True)
    if not ordered:
        return context
    pattern = r"(?<!\w)(?:" + "|".join(re.escape(n) for n in ordered) + r")(?!\w)"
    return re.sub(pattern, lambda m: f"[ {m.group(0)} ]", context, flags=re.IGNORECASE)


def candidates(
    texts: Sequence[str], present: Sequence[Sequence[str]], extractor: ActorExtractor, settings: StanceSettings
) -> tuple[list[list[ExtractedActor]], list[Candidate]]:
    """Actors of every document with a present topic, and one candidate per (actor, present topic)."""
    asked = [i for i, topics in enumerate(present) if topics]
    parsed = dict(zip(asked, extractor.extract_many([texts[i] for i in asked]), strict=True))
    actors: list[list[ExtractedActor]] = [parsed.get(i, []) for i in range(len(texts))]
    out: list[Candidate] = []
    for doc, (found, topics) in enumerate(zip(actors, present, strict=True)):
        for actor in found:
            if len(actor.mentions) < settings.min_mentions:
                continue
            context = actor_context(actor, settings.context_sentences, settings.mark_actor)
            row = actor_features(actor, texts[doc], found)
            out.extend(Candidate(doc, actor, topic, context, row) for topic in topics)
    return actors, out


def to_actors(
    n_docs: int,
    found: Sequence[Sequence[ExtractedActor]],
    asked: Sequence[Candidate],
    decisions: Sequence[tuple[str, float]],
) -> list[list[Actor]]:
    """Per document, the actors that take a stance, in order of first mention."""
    stances: dict[tuple[int, str], dict[str, ActorTopicStance]] = {}
    for candidate, (stance, probability) in zip(asked, decisions, strict=True):
        if stance == "none":
            continue
        evidence = candidate.actor.mentions[0].sentence if candidate.actor.mentions else ""
        stances.setdefault((candidate.doc, candidate.actor.name), {})[candidate.topic] = ActorTopicStance(
            stance=stance, probability=round(probability, 4), evidence=evidence
        )
    out: list[list[Actor]] = []
    for doc in range(n_docs):
        out.append(
            [
                Actor(
                    name=actor.name,
                    type=actor.type,
                    mentions=[(m.start, m.end) for m in actor.mentions],
                    stances=stances[(doc, actor.name)],
                )
                for actor in found[doc]
                if (doc, actor.name) in stances
            ]
        )
    return out


class ActorStance:
    """The actor-stance stage of the predictor: extractor (spaCy, loaded on first use) + stance scorer."""

    def __init__(self, scorer: StanceScorer, extractor: ActorExtractor | None = None) -> None:
        self.scorer = scorer
        self._extractor = extractor

    @property
    def extractor(self) -> ActorExtractor:
        if self._extractor is None:
            self._extractor = ActorExtractor()
        return self._extractor

    def decide(self, asked: Sequence[Candidate]) -> list[tuple[str, float]]:
        """The package's rule, the first that applies: the engagement product when it has an engagement
        model and a cut; the salience product when it has a salience model and a cut; else P(none). With
        ``max_actors``, only that many kept actors per document and topic, those with the highest keep score.

        Both products are at most P(salient): a candidate whose salience is below the cut is 'none'
        whatever the other models say, so they are not asked (exact); nor is the stance model asked
        about a candidate the engagement rule drops.
        """
        settings = self.scorer.settings
        pairs = [settings.pair(c.actor.name, c.topic, c.context) for c in asked]
        if "none" not in settings.labels:
            return decide(self.scorer.predict_proba(pairs), settings.labels, settings.none_threshold)
        probabilities, score, keep = self._keep_scores(asked, pairs)
        keep = cap_per_group([(c.doc, c.topic) for c in asked], score, keep, settings.max_actors)
        return decide_where(probabilities, settings.labels, keep)

    def _keep_scores(
        self, asked: Sequence[Candidate], pairs: Sequence[tuple[str, str]]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Stance probabilities, each candidate's keep score under the package's rule, and whether it is kept."""
        settings = self.scorer.settings
        none = settings.labels.index("none")
        if self.scorer.engagement is not None and settings.engagement_cut > 0:
            score = self.engagement_score(asked)
            keep = score >= settings.engagement_cut
            return self._ask(pairs, keep), score, keep
        if self.scorer.salience is None or settings.salience_cut <= 0:
            probabilities = self.scorer.predict_proba(pairs) if pairs else np.zeros((0, len(settings.labels)))
            return probabilities, 1.0 - probabilities[:, none], probabilities[:, none] < settings.none_threshold
        salience = self.scorer.salience.predict(np.array([c.features for c in asked])) if asked else np.zeros(0)
        probabilities = self._ask(pairs, salience >= settings.salience_cut)
        score = salience_keep_score(probabilities, settings.labels, salience)
        return probabilities, score, score >= settings.salience_cut

    def engagement_score(self, asked: Sequence[Candidate]) -> np.ndarray:
        """Per candidate: P(salient) x P(engaged) (P(salient) = 1 without trees; 0 where salience is under
        the engagement cut, which the product cannot reach)."""
        cut = self.scorer.settings.engagement_cut
        salience = (
            self.scorer.salience.predict(np.array([c.features for c in asked]))
            if self.scorer.salience is not None and asked
            else np.ones(len(asked))
        )
        score = np.zeros(len(asked))
        ask = np.flatnonzero(salience >= cut)
        if len(ask) and self.scorer.engagement is not None:
            engaged = engagement_probability(self.scorer.engagement, [asked[int(i)] for i in ask])
            score[ask] = salience[ask] * engaged
        return score

    def _ask(self, pairs: Sequence[tuple[str, str]], mask: np.ndarray) -> np.ndarray:
        """Stance probabilities for the pairs under ``mask``; the other rows are P(none) = 1, not asked."""
        labels = self.scorer.settings.labels
        probabilities = np.zeros((len(pairs), len(labels)), dtype=np.float32)
        probabilities[:, labels.index("none")] = 1.0
        ask = np.flatnonzero(mask)
        if len(ask):
            probabilities[ask] = self.scorer.predict_proba([pairs[int(i)] for i in ask])
        return probabilities

    def __call__(self, texts: Sequence[str], present: Sequence[Sequence[str]]) -> list[list[Actor]]:
        found, asked = candidates(texts, present, self.extractor, self.scorer.settings)
        return to_actors(len(texts), found, asked, self.decide(asked))


def engagement_pairs(settings: StanceSettings, asked: Sequence[Candidate]) -> list[tuple[str, str]]:
    """The engagement cross-encoder's inputs (its own context size), the same in training and serving."""
    return [
        settings.pair(c.actor.name, c.topic, actor_context(c.actor, settings.context_sentences, settings.mark_actor))
        for c in asked
    ]


def engagement_probability(model: StanceScorer, asked: Sequence[Candidate]) -> np.ndarray:
    """P(engaged) of each candidate from an engagement cross-encoder."""
    if not asked:
        return np.zeros(0)
    probabilities = model.predict_proba(engagement_pairs(model.settings, asked))
    return np.asarray(probabilities[:, model.settings.labels.index("engaged")])


def load_actor_stance(directory: Any, backend: str = "torch") -> ActorStance | None:
    """The stage for a package's ``stance/`` directory, or None when the package has no stance model."""
    from pathlib import Path

    from serving.stance import SETTINGS_FILE

    path = Path(directory)
    return ActorStance(StanceScorer(path, backend)) if (path / SETTINGS_FILE).is_file() else None
