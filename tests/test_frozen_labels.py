"""``frozen_labels``: some labels scored by a head on the pretrained encoder, packaged and served."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from serving.encoder import TorchEncoder
from serving.heads import LinearHead
from serving.package import FROZEN_DIR, HEAD_FILE, MANIFEST, ModelPackageError
from serving.predictor import Predictor
from serving.windows import WindowSpec, pool, tokenize_windows
from training.config import ConfigError, TrainConfig
from training.data import build_corpus
from training.topics import train_topics

FI, IC = "foreign_interference", "internet_control"


@pytest.fixture(params=[(0, 0), (16, 12)], ids=["topic-windows", "own-windows"])
def frozen_run(tiny_config: TrainConfig, tmp_path: Path, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    length, stride = request.param
    overrides = {"frozen_labels": [FI], "frozen_window_length": length, "frozen_window_stride": stride}
    cfg = TrainConfig.from_dict(tiny_config.to_dict() | overrides)
    messages: list[str] = []
    run = train_topics(cfg, build_corpus(cfg.data_path), tmp_path / "pkg", progress=messages.append)
    return cfg, run, messages


def test_frozen_label_column_comes_from_the_pretrained_encoder(frozen_run) -> None:  # type: ignore[no-untyped-def]
    cfg, run, messages = frozen_run
    package = run.package_dir
    assert run.manifest.frozen_labels == [FI] and run.manifest.frozen_aggregation == "mean"
    own = (cfg.frozen_window_length, cfg.frozen_window_stride)
    assert (run.manifest.frozen_window_length, run.manifest.frozen_window_stride) == own
    assert (package / FROZEN_DIR / "encoder" / "model.onnx").is_file(), "the frozen encoder is exported too"
    assert any("frozen-encoder head" in m for m in messages)
    texts = ["Officials accused foreign agents of meddling.", " ".join(["The ministry blocked VPN services."] * 20)]
    predictor = Predictor.from_directory(package, backend="torch")
    got = predictor.predict_proba(texts).probabilities
    # recompute both columns by hand: FI from the untouched tiny encoder and the frozen head (one row),
    # IC from the fine-tuned encoder and the main head (row 1)
    assert run.manifest.labels == [FI, IC]
    spec = WindowSpec(cfg.window_length, cfg.window_stride)
    frozen_spec = WindowSpec(*own) if own != (0, 0) else spec  # the FI column reads its own windows when set
    sparse = predictor.sparse
    weight = run.manifest.blend_weight
    for column, encoder_dir, head_file, row, how, windows_spec in (
        (0, Path(cfg.encoder), package / FROZEN_DIR / HEAD_FILE, 0, "mean", frozen_spec),
        (1, package / "encoder", package / HEAD_FILE, 1, run.manifest.aggregation, spec),
    ):
        encoder = TorchEncoder(encoder_dir)
        windows, owners = tokenize_windows(encoder.tokenizer, texts, windows_spec)
        features = pool(encoder.encode(windows), owners, len(texts), how)
        expected = LinearHead.load(head_file).predict_proba(features)[:, row]
        if weight < 1:  # the dev-chosen blend with TF-IDF applies to every column alike
            assert sparse is not None
            expected = weight * expected + (1 - weight) * sparse.predict_proba(texts)[:, column]
        np.testing.assert_allclose(got[:, column], expected, atol=1e-5)


def test_frozen_label_package_serves_on_every_backend(frozen_run) -> None:  # type: ignore[no-untyped-def]
    _cfg, run, _messages = frozen_run
    texts = ["The Kremlin blamed the West for the unrest.", "Shares rose after the company reported profit."]
    reference = Predictor.from_directory(run.package_dir, backend="torch").predict_proba(texts).probabilities
    for backend in ("onnx-fp32", "openvino-fp32", "auto"):
        probs = Predictor.from_directory(run.package_dir, backend=backend).predict_proba(texts).probabilities
        np.testing.assert_allclose(probs, reference, atol=0.02)
    assert run.probabilities["model"]["test"].shape == (len(run.targets["test"]), 2)


def test_incomplete_package_and_unknown_labels_are_clear(frozen_run, tiny_config: TrainConfig, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _cfg, run, _messages = frozen_run
    (run.package_dir / FROZEN_DIR / HEAD_FILE).unlink()
    with pytest.raises(ModelPackageError, match=r"frozen encoder, but frozen/head\.npz is missing"):
        Predictor.from_directory(run.package_dir)
    manifest = json.loads((run.package_dir / MANIFEST).read_text())
    manifest["frozen_labels"] = ["elections"]
    (run.package_dir / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ModelPackageError, match=r"frozen_labels \['elections'\] are not among its labels"):
        Predictor.from_directory(run.package_dir)
    with pytest.raises(ConfigError, match="frozen_aggregation must be one of"):
        TrainConfig.from_dict(tiny_config.to_dict() | {"frozen_aggregation": "median"})
    with pytest.raises(ConfigError, match="frozen_window_length and frozen_window_stride must both be 0"):
        TrainConfig.from_dict(tiny_config.to_dict() | {"frozen_window_length": 128})
    manifest["frozen_labels"], manifest["frozen_window_length"], manifest["frozen_window_stride"] = [FI], 128, 0
    (run.package_dir / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ModelPackageError, match="frozen_window_length and frozen_window_stride must both be set"):
        Predictor.from_directory(run.package_dir)


def test_frozen_labels_missing_from_the_corpus_are_reported_and_skipped(
    tiny_config: TrainConfig, tmp_path: Path
) -> None:
    cfg = TrainConfig.from_dict(tiny_config.to_dict() | {"frozen_labels": ["elections"], "onnx_export": False})
    messages: list[str] = []
    run = train_topics(cfg, build_corpus(cfg.data_path), tmp_path / "pkg", progress=messages.append)
    assert run.manifest.frozen_labels == []
    assert not (run.package_dir / FROZEN_DIR).exists()
    assert any("frozen_labels ['elections'] are not labels of this corpus" in m for m in messages)
