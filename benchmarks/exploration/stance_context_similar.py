"""Scratch: the actor's context sentence chosen per topic by similarity to the topic's proposition, end to end.

python benchmarks/exploration/stance_context_similar.py MODE [stance_e2e options]

MODE: ``similar`` (the actor's mention sentence closest to the proposition, by the pretrained MiniLM's
sentence embeddings), ``first+similar`` (the first mention sentence, plus the closest one when it is
another) or ``first`` (the product, for a side-by-side check). Patches the context choice of training's
pair building and of serving's candidates, then runs ``stance_e2e.py`` (same options: --seeds,
--report-test, --model).
"""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "exploration"))

import serving.actor_stance as actor_stance  # noqa: E402
import training.stance_run as stance_run  # noqa: E402
from serving.actors import ActorExtractor, ExtractedActor, names_match  # noqa: E402
from serving.salience import actor_features  # noqa: E402
from serving.stance import StanceSettings  # noqa: E402
from training.data import Article  # noqa: E402
from training.stance_data import StanceExample  # noqa: E402

MODE = sys.argv.pop(1)
assert MODE in ("similar", "first+similar", "first"), MODE
_model = None
_cache: dict[str, np.ndarray] = {}
PROPS = StanceSettings()


def embed(sentences: Sequence[str]) -> np.ndarray:
    global _model
    if _model is None:
        from sentence_transformers import SentenceTransformer

        from serving.encoder import default_encoder_path

        _model = SentenceTransformer(default_encoder_path(), device="cpu")
    new = [s for s in dict.fromkeys(sentences) if s not in _cache]
    if new:
        for s, v in zip(new, _model.encode(new, normalize_embeddings=True, batch_size=64), strict=True):
            _cache[s] = v
    return np.stack([_cache[s] for s in sentences])


def pick(actor: ExtractedActor, topic: str) -> str:
    sentences = actor.sentences
    if MODE == "first" or len(sentences) <= 1:
        return " ".join(sentences[:1])
    best = int(np.argmax(embed(sentences) @ embed([PROPS.proposition(topic)])[0]))
    if MODE == "similar":
        return sentences[best]
    return " ".join(sentences[i] for i in sorted({0, best}))


def build_examples(
    articles: Sequence[Article], extractor: ActorExtractor, max_sentences: int = 1, none_per_topic: int = 2,
    seed: int = 13, mark_actor: bool = False, pair_name: str = "gold",
) -> list[StanceExample]:
    """training.stance_data.build_examples with the per-topic context (same rng order)."""
    rng = random.Random(seed)
    out: list[StanceExample] = []
    for article in articles:
        if not article.topics:
            continue
        found = extractor.extract(article.full_text())
        for topic in article.topics:
            for actor in [a for a in article.actors if topic in a.stances]:
                match = next((f for f in found if names_match(f.name, actor.name)), None)
                if match is not None and match.sentences:
                    context = pick(match, topic)
                else:
                    context = actor.evidence.get(topic, "") or article.text[:500]
                out.append(StanceExample(article.id, actor.name, topic, context, actor.stances[topic]))
            others = [f for f in found if not any(names_match(f.name, g.name) for g in article.actors)]
            for extra in rng.sample(others, min(none_per_topic, len(others))):
                context = pick(extra, topic) if extra.sentences else article.text[:500]
                out.append(StanceExample(article.id, extra.name, topic, context, "none"))
    return out


def candidates(texts, present, extractor, settings):  # type: ignore[no-untyped-def]
    """serving.actor_stance.candidates with the per-topic context."""
    asked = [i for i, topics in enumerate(present) if topics]
    parsed = dict(zip(asked, extractor.extract_many([texts[i] for i in asked]), strict=True))
    actors = [parsed.get(i, []) for i in range(len(texts))]
    out = []
    for doc, (found, topics) in enumerate(zip(actors, present, strict=True)):
        for actor in found:
            if len(actor.mentions) < settings.min_mentions:
                continue
            row = actor_features(actor, texts[doc], found)
            out.extend(actor_stance.Candidate(doc, actor, t, pick(actor, t), row) for t in topics)
    return actors, out


stance_run.build_examples = build_examples  # type: ignore[assignment]
actor_stance.candidates = candidates  # type: ignore[assignment]

if __name__ == "__main__":
    import stance_e2e

    args = stance_e2e.build_parser().parse_args()
    args.set.append(f"name={MODE}")
    stance_e2e.main(args)
