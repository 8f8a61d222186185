"""Triplet and actor metrics on hand-computed cases; the predictor's actor-stance stage on crafted text."""

from __future__ import annotations

import numpy as np
import pytest

from serving.actor_stance import Candidate, to_actors
from serving.actors import ExtractedActor, Mention
from serving.stance import decide
from training.stance import engaged_f1, tune_none_threshold
from training.stance_eval import actor_scores, match_count, triplet_scores


def test_alias_tolerant_triplet_matching() -> None:
    gold = [("Alexei Navalny", "internet_control", "neutral"), ("the Kremlin", "foreign_interference", "favor")]
    predicted = [
        ("Navalny", "internet_control", "neutral"),  # surname matches the full name
        ("Kremlin", "foreign_interference", "favor"),  # 'the' ignored
        ("Kremlin", "foreign_interference", "favor"),  # a duplicate cannot reuse a matched gold triplet
        ("China", "internet_control", "favor"),  # not in gold
    ]
    assert match_count(predicted, gold) == 2
    assert match_count([("Kremlin", "internet_control", "favor")], gold) == 0  # wrong topic
    assert match_count([("Navalny", "internet_control", "against")], gold) == 0  # wrong stance


def test_triplet_scores_are_micro_over_documents() -> None:
    gold = [[("A Person", "t", "favor"), ("B Group", "t", "against")], [("C State", "t", "neutral")], []]
    predicted = [[("A Person", "t", "favor")], [("C State", "t", "favor")], [("D Org", "t", "favor")]]
    scores = triplet_scores(predicted, gold)
    # 1 hit; 3 predicted; 3 gold -> P = R = F1 = 1/3
    assert scores["hits"] == 1 and scores["n_pred"] == 3 and scores["n_gold"] == 3
    assert scores["precision"] == pytest.approx(1 / 3) and scores["f1"] == pytest.approx(1 / 3)
    assert triplet_scores([[]], [[]])["f1"] == 0.0
    with pytest.raises(ValueError, match="predicted has 1 documents, gold has 2"):
        triplet_scores([[]], [[], []])


def test_actor_scores() -> None:
    scores = actor_scores([["Kremlin", "Moscow", "Shengkun"]], [["the Kremlin", "Guo Shengkun", "Kremlin critics"]])
    # 'Kremlin' is contained in 'Kremlin critics' too: names_match is deliberately tolerant
    assert scores["recall"] == pytest.approx(1.0)
    assert scores["precision"] == pytest.approx(2 / 3)


def test_decide_and_none_threshold() -> None:
    labels = ["favor", "against", "neutral", "none"]
    probs = np.array([[0.5, 0.1, 0.1, 0.3], [0.2, 0.1, 0.1, 0.6], [0.1, 0.3, 0.2, 0.4]])
    assert [s for s, _ in decide(probs, labels, 0.5)] == ["favor", "none", "against"]
    assert [s for s, _ in decide(probs, labels, 0.35)] == ["favor", "none", "none"]
    assert engaged_f1(["favor", "none", "against"], ["favor", "none", "none"]) == pytest.approx(2 / 3)
    cut, score = tune_none_threshold(probs, ["favor", "none", "against"], labels)
    assert score == 1.0 and 0.4 < cut <= 0.6


def test_to_actors_keeps_engaged_actors_with_evidence() -> None:
    guo = ExtractedActor("Guo Shengkun", "person", [Mention(0, 3, "Guo", "Guo urged control.")])
    club = ExtractedActor("Spartak", "organisation", [Mention(20, 27, "Spartak", "Spartak won.")])
    asked = [Candidate(0, guo, "internet_control", "", []), Candidate(0, club, "internet_control", "", [])]
    [actors, empty] = to_actors(2, [[guo, club], []], asked, [("favor", 0.91), ("none", 0.8)])
    assert empty == []
    [actor] = actors
    assert actor.name == "Guo Shengkun" and actor.mentions == [(0, 3)]
    assert actor.stances["internet_control"].stance == "favor"
    assert actor.stances["internet_control"].evidence == "Guo urged control."
