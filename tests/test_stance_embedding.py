"""The embedding stance model: packaged with its own encoder, blended as serving says, refused when missing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import joblib
import numpy as np
import pytest

from serving.encoder import TorchEncoder
from serving.stance import SETTINGS_FILE, StanceScorer
from serving.stance_embedding import EMBEDDING_DIR, MODEL_FILE
from training.config import TrainConfig
from training.data import build_corpus
from training.stance_run import train_actor_stance

PAIRS = [
    ("Russian authorities. The state should control the internet.", "Russia banned VPN services on Tuesday."),
    ("Kremlin critics. The state should control the internet.", "Critics condemned the ban as censorship."),
    ("The SCO. Foreign forces are interfering.", "The SCO met in Moscow."),
]


def _embed(encoder: TorchEncoder, texts: list[str]) -> np.ndarray:
    return encoder.encode([encoder.tokenizer(t, truncation=True, max_length=128)["input_ids"] for t in texts])


def _in_order(model, raw: np.ndarray, labels: list[str]) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Columns in ``labels`` order; a class the tiny corpus lacks scores 0."""
    classes = list(model.classes_)
    return np.stack([raw[:, classes.index(x)] if x in classes else np.zeros(len(raw)) for x in labels], axis=1)


def test_both_partners_blend_as_serving_says(tiny_config: TrainConfig, tiny_package: Path) -> None:
    cfg = TrainConfig.from_dict(tiny_config.to_dict() | {"stance_blend_partner": "both"})
    train_actor_stance(cfg, build_corpus(cfg.data_path), tiny_package, progress=lambda _m: None)
    stance_dir = tiny_package / "stance"
    base = TorchEncoder(cfg.encoder)
    u, v = _embed(base, [p[0] for p in PAIRS]), _embed(base, [p[1] for p in PAIRS])
    shutil.rmtree(cfg.encoder)  # the package must not need the encoder it was trained from
    scorer = StanceScorer(stance_dir, backend="torch")
    assert scorer.settings.partner == "both" and scorer.embedding is not None

    model = joblib.load(stance_dir / EMBEDDING_DIR / MODEL_FILE)
    embedding = _in_order(model, model.predict_proba(np.hstack([u, v, u * v, np.abs(u - v)])), scorer.labels)
    tfidf = _in_order(scorer.sparse, scorer.sparse.predict_proba([f"{a} || {b}" for a, b in PAIRS]), scorer.labels)
    dense, partner = scorer.components(PAIRS)
    np.testing.assert_allclose(partner, (embedding + tfidf) / 2, atol=1e-5)
    w = scorer.settings.blend_weight
    np.testing.assert_allclose(scorer.predict_proba(PAIRS), w * dense + (1 - w) * partner, atol=1e-6)


def test_a_partner_without_its_model_is_a_clear_error(tiny_stance_package: Path) -> None:
    settings_path = tiny_stance_package / "stance" / SETTINGS_FILE
    settings = json.loads(settings_path.read_text())
    assert settings["partner"] == "tfidf"  # the default trains no embedding model
    assert not (tiny_stance_package / "stance" / EMBEDDING_DIR).exists()
    settings_path.write_text(json.dumps(settings | {"partner": "embedding"}))
    with pytest.raises(ValueError, match="names the blend partner 'embedding' but has no embedding/ model"):
        StanceScorer(tiny_stance_package / "stance")
