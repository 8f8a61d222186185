"""Stance data building: gold stances with their context, and 'none' negatives from extracted actors."""

from __future__ import annotations

from collections import Counter

import pytest

from serving.actors import ActorExtractor
from training.data import Article
from training.stance_data import PROPOSITIONS, build_examples


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
    assert guo.pair()[0] == "Guo Shengkun. " + PROPOSITIONS["internet_control"]
    nones = [e for e in examples if e.label == "none"]
    assert len(nones) == 4  # two per present topic
    assert not any(e.actor in {"Guo Shengkun", "China", "Kremlin"} for e in nones)


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
    from training.stance import StanceModel, StanceSettings, stance_macro_f1, tfidf_baseline, train_stance
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
        for lab in [("favor", "against", "neutral", "none")[i % 4]]
    ]
    out = train_stance(str(tiny_encoder), examples, StanceSettings(epochs=20, batch_size=8, lr=5e-3), tmp_path / "s")
    predicted = StanceModel(out).predict(examples)
    assert stance_macro_f1([e.label for e in examples], predicted) >= 0.9
    assert stance_macro_f1([e.label for e in examples], tfidf_baseline(examples, examples)) == 1.0
