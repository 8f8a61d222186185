"""Multi-label metrics, per-label threshold tuning and evaluation plots."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, f1_score, precision_recall_fscore_support


def tune_thresholds(
    targets: np.ndarray, probabilities: np.ndarray, grid: int = 91, tolerance: float = 0.0
) -> list[float]:
    """Per label, a threshold with the best F1 on this split.

    With ``tolerance`` 0, the best threshold (ties broken towards 0.5). With a tolerance, the median of
    every threshold whose F1 is within ``tolerance`` of the best: the centre of the plateau rather than
    its edge, which a small dev set would otherwise pin to a few documents.
    """
    candidates = np.linspace(0.05, 0.95, grid)
    chosen = []
    for j in range(targets.shape[1]):
        scores = np.array([f1_score(targets[:, j], probabilities[:, j] >= t, zero_division=0) for t in candidates])
        if tolerance > 0:
            chosen.append(float(np.median(candidates[scores >= scores.max() - tolerance])))
            continue
        ties = [t for t, s in zip(candidates, scores, strict=True) if s >= scores.max() - 1e-12]
        chosen.append(float(min(ties, key=lambda t: abs(t - 0.5))))
    return chosen


def decisions(probabilities: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    return (probabilities >= np.asarray(thresholds)[None, :]).astype(int)


def _safe_ap(y: np.ndarray, p: np.ndarray) -> float:
    return float(average_precision_score(y, p)) if y.any() else float("nan")


def report(
    targets: np.ndarray, probabilities: np.ndarray, thresholds: Sequence[float], labels: Sequence[str]
) -> dict[str, float]:
    """Flat metric dict: per-label precision/recall/F1/PR-AUC, macro and micro F1, macro PR-AUC."""
    predicted = decisions(probabilities, thresholds)
    precision, recall, f1, _ = precision_recall_fscore_support(targets, predicted, average=None, zero_division=0)
    out: dict[str, float] = {}
    aps = []
    for j, label in enumerate(labels):
        ap = _safe_ap(targets[:, j], probabilities[:, j])
        aps.append(ap)
        out.update(
            {
                f"{label}_precision": float(precision[j]),
                f"{label}_recall": float(recall[j]),
                f"{label}_f1": float(f1[j]),
                f"{label}_pr_auc": ap,
            }
        )
    out["macro_f1"] = float(f1_score(targets, predicted, average="macro", zero_division=0))
    out["micro_f1"] = float(f1_score(targets, predicted, average="micro", zero_division=0))
    out["macro_pr_auc"] = float(np.nanmean(aps)) if not all(np.isnan(aps)) else float("nan")
    return out


def plot_pr_curves(
    targets: np.ndarray, probabilities: np.ndarray, labels: Sequence[str], title: str, path: Path
) -> Path:
    """One precision-recall curve per label in one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    fig, ax = plt.subplots(figsize=(5, 4))
    for j, label in enumerate(labels):
        if targets[:, j].any():
            precision, recall, _ = precision_recall_curve(targets[:, j], probabilities[:, j])
            ax.plot(recall, precision, label=f"{label} (AP {_safe_ap(targets[:, j], probabilities[:, j]):.2f})")
    ax.set(xlabel="recall", ylabel="precision", title=title, xlim=(0, 1), ylim=(0, 1.02))
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_confusion(targets: np.ndarray, predicted: np.ndarray, labels: Sequence[str], title: str, path: Path) -> Path:
    """A 2x2 confusion matrix per label, side by side, in one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    fig, axes = plt.subplots(1, len(labels), figsize=(3.2 * len(labels), 3), squeeze=False)
    for j, label in enumerate(labels):
        matrix = confusion_matrix(targets[:, j], predicted[:, j], labels=[0, 1])
        ax = axes[0, j]
        ax.imshow(matrix, cmap="Blues")
        for (r, c), value in np.ndenumerate(matrix):
            ax.text(c, r, str(value), ha="center", va="center")
        ax.set(xticks=[0, 1], yticks=[0, 1], xticklabels=["no", "yes"], yticklabels=["no", "yes"])
        ax.set(xlabel="predicted", ylabel="gold", title=label)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
