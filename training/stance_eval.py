"""Actor-stance evaluation: (actor, topic, stance) triplets with alias-tolerant actor matching.

A predicted triplet is a hit when an unused gold triplet of the same document has the same topic,
the same stance and an actor name that ``names_match`` (case and a leading 'the' ignored; a contained
name, a shared surname of more than three letters, or an acronym of the other name matches: "Navalny" ~
"Alexei Navalny", "Kremlin" ~ "the Kremlin", "US" ~ "United States"). Each gold triplet is matched at most once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from serving.actors import names_match
from serving.schema import Prediction

Triplet = tuple[str, str, str]  # actor, topic, stance


def predicted_triplets(prediction: Prediction) -> list[Triplet]:
    """The (actor, topic, stance) triplets of one predicted document."""
    return [(actor.name, topic, s.stance) for actor in prediction.actors for topic, s in actor.stances.items()]


def match_count(predicted: Iterable[Triplet], gold: Iterable[Triplet]) -> int:
    """Greedy one-to-one matching of predicted to gold triplets of one document."""
    unused = list(gold)
    hits = 0
    for actor, topic, stance in predicted:
        for i, (g_actor, g_topic, g_stance) in enumerate(unused):
            if topic == g_topic and stance == g_stance and names_match(actor, g_actor):
                hits += 1
                del unused[i]
                break
    return hits


def triplet_scores(predicted: Sequence[Sequence[Triplet]], gold: Sequence[Sequence[Triplet]]) -> dict[str, float]:
    """Micro precision / recall / F1 over all documents (lists aligned by document)."""
    if len(predicted) != len(gold):
        raise ValueError(f"predicted has {len(predicted)} documents, gold has {len(gold)}")
    hits = sum(match_count(p, g) for p, g in zip(predicted, gold, strict=True))
    n_pred = sum(len(p) for p in predicted)
    n_gold = sum(len(g) for g in gold)
    precision = hits / n_pred if n_pred else 0.0
    recall = hits / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "hits": float(hits),
        "n_pred": float(n_pred),
        "n_gold": float(n_gold),
    }


def actor_scores(predicted: Sequence[Sequence[str]], gold: Sequence[Sequence[str]]) -> dict[str, float]:
    """Actor extraction recall (gold actors found) and precision (found actors that are gold)."""
    gold_found = sum(
        any(names_match(p, g) for p in preds) for preds, golds in zip(predicted, gold, strict=True) for g in golds
    )
    pred_ok = sum(
        any(names_match(p, g) for g in golds) for preds, golds in zip(predicted, gold, strict=True) for p in preds
    )
    n_gold = sum(len(g) for g in gold)
    n_pred = sum(len(p) for p in predicted)
    return {"recall": gold_found / n_gold if n_gold else 0.0, "precision": pred_ok / n_pred if n_pred else 0.0}
