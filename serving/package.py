"""The on-disk model package: everything serving needs, with no training code or config files."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ENCODER_DIR = "encoder"
HEAD_FILE = "head.npz"
SPARSE_FILE = "sparse.joblib"
FROZEN_DIR = "frozen"  # the pretrained encoder and its head, for ``Manifest.frozen_labels``


class ModelPackageError(ValueError):
    """A model directory is missing or malformed."""


@dataclass
class Manifest:
    """Labels, thresholds, windowing and blend: the travelling half of a trained topic model."""

    name: str
    labels: list[str]
    thresholds: list[float]
    window_length: int
    window_stride: int
    aggregation: str
    blend_weight: float
    trained_at: str = ""
    # labels scored by a head on the *pretrained* (frozen) encoder's windows, pooled by frozen_aggregation,
    # instead of the fine-tuned encoder's head (the frozen encoder transfers better to unseen sources)
    frozen_labels: list[str] = field(default_factory=list)
    frozen_aggregation: str = "mean"
    # the frozen encoder's own windows (0: the same as window_length / window_stride)
    frozen_window_length: int = 0
    frozen_window_stride: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        if len(self.thresholds) != len(self.labels):
            raise ModelPackageError(
                f"manifest has {len(self.labels)} labels but {len(self.thresholds)} thresholds; retrain the model"
            )
        if not 0.0 <= self.blend_weight <= 1.0:
            raise ModelPackageError(f"blend_weight must be in [0, 1], found {self.blend_weight}")
        if (self.frozen_window_length > 0) != (self.frozen_window_stride > 0):
            raise ModelPackageError(
                "manifest frozen_window_length and frozen_window_stride must both be set or both be 0, found "
                f"{self.frozen_window_length} and {self.frozen_window_stride}; retrain the model"
            )
        unknown = sorted(set(self.frozen_labels) - set(self.labels))
        if unknown:
            raise ModelPackageError(f"manifest frozen_labels {unknown} are not among its labels {self.labels}")

    def save(self, directory: Path) -> None:
        (directory / MANIFEST).write_text(json.dumps(asdict(self), indent=2, sort_keys=True))

    @classmethod
    def load(cls, directory: Path) -> Manifest:
        path = directory / MANIFEST
        if not path.is_file():
            raise ModelPackageError(f"{directory} is not a stancewatch model: {MANIFEST} not found")
        values = json.loads(path.read_text())
        version = values.get("format_version")
        if version != FORMAT_VERSION:
            raise ModelPackageError(
                f"{path}: model format {version} found, this stancewatch reads format {FORMAT_VERSION}; "
                "retrain or upgrade stancewatch"
            )
        return cls(**values)


def find_package(root: Path) -> Path:
    """The directory holding ``manifest.json`` at or below ``root`` (MLflow nests artifacts)."""
    if (root / MANIFEST).is_file():
        return root
    found = sorted(root.rglob(MANIFEST))
    if not found:
        raise ModelPackageError(f"no {MANIFEST} under {root}; is this a stancewatch model?")
    return found[0].parent
