"""Export the encoders to ONNX and keep the fastest backend variant whose dev macro-F1 matches torch."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from serving.backends import cpu_has_bf16
from serving.onnx_backend import export_onnx
from serving.openvino_backend import export_openvino
from serving.package import ENCODER_DIR, FROZEN_DIR
from serving.predictor import Predictor
from serving.stance import ENGAGEMENT_DIR, StanceScorer
from training.metrics import report

log = logging.getLogger(__name__)


def candidate_variants() -> list[str]:
    """The accelerated variants worth checking on this machine (bf16 only where the CPU runs it natively)."""
    bf16 = ["torch-bf16", "openvino-bf16"] if cpu_has_bf16() else []
    return ["onnx-int8", "onnx-fp32", "openvino-fp32", *bf16]


def pick_fastest(
    scores: dict[str, float | str], reference: float, tolerance: float, prefix: str, metric: str = "macro_f1"
) -> str:
    """The fastest variant among those whose dev ``metric`` is within ``tolerance`` of ``reference``; when
    several are within 15% of the fastest time (a wash on a shared machine), the one closest to torch."""
    passing = [
        v for v in candidate_variants() if abs(float(scores[f"{prefix}dev_{metric}_{v}"]) - reference) <= tolerance
    ]
    if not passing:
        return "torch"
    fastest = min(float(scores[f"{prefix}dev_seconds_{v}"]) for v in passing)
    near = [v for v in passing if float(scores[f"{prefix}dev_seconds_{v}"]) <= 1.15 * fastest]
    return min(near, key=lambda v: float(scores[f"{prefix}dev_mean_abs_change_{v}"]))


def export_graphs(encoder_dir: Path, token_types: bool = False) -> None:
    """The ONNX graphs (fp32, int8) and the OpenVINO IR of an encoder, for the graph-runtime variants."""
    export_onnx(encoder_dir, quantize=True, token_types=token_types)
    export_openvino(encoder_dir)


def choose_onnx_variant(
    package_dir: Path,
    dev_texts: Sequence[str],
    dev_targets: np.ndarray,
    torch_probs: np.ndarray,
    tolerance: float,
) -> dict[str, float | str]:
    """Export to ONNX, score dev with every variant through the predictor, keep the fastest within tolerance.

    Returns the chosen variant (one of ``candidate_variants()``, or 'torch' if none matches) and
    every variant's dev macro-F1 and dev scoring seconds, for the manifest and MLflow.
    """
    encoders = [package_dir / ENCODER_DIR]
    if (package_dir / FROZEN_DIR / ENCODER_DIR).is_dir():  # frozen_labels: both encoders run each variant
        encoders.append(package_dir / FROZEN_DIR / ENCODER_DIR)
    for encoder_dir in encoders:
        export_graphs(encoder_dir)
    labels_stub = [str(j) for j in range(dev_targets.shape[1])]
    thresholds = Predictor.from_directory(package_dir, backend="torch", actors=False).manifest.thresholds
    torch_f1 = report(dev_targets, torch_probs, thresholds, labels_stub)["macro_f1"]
    scores: dict[str, float | str] = {"dev_macro_f1_torch": torch_f1}
    for variant in candidate_variants():
        predictor = Predictor.from_directory(package_dir, backend=variant, actors=False)
        started = time.perf_counter()
        probs = predictor.predict_proba(dev_texts).probabilities
        scores[f"dev_seconds_{variant}"] = time.perf_counter() - started
        scores[f"dev_macro_f1_{variant}"] = report(dev_targets, probs, thresholds, labels_stub)["macro_f1"]
        scores[f"dev_mean_abs_change_{variant}"] = float(np.abs(probs - torch_probs).mean())
    scores["onnx_variant"] = pick_fastest(scores, torch_f1, tolerance, "")
    log.info("encoder variant %s (%s)", scores["onnx_variant"], scores)
    return scores


def choose_stance_variant(
    stance_dir: Path,
    score: Callable[[StanceScorer], tuple[float, np.ndarray]],
    tolerance: float,
    metric: str = "triplet_f1",
) -> dict[str, float | str]:
    """Export the stance encoder (with token types, for sentence pairs) and keep the fastest variant
    whose dev score (``score`` returns ``metric`` and the probabilities) is within ``tolerance`` of torch."""
    encoders = [stance_dir / "encoder"]
    if (stance_dir / ENGAGEMENT_DIR / "encoder").is_dir():  # validated together: ``score`` runs both
        encoders.append(stance_dir / ENGAGEMENT_DIR / "encoder")
    for encoder_dir in encoders:
        export_graphs(encoder_dir, token_types=True)
    torch_f1, torch_probs = score(StanceScorer(stance_dir, backend="torch"))
    scores: dict[str, float | str] = {f"stance_dev_{metric}_torch": torch_f1}
    for variant in candidate_variants():
        scorer = StanceScorer(stance_dir, backend=variant)
        started = time.perf_counter()
        f1, probs = score(scorer)
        scores[f"stance_dev_seconds_{variant}"] = time.perf_counter() - started
        scores[f"stance_dev_{metric}_{variant}"] = f1
        scores[f"stance_dev_mean_abs_change_{variant}"] = float(np.abs(probs - torch_probs).mean())
    scores["stance_onnx_variant"] = pick_fastest(scores, torch_f1, tolerance, "stance_", metric)
    log.info("stance variant %s (%s)", scores["stance_onnx_variant"], scores)
    return scores
