"""Refitting the stance stage on train + dev keeps every dev choice and leaves nothing of the old models."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from serving.stance import SETTINGS_FILE, StanceScorer
from training.config import TrainConfig
from training.data import build_corpus
from training.stance_refit import refit_actor_stance
from training.stance_run import save_settings

PAIRS = [
    ("Russian authorities. The actor wants tighter state control of the internet.", "Russia banned VPN services."),
    ("Kremlin critics. The actor wants tighter state control of the internet.", "Critics condemned the ban."),
]


def test_refit_keeps_the_dev_choices_and_exports_the_new_encoder(
    tiny_config: TrainConfig, tiny_stance_package: Path
) -> None:
    stance_dir = tiny_stance_package / "stance"
    tuned = replace(StanceScorer(stance_dir).settings, onnx_variant="onnx-fp32", blend_weight=0.75)
    save_settings(tuned, stance_dir)
    before = StanceScorer(stance_dir, backend="torch").components(PAIRS)[0]
    corpus = build_corpus(tiny_config.data_path)

    metrics = refit_actor_stance(tiny_config, corpus, tiny_stance_package, progress=lambda _m: None)

    assert json.loads((stance_dir / SETTINGS_FILE).read_text()) == json.loads(json.dumps(asdict(tuned)))
    assert metrics["stance_refit_train_articles"] == len(corpus.splits["train"]) + len(corpus.splits["dev"])
    assert 0.0 <= metrics["stance_gold_actors.test.model_macro_f1"] <= 1.0
    refit = StanceScorer(stance_dir, backend="torch")
    after = refit.components(PAIRS)[0]
    assert not np.allclose(before, after, atol=1e-4)  # new weights, trained on more articles
    # the ONNX file is the refitted encoder's, not a leftover of the train-only one
    onnx = StanceScorer(stance_dir, backend="onnx-fp32").components(PAIRS)[0]
    np.testing.assert_allclose(onnx, after, atol=1e-4)
