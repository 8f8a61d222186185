"""Labels scored from the pretrained (frozen) encoder instead of the fine-tuned one.

Fine-tuning fits the corpus's sources; for some labels the pretrained encoder's windows transfer better
to sources the corpus lacks (leave-one-source-out in BENCHMARKS.md). ``frozen_labels`` in the config
names them: a logistic head on the frozen encoder's pooled windows scores those labels, and the package
carries that encoder and head (``serving.package.FROZEN_DIR``) so serving needs nothing else.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from serving.heads import LinearHead
from serving.package import ENCODER_DIR, FROZEN_DIR, HEAD_FILE
from serving.windows import pool
from training.baselines import fit_head
from training.config import TrainConfig


def usable_frozen_labels(cfg: TrainConfig, labels: Sequence[str], progress: Callable[[str], None]) -> list[str]:
    """The configured frozen labels this corpus has, in label order (none when the encoder is not fine-tuned:
    then every label already reads the frozen encoder)."""
    if cfg.finetune == "none" or not cfg.frozen_labels:
        return []
    missing = [label for label in cfg.frozen_labels if label not in labels]
    if missing:
        progress(f"frozen_labels {missing} are not labels of this corpus {list(labels)}: ignored for them")
    return [label for label in labels if label in cfg.frozen_labels]


def fit_frozen_head(
    cfg: TrainConfig,
    base_encoder: str,
    train_vectors: np.ndarray,
    train_owners: Sequence[int],
    train_targets: np.ndarray,
    labels: Sequence[str],
    chosen: Sequence[str],
    package_dir: Path,
    weights: np.ndarray | None = None,
) -> LinearHead:
    """Fit the frozen-encoder head for ``chosen`` on train and save it with a copy of the encoder."""
    columns = [list(labels).index(label) for label in chosen]
    features = pool(train_vectors, train_owners, train_targets.shape[0], cfg.frozen_aggregation)
    head = fit_head(features, train_targets[:, columns], list(chosen), cfg.head_c, cfg.seed, weights)
    out = package_dir / FROZEN_DIR
    shutil.copytree(base_encoder, out / ENCODER_DIR, dirs_exist_ok=True)
    head.save(out / HEAD_FILE)
    return head
