"""Thresholds, metrics on hand-computed cases, config round-trip and validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from training.config import ConfigError, TrainConfig, load_config
from training.metrics import report, tune_thresholds

ROOT = Path(__file__).resolve().parent.parent


def test_threshold_tuning_finds_the_separating_cut() -> None:
    y = np.array([[0], [0], [1], [1]])
    p = np.array([[0.1], [0.3], [0.35], [0.9]])
    [t] = tune_thresholds(y, p, grid=91)
    assert 0.3 < t <= 0.35
    assert report(y, p, [t], ["a"])["a_f1"] == 1.0


def test_report_hand_computed() -> None:
    y = np.array([[1, 0], [1, 1], [0, 0], [0, 1]])
    p = np.array([[0.9, 0.2], [0.4, 0.8], [0.6, 0.1], [0.2, 0.7]])
    m = report(y, p, [0.5, 0.5], ["a", "b"])
    # label a: tp=1 fp=1 fn=1 -> P=R=F1=0.5 ; label b: perfect
    assert m["a_precision"] == pytest.approx(0.5) and m["a_recall"] == pytest.approx(0.5)
    assert m["b_f1"] == pytest.approx(1.0)
    assert m["macro_f1"] == pytest.approx(0.75)
    assert m["micro_f1"] == pytest.approx(2 * 3 / (2 * 3 + 1 + 1))
    assert 0.0 <= m["macro_pr_auc"] <= 1.0


def test_shipped_configs_load_and_round_trip() -> None:
    for name in ("default", "fast", "setfit"):
        cfg = load_config(ROOT / "configs" / f"{name}.yaml")
        assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    assert load_config(ROOT / "configs" / "fast.yaml").finetune == "none"


def test_overrides_are_typed(tmp_path: Path) -> None:
    cfg = load_config(ROOT / "configs" / "default.yaml", ["head_c=3", "aggregations=max", "seed=7"])
    assert cfg.head_c == 3.0 and cfg.aggregations == ["max"] and cfg.seed == 7
    with pytest.raises(ConfigError, match="expected int, found str"):
        load_config(ROOT / "configs" / "default.yaml", ["seed=abc"])
    with pytest.raises(ConfigError, match="known key"):
        load_config(ROOT / "configs" / "default.yaml", ["nope=1"])


def test_invalid_values_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="window_stride"):
        TrainConfig(window_length=32, window_stride=40)
    with pytest.raises(ConfigError, match="stance_class_weight_power must be >= 0"):
        TrainConfig(stance_class_weight_power=-1.0)
    with pytest.raises(ConfigError, match=r"stance_pair_name must be gold\|extracted, found 'canonical'"):
        TrainConfig(stance_pair_name="canonical")
    with pytest.raises(ConfigError, match=r"stance_blend_partner must be tfidf\|embedding\|both, found 'bm25'"):
        TrainConfig(stance_blend_partner="bm25")
    with pytest.raises(ConfigError, match=r"stance_max_actors_grid must be .*found \[0, -1\]"):
        TrainConfig(stance_max_actors_grid=[0, -1])
    with pytest.raises(ConfigError, match=r"stance_max_actors_grid must be .*found \[\]"):
        TrainConfig(stance_max_actors_grid=[])
    with pytest.raises(ConfigError, match=r"stance_engagement_max_length must be in 32..512, found 1024"):
        TrainConfig(stance_engagement_max_length=1024)
    with pytest.raises(ConfigError, match="stance_engagement_epochs and stance_engagement_context must be >= 1"):
        TrainConfig(stance_engagement_context=0)
    with pytest.raises(ConfigError, match=r"head_lead_weight must be >= 0 \(0: off\), found -0.5"):
        TrainConfig(head_lead_weight=-0.5)
    with pytest.raises(ConfigError, match="lead_sentences must be >= 1, found 0"):
        TrainConfig(lead_sentences=0)
    with pytest.raises(ConfigError, match="unknown config keys"):
        TrainConfig.from_dict({"learning_rate": 1})
    bad = tmp_path / "bad.yaml"
    bad.write_text("- a list\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(bad)


def test_contrastive_pairs_are_balanced() -> None:
    import random

    from training.finetune import make_pairs

    pairs = make_pairs([(0, 1), (0, 1), (1, 0), (1, 0), (0, 0)], 40, random.Random(0))
    assert len(pairs) == 40 and sum(p[2] for p in pairs) == 20
    keys = [(0, 1), (0, 1), (1, 0), (1, 0), (0, 0)]
    assert all((keys[a] == keys[b]) == (target == 1.0) for a, b, target in pairs)


def test_threshold_tolerance_takes_the_plateau_centre() -> None:
    y = np.array([[0], [0], [1], [1]])
    p = np.array([[0.1], [0.2], [0.8], [0.9]])
    [edge] = tune_thresholds(y, p, grid=91, tolerance=0.0)
    [centre] = tune_thresholds(y, p, grid=91, tolerance=0.02)
    assert 0.2 < edge <= 0.8 and abs(centre - 0.5) < 0.02  # every cut in (0.2, 0.8] is perfect: take the middle
