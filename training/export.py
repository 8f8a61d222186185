"""Export the packaged encoder to ONNX and keep the fastest variant whose dev macro-F1 matches torch."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from serving.onnx_backend import export_onnx
from serving.package import ENCODER_DIR
from serving.predictor import Predictor
from training.metrics import report

log = logging.getLogger(__name__)
VARIANTS = ("onnx-int8", "onnx-fp32")  # fastest first


def choose_onnx_variant(
    package_dir: Path,
    dev_texts: Sequence[str],
    dev_targets: np.ndarray,
    torch_probs: np.ndarray,
    tolerance: float,
) -> dict[str, float | str]:
    """Export, score dev with each ONNX variant through the predictor, pick the fastest within tolerance.

    Returns the chosen variant ('onnx-int8', 'onnx-fp32', or 'torch' if neither matches) and every
    variant's dev macro-F1, for the manifest and MLflow.
    """
    export_onnx(package_dir / ENCODER_DIR, quantize=True)
    labels_stub = [str(j) for j in range(dev_targets.shape[1])]
    thresholds = Predictor.from_directory(package_dir, backend="torch").manifest.thresholds
    torch_f1 = report(dev_targets, torch_probs, thresholds, labels_stub)["macro_f1"]
    scores: dict[str, float | str] = {"dev_macro_f1_torch": torch_f1}
    chosen = "torch"
    for variant in VARIANTS:
        probs = Predictor.from_directory(package_dir, backend=variant).predict_proba(dev_texts).probabilities
        f1 = report(dev_targets, probs, thresholds, labels_stub)["macro_f1"]
        scores[f"dev_macro_f1_{variant}"] = f1
        if chosen == "torch" and abs(f1 - torch_f1) <= tolerance:
            chosen = variant
    scores["onnx_variant"] = chosen
    log.info("ONNX variant %s (%s)", chosen, scores)
    return scores
