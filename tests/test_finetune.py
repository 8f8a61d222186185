"""Encoder fine-tuning: the weight-averaged "soup" of several runs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from training.finetune import CLASSIFIER_HEAD, FinetuneSettings, average_models, finetune_encoder

TEXTS = ["The ministry blocked VPN services.", "Shares rose after profit.", "Agents meddled in the vote."] * 4
TARGETS = [[1, 0], [0, 0], [0, 1]] * 4


def settings(soup: int = 1, member: int = 0) -> FinetuneSettings:
    return FinetuneSettings(
        objective="classify",
        epochs=1,
        pairs=8,
        batch_size=4,
        lr=1e-3,
        chunk_tokens=16,
        chunks=1,
        warmup_ratio=0.1,
        bf16=False,
        seed=3,
        soup=soup,
        member=member,
    )


def weights(path: Path) -> dict[str, np.ndarray]:
    from transformers import AutoModel

    return {k: v.numpy().copy() for k, v in AutoModel.from_pretrained(str(path)).state_dict().items()}


def test_soup_is_the_mean_of_its_runs(tiny_encoder: Path, tmp_path: Path) -> None:
    runs = [finetune_encoder(str(tiny_encoder), TEXTS, TARGETS, settings(member=k), tmp_path / f"m{k}") for k in (0, 1)]
    first, second = weights(runs[0]), weights(runs[1])
    assert any(not np.allclose(first[k], second[k]) for k in first)  # other data orders, other weights
    soup = finetune_encoder(str(tiny_encoder), TEXTS, TARGETS, settings(soup=2), tmp_path / "soup")
    mixed = weights(soup)
    for key, value in mixed.items():
        if value.dtype.kind == "f":
            np.testing.assert_allclose(value, (first[key] + second[key]) / 2, atol=1e-6)
    head = np.load(soup / CLASSIFIER_HEAD)["weights"]
    members = [np.load(r / CLASSIFIER_HEAD)["weights"] for r in runs]
    np.testing.assert_allclose(head, np.mean(members, axis=0), atol=1e-6)


def test_average_of_one_model_is_that_model(tiny_encoder: Path, tmp_path: Path) -> None:
    out = average_models([tiny_encoder], tmp_path / "same")
    before, after = weights(tiny_encoder), weights(out)
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_soup_must_have_a_run(tiny_encoder: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="soup must be >= 1"):
        finetune_encoder(str(tiny_encoder), TEXTS, TARGETS, settings(soup=0), tmp_path / "none")


def test_unit_document_weights_change_nothing(tiny_encoder: Path, tmp_path: Path) -> None:
    plain = finetune_encoder(str(tiny_encoder), TEXTS, TARGETS, settings(), tmp_path / "plain")
    ones = replace(settings(), doc_weights=[1.0] * len(TEXTS))
    unit = finetune_encoder(str(tiny_encoder), TEXTS, TARGETS, ones, tmp_path / "unit")
    a, b = weights(plain), weights(unit)
    assert all(np.allclose(a[k], b[k], atol=1e-6) for k in a)


def test_zero_weighted_documents_teach_nothing(tiny_encoder: Path, tmp_path: Path) -> None:
    """A document with weight 0 contributes no gradient: with every weight 0 the encoder stays as it was
    (the learning rate schedule still runs, but AdamW on zero gradients moves only by weight decay)."""
    frozen = replace(settings(), doc_weights=[0.0] * len(TEXTS))
    out = finetune_encoder(str(tiny_encoder), TEXTS, TARGETS, frozen, tmp_path / "zero")
    plain = finetune_encoder(str(tiny_encoder), TEXTS, TARGETS, settings(), tmp_path / "plain")
    start, zero, trained = weights(tiny_encoder), weights(out), weights(plain)
    moved = {k: float(np.abs(zero[k] - start[k]).max()) for k in start if start[k].dtype.kind == "f"}
    learned = {k: float(np.abs(trained[k] - start[k]).max()) for k in moved}
    assert max(moved.values()) < 0.1 * max(learned.values())


def test_refit_rows_add_each_articles_lead_at_its_weight() -> None:
    from serving.windows import WindowVectors
    from training.config import TrainConfig
    from training.topics import _refit_rows

    cfg = TrainConfig(head_lead_weight=0.25)
    articles = WindowVectors(np.arange(12, dtype=np.float32).reshape(3, 4), [0, 0, 1], 2)  # 2 articles, 3 windows
    leads = WindowVectors(np.ones((2, 4), dtype=np.float32), [0, 1], 2)
    y = np.array([[1, 0], [0, 1]])
    features, targets, weights = _refit_rows(cfg, articles, None, y, "mean", None)
    assert features.shape == (2, 4) and weights is None  # no leads encoded: the rows as before
    features, targets, weights = _refit_rows(cfg, articles, leads, y, "mean", None)
    np.testing.assert_allclose(features, [[2, 3, 4, 5], [8, 9, 10, 11], [1, 1, 1, 1], [1, 1, 1, 1]])
    assert targets.tolist() == [[1, 0], [0, 1], [1, 0], [0, 1]]
    assert weights is not None and weights.tolist() == [1.0, 1.0, 0.25, 0.25]
    _, _, weights = _refit_rows(cfg, articles, leads, y, "mean", np.array([2.0, 0.5]))
    assert weights is not None and weights.tolist() == [2.0, 0.5, 0.5, 0.125]  # source weights carry over
