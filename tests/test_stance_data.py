"""Stance data building: gold stances with their context, and 'none' negatives from extracted actors."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from serving.actor_stance import candidates, mark_mentions
from serving.actors import ActorExtractor
from serving.stance import DEFAULT_PROPOSITIONS, StanceSettings
from training.data import Article
from training.stance import class_weights
from training.stance_data import build_examples


@pytest.fixture(scope="module")
def extractor() -> ActorExtractor:
    return ActorExtractor()


def test_seed_article_examples(extractor: ActorExtractor, seed_article: dict) -> None:  # type: ignore[type-arg]
    article = Article.model_validate(seed_article | {"split": None})
    examples = build_examples([article], extractor, none_per_topic=2)
    gold = [(e.actor, e.topic, e.label) for e in examples if e.label != "none"]
    assert ("Guo Shengkun", "internet_control", "favor") in gold
    assert ("Kremlin critics", "internet_control", "against") in gold
    assert ("Kremlin", "foreign_interference", "favor") in gold
    assert sum(len(a["stances"]) for a in seed_article["actors"]) == len(gold)  # type: ignore[index]
    guo = next(e for e in examples if e.actor == "Guo Shengkun" and e.topic == "internet_control")
    assert "Guo" in guo.context
    assert guo.pair()[0] == "Guo Shengkun. " + DEFAULT_PROPOSITIONS["internet_control"]
    nones = [e for e in examples if e.label == "none"]
    assert len(nones) == 4  # two per present topic
    assert not any(e.actor in {"Guo Shengkun", "China", "Kremlin"} for e in nones)


def test_mark_mentions_brackets_each_mention_once() -> None:
    text = "Minister Guo Shengkun spoke; Guo said the Kremlin and the West agree."
    assert mark_mentions(text, ["Guo", "Guo Shengkun"]) == (
        "Minister [ Guo Shengkun ] spoke; [ Guo ] said the Kremlin and the West agree."
    )
    assert mark_mentions("The Kremlin blamed Kremlinology.", ["Kremlin", "the Kremlin"]) == (
        "[ The Kremlin ] blamed Kremlinology."
    )
    assert mark_mentions(text, []) == text
    assert mark_mentions("The U.S. and the USSR.", ["U.S."]) == "The [ U.S. ] and the USSR."


def test_marked_examples_bracket_the_asked_actor_only(extractor: ActorExtractor, seed_article: dict) -> None:  # type: ignore[type-arg]
    article = Article.model_validate(seed_article | {"split": None})
    plain = build_examples([article], extractor, none_per_topic=2)
    marked = build_examples([article], extractor, none_per_topic=2, mark_actor=True)
    assert [(e.actor, e.topic, e.label) for e in plain] == [(e.actor, e.topic, e.label) for e in marked]
    guo = next(e for e in marked if e.actor == "Guo Shengkun" and e.topic == "internet_control")
    assert "[ Guo Shengkun ]" in guo.context and "[ China ]" not in guo.context
    for before, after in zip(plain, marked, strict=True):
        assert after.context.replace("[ ", "").replace(" ]", "") == before.context
    # serving asks with the same marked contexts when the package's settings say so
    _, asked = candidates([article.full_text()], [["internet_control"]], extractor, StanceSettings(mark_actor=True))
    served = next(c for c in asked if c.actor.name == "Guo Shengkun")
    assert served.context == guo.context


def test_pair_name_extracted_asks_about_the_name_serving_uses(extractor: ActorExtractor) -> None:
    article = Article.model_validate(
        {
            "id": "us",
            "text": "The US is accused of funding the protests in Belgrade, the organisers of the rally said.",
            "topics": ["foreign_interference"],
            "actors": [
                {"name": "US", "type": "country", "stances": {"foreign_interference": "neutral"}},
                {"name": "the organisers", "type": "group", "stances": {"foreign_interference": "favor"}},
            ],
        }
    )
    gold = build_examples([article], extractor, none_per_topic=0)
    extracted = build_examples([article], extractor, none_per_topic=0, pair_name="extracted")
    assert [(e.actor, e.label) for e in gold] == [("US", "neutral"), ("the organisers", "favor")]
    # serving asks about "United States" (the extractor expands "US"); an unmatched gold actor keeps its name
    _, asked = candidates([article.full_text()], [["foreign_interference"]], extractor, StanceSettings())
    assert "United States" in {c.actor.name for c in asked}
    assert [(e.actor, e.label) for e in extracted] == [("United States", "neutral"), ("the organisers", "favor")]
    assert [e.context for e in extracted] == [e.context for e in gold]
    with pytest.raises(ValueError, match="pair_name must be one of"):
        build_examples([article], extractor, pair_name="canonical")


def test_articles_without_topics_give_nothing_and_labels_are_known(extractor: ActorExtractor) -> None:
    plain = Article(id="x", text="The club won the cup in Madrid.", topics=[])
    assert build_examples([plain], extractor) == []
    labelled = Article.model_validate(
        {
            "id": "y",
            "text": "Russian authorities blocked Telegram. Activists in Moscow protested the ban.",
            "topics": ["internet_control"],
            "actors": [{"name": "Russian authorities", "type": "government", "stances": {"internet_control": "favor"}}],
        }
    )
    counts = Counter(e.label for e in build_examples([labelled], extractor))
    assert counts["favor"] == 1 and set(counts) <= {"favor", "against", "neutral", "none"}


def test_stance_model_learns_a_separable_toy_task(tiny_encoder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from serving.stance import STANCES, StanceScorer, StanceSettings
    from training.stance import StanceTraining, stance_macro_f1, tfidf_baseline, train_stance
    from training.stance_data import StanceExample

    words = {
        "favor": "supports demands welcomes",
        "against": "opposes condemns protests",
        "neutral": "reported described noted",
        "none": "football weather music",
    }
    examples = [
        StanceExample(f"d{i}", f"Actor {i}", "internet_control", f"Actor {i} {words[lab]} today.", lab)
        for i in range(64)
        for lab in [STANCES[i % 4]]
    ]
    settings = StanceSettings(max_length=32)
    pairs, labels = [e.pair(settings) for e in examples], [e.label for e in examples]
    training = StanceTraining(epochs=20, batch_size=8, lr=5e-3, head_lr=5e-3)
    out = train_stance(str(tiny_encoder), pairs, labels, settings, training, tmp_path / "s")
    scorer = StanceScorer(out)
    predicted = [STANCES[i] for i in scorer.predict_proba(pairs).argmax(axis=1)]
    assert stance_macro_f1(labels, predicted) >= 0.9
    assert stance_macro_f1(labels, tfidf_baseline(pairs, labels, pairs)) == 1.0
    assert scorer.settings == settings  # settings travel with the weights


def test_unknown_stance_label_is_refused(tiny_encoder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from serving.stance import StanceSettings
    from training.stance import StanceTraining, train_stance

    with pytest.raises(ValueError, match=r"stance labels \['support'\] are not in the label set"):
        train_stance(str(tiny_encoder), [("a", "b")], ["support"], StanceSettings(), StanceTraining(), tmp_path / "s")


def test_class_weights_by_power() -> None:
    targets = np.array([0, 0, 0, 1, 2, 2])  # shares 1/2, 1/6, 1/3 (a uniform class: 1/4 of 4 labels)
    assert np.allclose(class_weights(targets, 4, 0.0), [1, 1, 1, 1])
    assert np.allclose(class_weights(targets, 4, 1.0), [0.5, 1.5, 0.75, 1.5])  # an absent class counts as 1
    assert np.allclose(class_weights(targets, 4, 0.5), np.sqrt([0.5, 1.5, 0.75, 1.5]))
