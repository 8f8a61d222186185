"""Stance training examples: (actor, topic proposition, actor's context) -> favor/against/neutral/none.

Positive examples come from the gold actors of each present topic; "none" examples from actors the
extractor finds in the same article that the gold does not list for that topic (they do not engage
with it). Context is the actor's mention sentences, so training sees what serving will see.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from serving.actor_stance import actor_context, mark_mentions
from serving.actors import ActorExtractor, ExtractedActor, names_match
from serving.stance import StanceSettings
from training.data import Article

DEFAULT_SETTINGS = StanceSettings()
PAIR_NAMES = ("gold", "extracted")


@dataclass
class StanceExample:
    doc_id: str
    actor: str
    topic: str
    context: str
    label: str

    def pair(self, settings: StanceSettings = DEFAULT_SETTINGS) -> tuple[str, str]:
        """The cross-encoder input: (actor + proposition, context)."""
        return settings.pair(self.actor, self.topic, self.context)


def context_for(
    actor: ExtractedActor | None, name: str, evidence: str, text: str, max_sentences: int, mark: bool = False
) -> str:
    """The actor's mention sentences (first ``max_sentences``), as serving reads them; the gold evidence
    when none were found. With ``mark``, the actor's mentions are bracketed as serving does."""
    if actor is not None and actor.sentences:
        return actor_context(actor, max_sentences, mark)
    context = evidence or text[:500]
    return mark_mentions(context, [name]) if mark else context


def build_examples(
    articles: Sequence[Article],
    extractor: ActorExtractor,
    max_sentences: int = 1,
    none_per_topic: int = 2,
    seed: int = 13,
    mark_actor: bool = False,
    pair_name: str = "gold",
) -> list[StanceExample]:
    """Gold stances for present topics, plus up to ``none_per_topic`` 'none' actors per topic and article.

    ``pair_name`` names a gold actor in its pair: "gold" (the annotation's name, "US") or "extracted" (the
    name the extractor gives the matching actor, "United States", which is what serving asks about; the
    gold name when no extracted actor matches). The 'none' actors always carry their extracted names.
    """
    if pair_name not in PAIR_NAMES:
        raise ValueError(f"pair_name must be one of {PAIR_NAMES}, found '{pair_name}'")
    rng = random.Random(seed)
    examples: list[StanceExample] = []
    for article in articles:
        if not article.topics:
            continue
        found = extractor.extract(article.full_text())
        for topic in article.topics:
            gold = [a for a in article.actors if topic in a.stances]
            for actor in gold:
                match = next((f for f in found if names_match(f.name, actor.name)), None)
                evidence = actor.evidence.get(topic, "")
                context = context_for(match, actor.name, evidence, article.text, max_sentences, mark_actor)
                name = match.name if pair_name == "extracted" and match is not None else actor.name
                examples.append(StanceExample(article.id, name, topic, context, actor.stances[topic]))
            others = [f for f in found if not any(names_match(f.name, g.name) for g in article.actors)]
            for extra in rng.sample(others, min(none_per_topic, len(others))):
                context = context_for(extra, extra.name, "", article.text, max_sentences, mark_actor)
                examples.append(StanceExample(article.id, extra.name, topic, context, "none"))
    return examples
