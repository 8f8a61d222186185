"""Short inputs (headline, first sentence, lead) vs whole articles, and a head refit with lead copies (session 18).

The topic head reads the mean of an article's 256-token windows; a headline or one sentence is one short
window, unlike anything the head was fit on. This script, on a registered model's package (topic encoder as
packaged, backend `auto`):

1. scores dev articles (over 400 characters, with a title) as whole / title / first sentence / first three
   sentences with the packaged head and thresholds;
2. refits the head (same `fit_head`, C and seed as training) on train whole articles plus, per article, a lead
   copy (title + first two sentences) with the article's labels, the copies weighted 0 (none) to 1; thresholds re-tuned on dev whole articles as
   training does; scores the same four views.

Only `internet_control` is read from the topic head (`foreign_interference` comes from the frozen encoder).
Test is not read.

    python benchmarks/exploration/short_inputs.py [models:/stancewatch/10 [WEIGHT ...]]
"""

import re
import sys

import numpy as np

from serving.predictor import Predictor
from training.baselines import fit_head
from training.config import load_config
from training.data import build_corpus
from training.metrics import tune_thresholds

URI = sys.argv[1] if len(sys.argv) > 1 else "models:/stancewatch/10"
cfg = load_config("configs/default.yaml")
corpus = build_corpus(cfg.data_path, seed=cfg.seed)
labels = corpus.labels
IC = labels.index("internet_control")
p = Predictor.load(URI, tracking_uri="sqlite:///mlruns/mlflow.db", backend="auto", actors=False)


def sentences(text: str, n: int) -> str:
    return " ".join(re.split(r"(?<=[.!?])\s+", text.strip())[:n])


def lead(article) -> str:  # type: ignore[no-untyped-def]
    return f"{article.title}\n\n{sentences(article.text, 2)}" if article.title else sentences(article.text, 2)


def vectors(texts: list[str]) -> np.ndarray:
    main, _ = p.encode_windows(texts)
    return main.pooled(p.manifest.aggregation)


train = corpus.splits["train"]
y_train = np.array(corpus.targets("train"))
dev_all = corpus.splits["dev"]
y_dev_all = np.array(corpus.targets("dev"))
views_dev = [a for a in dev_all if a.title and len(a.text) > 400]
y_views = np.array([[int(label in a.topics) for label in labels] for a in views_dev])
views = {
    "whole": [a.full_text() for a in views_dev],
    "title": [a.title for a in views_dev],
    "first sentence": [sentences(a.text, 1) for a in views_dev],
    "first 3 sentences": [sentences(a.text, 3) for a in views_dev],
}
x_train = vectors([a.full_text() for a in train])
x_lead = vectors([lead(a) for a in train])
x_dev_all = vectors([a.full_text() for a in dev_all])
x_views = {name: vectors(texts) for name, texts in views.items()}


def f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = int((y & pred).sum())
    return 2 * tp / max(1, int(y.sum()) + int(pred.sum()))


def report(name: str, head, threshold: float) -> None:  # type: ignore[no-untyped-def]
    whole_dev = head.predict_proba(x_dev_all)[:, IC]
    cells = [f"all dev IC F1 {f1(y_dev_all[:, IC] == 1, whole_dev >= threshold):.3f}"]
    for view, x in x_views.items():
        prob = head.predict_proba(x)[:, IC]
        y = y_views[:, IC] == 1
        pred = prob >= threshold
        cells.append(f"{view} F1 {f1(y, pred):.3f} R {int((y & pred).sum())}/{int(y.sum())}")
    print(f"{name} (threshold {threshold:.2f}): " + "; ".join(cells), flush=True)


report("packaged head", p.head, p.manifest.thresholds[IC])
for lead_weight in [float(w) for w in (sys.argv[2:] or ["0", "0.25", "0.5", "1"])]:
    x = np.vstack([x_train, x_lead]) if lead_weight else x_train
    y = np.vstack([y_train, y_train]) if lead_weight else y_train
    weights = np.r_[np.ones(len(train)), np.full(len(train), lead_weight)] if lead_weight else None
    head = fit_head(x, y, labels, cfg.head_c, cfg.seed, weights)
    threshold = tune_thresholds(y_dev_all, head.predict_proba(x_dev_all), cfg.threshold_grid, 0.0)[IC]
    report(f"refit, train + lead copies weighted {lead_weight}", head, threshold)
