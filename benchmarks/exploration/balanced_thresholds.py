"""Would source-balanced dev weights change the tuned thresholds? (champion, dev only)

python benchmarks/exploration/balanced_thresholds.py

Per topic: the threshold with the best dev F1 as `make train` tunes it, and the one with the best
F1 when every dev document is weighted by 1 / (dev documents of its source); plus the F1 curve.
"""

import collections
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from serving.predictor import Predictor  # noqa: E402
from training.data import build_corpus  # noqa: E402

p = Predictor.load(actors=False)
c = build_corpus(ROOT / "data" / "articles.jsonl", p.labels)
dev = c.splits["dev"]
probs = p.predict_proba(c.texts("dev")).probabilities
y = np.asarray(c.targets("dev"))

src = [a.id.split("-", 1)[0] for a in dev]
cnt = collections.Counter(src)
w = np.array([1.0 / cnt[s] for s in src])
grid = np.linspace(0.05, 0.95, 91)
for j, label in enumerate(p.labels):
    f = [f1_score(y[:, j], probs[:, j] >= t) for t in grid]
    fw = [f1_score(y[:, j], probs[:, j] >= t, sample_weight=w) for t in grid]
    print(
        label,
        "best",
        grid[int(np.argmax(f))],
        round(max(f), 3),
        "balanced best",
        grid[int(np.argmax(fw))],
        round(max(fw), 3),
    )
    print("  curve", [(round(t, 2), round(v, 3)) for t, v in zip(grid, f, strict=True)][::5])
print(cnt)
