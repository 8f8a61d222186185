"""Artifacts and terminal output for a finished topic run: plots, predictions, summary table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from training.data import Corpus
from training.metrics import decisions, plot_confusion, plot_pr_curves
from training.stance_run import StanceRun
from training.topics import TopicRun

MODEL_NAMES = {
    "model": "stancewatch",
    "tfidf_lr": "TF-IDF + LR",
    "frozen_first_lr": "frozen MiniLM (first window) + LR",
}


def write_plots(run: TopicRun, labels: list[str], out: Path) -> list[Path]:
    paths = []
    for split in ("dev", "test"):
        y, p = run.targets[split], run.probabilities["model"][split]
        paths.append(plot_pr_curves(y, p, labels, f"PR curves ({split})", out / f"pr_curves_{split}.png"))
        predicted = decisions(p, run.thresholds["model"])
        paths.append(plot_confusion(y, predicted, labels, f"confusion ({split})", out / f"confusion_{split}.png"))
    return paths


def write_predictions(run: TopicRun, corpus: Corpus, split: str, path: Path) -> Path:
    """Per-document gold labels, probabilities and decisions of every model on one split."""
    frame = pd.DataFrame(
        {"id": [a.id for a in corpus.splits[split]], "source": [a.source for a in corpus.splits[split]]}
    )
    for j, label in enumerate(corpus.labels):
        frame[f"gold_{label}"] = run.targets[split][:, j]
        for name, by_split in run.probabilities.items():
            frame[f"{name}_p_{label}"] = np.round(by_split[split][:, j], 5)
            frame[f"{name}_{label}"] = (by_split[split][:, j] >= run.thresholds[name][j]).astype(int)
    frame.to_csv(path, index=False)
    return path


def summary_table(run: TopicRun, labels: list[str]) -> str:
    """Macro-F1, micro-F1, PR-AUC and per-label F1 on dev and test for model and baselines."""
    columns = ["dev macro-F1", "test macro-F1", "test micro-F1", "test PR-AUC", *[f"test F1 {lb}" for lb in labels]]
    rows = []
    for key, title in MODEL_NAMES.items():
        dev, test = run.metrics[f"{key}/dev"], run.metrics[f"{key}/test"]
        values = [
            dev["macro_f1"],
            test["macro_f1"],
            test["micro_f1"],
            test["macro_pr_auc"],
            *[test[f"{lb}_f1"] for lb in labels],
        ]
        rows.append([title, *[f"{v:.3f}" for v in values]])
    widths = [max(len(str(r[i])) for r in [["model", *columns], *rows]) for i in range(len(columns) + 1)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(["model", *columns], widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def stance_table(stance: StanceRun) -> str:
    """Actor-stance results on dev and test: model beside the TF-IDF stance baseline."""
    m = stance.metrics
    lines = [f"{'actor stance':<42}{'dev':>11}{'test':>11}", "-" * 64]
    rows = [
        ("triplet F1, stancewatch", "triplets.{}.model_f1"),
        ("triplet F1, TF-IDF stance baseline", "triplets.{}.tfidf_f1"),
        ("triplet precision / recall, stancewatch", None),
        ("stance macro-F1 with gold actors", "stance_gold_actors.{}.model_macro_f1"),
        ("  same, TF-IDF + LR baseline", "stance_gold_actors.{}.tfidf_macro_f1"),
        ("actor recall", "actors.{}.recall"),
        ("actor precision", "actors.{}.precision"),
    ]
    for title, key in rows:
        if key is None:
            cells = [
                f"{m[f'triplets.{s}.model_precision']:.2f}/{m[f'triplets.{s}.model_recall']:.2f}"
                for s in ("dev", "test")
            ]
        else:
            cells = [f"{m[key.format(s)]:.3f}" for s in ("dev", "test")]
        lines.append(f"{title:<42}{cells[0]:>11}{cells[1]:>11}")
    salience_cut = float(stance.selection.get("stance_salience_cut", 0.0))
    engagement_cut = float(stance.selection.get("stance_engagement_cut", 0.0))
    rule = (
        f"salience x engagement-model cut {engagement_cut:.2f}"
        if engagement_cut > 0
        else f"salience x engaged cut {salience_cut:.2f}"
        if salience_cut > 0
        else f"none cut {stance.selection['stance_none_threshold']:.2f}, "
        f"min mentions {int(stance.selection.get('stance_min_mentions', 1))}"
    )
    cap = int(stance.selection.get("stance_max_actors", 0))
    rule += f", at most {cap} actors per document and topic" if cap else ""
    lines.append(
        f"(chosen on dev: cross-encoder weight vs its partner {stance.selection['stance_blend_weight']:.2f}, {rule}, "
        f"backend {stance.selection.get('stance_onnx_variant', 'torch')}; {stance.seconds / 60:.1f} min)"
    )
    return "\n".join(lines)
