"""Actor extraction on crafted sentences and the seed article: NER + collectives + alias merging."""

from __future__ import annotations

import pytest

from serving.actors import ActorExtractor, canonical, headline_cased, initials, names_match


@pytest.fixture(scope="module")
def extractor() -> ActorExtractor:
    return ActorExtractor()


def by_name(actors: list) -> dict:  # type: ignore[type-arg]
    return {a.name: a for a in actors}


def test_surname_and_given_name_forms_merge(extractor: ActorExtractor) -> None:
    text = "Alexei Navalny criticised the ban. Navalny said it was illegal. Guo Shengkun spoke. Guo warned again."
    actors = by_name(extractor.extract(text))
    assert "Navalny" not in actors and "Guo" not in actors
    assert len(actors["Guo Shengkun"].mentions) == 2
    assert actors["Guo Shengkun"].type == "person"


def test_collectives_and_demonyms(extractor: ActorExtractor) -> None:
    text = (
        "Russian authorities blocked the sites. Kremlin critics objected. The West was blamed by "
        "the Kremlin, and the Russian foreign ministry agreed. US authorities denied it."
    )
    actors = by_name(extractor.extract(text))
    assert actors["Russian authorities"].type == "government"
    assert actors["Kremlin critics"].type == "group"
    assert {"the West", "Kremlin", "US authorities"} <= set(actors)
    assert actors["Kremlin"].type == "government"


def test_mentions_have_offsets_and_sentences(extractor: ActorExtractor) -> None:
    text = "China urged Russia to act. Later, Russia agreed with China."
    actors = by_name(extractor.extract(text))
    for mention in actors["Russia"].mentions:
        assert text[mention.start : mention.end] == "Russia"
    assert actors["Russia"].sentences == ["China urged Russia to act.", "Later, Russia agreed with China."]


def test_seed_article_finds_the_gold_actors(extractor: ActorExtractor, seed_article: dict) -> None:  # type: ignore[type-arg]
    names = [a.name for a in extractor.extract(seed_article["text"])]
    gold = [a["name"] for a in seed_article["actors"]]
    found = [g for g in gold if any(names_match(n, g) for n in names)]
    assert found == gold  # all eight: Guo Shengkun, China, Kremlin, Russian authorities, Kremlin critics, ...


def test_canonical_names_and_matching() -> None:
    assert canonical("the Kremlin", "ORG") == "Kremlin"
    assert canonical("Russian", "NORP") == "Russia"
    assert canonical("IFF", "ORG") == "Internet Freedom Foundation"
    assert names_match("Guo Shengkun", "Guo Shengkun") and names_match("West", "the West")
    assert names_match("Navalny", "Alexei Navalny") and not names_match("China", "Chinese embassy staff")


def test_title_case_headline_is_read_in_sentence_case() -> None:
    text = "China Calls on Russia to Tighten NGO Control\n\nOfficials in Beijing said China and Russia agree."
    assert headline_cased(text) == "China calls on Russia to tighten NGO control\n\n" + text.split("\n\n", 1)[1]
    assert len(headline_cased(text)) == len(text)
    for unchanged in ("no headline paragraph at all", "A sentence-case headline about things\n\nBody text here."):
        assert headline_cased(unchanged) == unchanged


def test_headline_words_do_not_become_actors(extractor: ActorExtractor, seed_article: dict) -> None:  # type: ignore[type-arg]
    text = f"{seed_article['title']}\n\n{seed_article['text']}"
    actors = extractor.extract(text)
    assert not [a.name for a in actors if "Calls" in a.name]
    china = next(a for a in actors if a.name == "China")
    first = china.mentions[0]
    assert (first.start, first.text) == (0, "China")
    assert first.sentence.startswith("China Calls on Russia to Tighten")  # evidence from the original text


def test_acronyms_fold_into_the_full_name(extractor: ActorExtractor) -> None:
    assert initials("Shanghai Cooperation Organization") == "SCO"
    assert initials("Ministry of Home Affairs") == "MHA" and initials("Jammu & Kashmir") == "J&K"
    assert initials("Roskomnadzor") == ""
    text = (
        "The SCO met in Tashkent on Monday. The Shanghai Cooperation Organization urged members to control "
        "the internet, and the Ministry of Home Affairs agreed. The MHA said the SCO was right."
    )
    actors = {a.name: a for a in extractor.extract(text)}
    assert "SCO" not in actors and "MHA" not in actors
    sco = actors["Shanghai Cooperation Organization"]
    assert [m.text for m in sco.mentions] == ["SCO", "The Shanghai Cooperation Organization", "SCO"]
    assert [m.start for m in sco.mentions] == sorted(m.start for m in sco.mentions)
    assert next(iter(actors)) == "Shanghai Cooperation Organization", "the first mention (the acronym) sets its place"
    assert [m.text for m in actors["Ministry of Home Affairs"].mentions][-1] == "MHA"


def test_acronyms_match_their_full_names_in_evaluation() -> None:
    assert names_match("United States", "US") and names_match("the US", "United States")
    assert names_match("MHA", "Ministry of Home Affairs (MHA)") and names_match("Internet Freedom Foundation", "IFF")
    assert not names_match("UN", "Ukraine") and not names_match("Russia", "RT") and not names_match("US", "UK")
