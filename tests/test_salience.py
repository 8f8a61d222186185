"""Actor salience: features, the stored model, fitting, and the decision rule that uses it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from serving.actors import ExtractedActor, Mention
from serving.salience import (
    FEATURES,
    SalienceModel,
    TreeSalience,
    actor_features,
    cap_per_group,
    keep_engaged,
    load_salience,
)
from training.salience import fit_salience, fit_salience_trees

TEXT = 'Guo Shengkun urged tighter control. Guo said "external forces" act. A Spartak fan watched. ' * 2


def _actor(name: str, kind: str, starts: list[int], sentence: str) -> ExtractedActor:
    return ExtractedActor(name, kind, [Mention(s, s + 3, name, sentence) for s in starts])


def test_features_describe_the_actor_among_the_documents_actors() -> None:
    guo = _actor("Guo Shengkun", "person", [0, 36], 'Guo said "external forces" act.')
    fan = _actor("Spartak", "organisation", [70], "A Spartak fan watched.")
    rows = {a.name: dict(zip(FEATURES, actor_features(a, TEXT, [guo, fan]), strict=True)) for a in (guo, fan)}
    assert len(rows["Guo Shengkun"]) == len(FEATURES)
    assert rows["Guo Shengkun"]["most_mentioned"] == 1.0 and rows["Spartak"]["most_mentioned"] == 0.0
    assert rows["Guo Shengkun"]["mention_share"] == pytest.approx(2 / 3)
    assert rows["Guo Shengkun"]["in_lead"] == 1.0 and rows["Spartak"]["first_position"] == pytest.approx(70 / len(TEXT))
    assert rows["Guo Shengkun"]["reporting_share"] == 1.0 and rows["Spartak"]["reporting_share"] == 0.0
    assert rows["Guo Shengkun"]["quote_share"] == 1.0
    assert rows["Guo Shengkun"]["type_person"] == 1.0 and rows["Spartak"]["type_organisation"] == 1.0
    assert rows["Guo Shengkun"]["name_words"] == 2.0


def test_fit_learns_the_signal_and_the_stored_model_round_trips(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(400, len(FEATURES)))
    labels = (rows[:, 0] + 0.3 * rng.normal(size=400) > 0).astype(int)
    model = fit_salience(rows, labels)
    assert model.coef[0] > 1.0 and abs(model.coef[1]) < model.coef[0] / 3
    accuracy = float(((model.predict(rows) >= 0.5) == labels).mean())
    assert accuracy > 0.85
    model.save(tmp_path)
    loaded = SalienceModel.load(tmp_path)
    assert loaded is not None and np.allclose(loaded.predict(rows[:5]), model.predict(rows[:5]))
    assert SalienceModel.load(tmp_path / "missing") is None


def test_trees_learn_an_interaction_and_the_stored_model_round_trips(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(600, len(FEATURES)))
    labels = ((rows[:, 0] > 0) != (rows[:, 1] > 0)).astype(int)  # an exclusive or: no linear model fits it
    trees = fit_salience_trees(rows, labels, depth=3, iterations=50)
    assert float(((trees.predict(rows) >= 0.5) == labels).mean()) > 0.9
    assert float(((fit_salience(rows, labels).predict(rows) >= 0.5) == labels).mean()) < 0.7
    trees.save(tmp_path)
    loaded = load_salience(tmp_path)
    assert isinstance(loaded, TreeSalience) and np.allclose(loaded.predict(rows[:5]), trees.predict(rows[:5]))
    (tmp_path / "logistic").mkdir()
    fit_salience(rows, labels).save(tmp_path / "logistic")
    assert isinstance(load_salience(tmp_path / "logistic"), SalienceModel)
    assert load_salience(tmp_path / "missing") is None
    with pytest.raises(ValueError, match="salient and non-salient"):
        fit_salience_trees(np.zeros((4, len(FEATURES))), np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match="retrain"):
        TreeSalience(trees.model, features=["log_mentions"])


def test_fit_needs_both_labels_and_loading_checks_the_features() -> None:
    with pytest.raises(ValueError, match="salient and non-salient"):
        fit_salience(np.zeros((4, len(FEATURES))), np.ones(4, dtype=int))
    with pytest.raises(ValueError, match="retrain"):
        SalienceModel(features=["log_mentions"], mean=[0.0], scale=[1.0], coef=[1.0], intercept=0.0)


def test_keep_engaged_multiplies_salience_by_the_engaged_probability() -> None:
    labels = ["favor", "against", "neutral", "none"]
    probs = np.array([[0.6, 0.1, 0.1, 0.2], [0.6, 0.1, 0.1, 0.2], [0.1, 0.2, 0.1, 0.6]])
    salience = np.array([0.9, 0.3, 0.9])
    decided = keep_engaged(probs, labels, salience, 0.5)  # products: 0.72, 0.24, 0.36
    assert [s for s, _ in decided] == ["favor", "none", "none"]
    assert decided[0][1] == pytest.approx(0.6) and decided[1][1] == pytest.approx(0.2)
    assert [s for s, _ in keep_engaged(probs, labels, salience, 0.3)] == ["favor", "none", "against"]


def test_cap_per_group_keeps_the_highest_scores_of_each_group() -> None:
    groups = [(0, "ic"), (0, "ic"), (0, "ic"), (0, "fi"), (1, "ic"), (1, "ic")]
    score = np.array([0.5, 0.9, 0.7, 0.2, 0.6, 0.6])
    keep = np.array([True, True, True, True, True, False])
    assert cap_per_group(groups, score, keep, 2).tolist() == [False, True, True, True, True, False]
    assert cap_per_group(groups, score, keep, 1).tolist() == [False, True, False, True, True, False]
    assert cap_per_group(groups, score, keep, 0).tolist() == keep.tolist()  # 0: no cap
    tied = cap_per_group([(0, "ic")] * 3, np.array([0.5, 0.5, 0.5]), np.ones(3, dtype=bool), 2)
    assert tied.tolist() == [True, True, False]  # ties go to the earlier row
    assert keep.tolist() == [True, True, True, True, True, False]  # the input is not changed
