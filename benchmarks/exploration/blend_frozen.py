"""Dev-only look at a three-way blend: the champion's fine-tuned window head, a frozen-MiniLM
first-window LR (the baseline that transfers best leave-one-source-out), and TF-IDF + LR.

python benchmarks/exploration/blend_frozen.py [MODEL_URI]

Prints, per LR strength C of the frozen head, the blends (weights on a 0.25 grid) ranked by dev
macro-F1 at dev-tuned thresholds, with dev macro PR-AUC beside it. Dev only: the test split is not read.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from serving.encoder import TorchEncoder, resolve_encoder  # noqa: E402
from serving.predictor import Predictor  # noqa: E402
from serving.windows import WindowSpec, tokenize_windows  # noqa: E402
from training.baselines import fit_head  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.metrics import report, tune_thresholds  # noqa: E402


def first_windows(encoder: TorchEncoder, texts: list[str], n_docs: int) -> np.ndarray:
    windows, owners = tokenize_windows(encoder.tokenizer, texts, WindowSpec(256, 192))
    starts = np.searchsorted(np.asarray(owners), np.arange(n_docs))
    return encoder.encode([windows[i] for i in starts])


def main(uri: str) -> None:
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    predictor = Predictor.load(uri, tracking_uri=f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}", actors=False)
    labels = predictor.labels
    y = {s: np.asarray(corpus.targets(s)) for s in ("train", "dev")}
    dev_texts = corpus.texts("dev")
    dense, sparse = predictor.component_proba(dev_texts, *predictor.encode_windows(dev_texts))
    assert sparse is not None
    frozen = TorchEncoder(resolve_encoder("minilm"))
    first = {s: first_windows(frozen, corpus.texts(s), len(corpus.splits[s])) for s in ("train", "dev")}
    for c in (1.0, 10.0):
        head = fit_head(first["train"], y["train"], labels, c, 13)
        frozen_dev = head.predict_proba(first["dev"])
        rows = []
        for w_dense, w_frozen in itertools.product([0, 0.25, 0.5, 0.75, 1], repeat=2):
            if w_dense + w_frozen > 1:
                continue
            probs = w_dense * dense + w_frozen * frozen_dev + (1 - w_dense - w_frozen) * sparse
            thresholds = tune_thresholds(y["dev"], probs, 91, 0.0)
            f1 = report(y["dev"], probs, thresholds, labels)["macro_f1"]
            auc = report(y["dev"], probs, [0.5] * len(labels), labels)["macro_pr_auc"]
            rows.append((f1, auc, w_dense, w_frozen, thresholds))
        for f1, auc, w_dense, w_frozen, thresholds in sorted(rows, reverse=True):
            print(
                f"C={c:<4} dense {w_dense:.2f} frozen {w_frozen:.2f} tfidf {1 - w_dense - w_frozen:.2f} | "
                f"dev macro-F1 {f1:.3f}  dev PR-AUC {auc:.3f}  thresholds {[round(t, 2) for t in thresholds]}"
            )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "models:/stancewatch@champion")
