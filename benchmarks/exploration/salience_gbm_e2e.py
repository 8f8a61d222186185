"""Scratch: the actor-salience model as gradient-boosted trees instead of a logistic model, end to end over seeds.

python benchmarks/exploration/salience_gbm_e2e.py [--depth 3] [--iterations 200] [stance_e2e options]

Session 4 measured it once (dev triplet F1 0.438 vs 0.417, one seed, on v11's stance model) and did not
adopt it. Here the stance stage is trained per seed as ``make train`` does (``stance_e2e.py``), with
``fit_salience`` replaced by sklearn's HistGradientBoostingClassifier (--depth, --iterations, lr 0.05,
class-balanced, the same 18 features) and the cut chosen on dev end to end as for the product.
"""

from __future__ import annotations

import sys
from pathlib import Path

import joblib
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "exploration"))

import serving.salience as salience  # noqa: E402
import training.stance_run as stance_run  # noqa: E402

GBM_FILE = "salience_gbm.joblib"
TREES = {"depth": 3, "iterations": 200}


class GBMSalience:
    def __init__(self, model: object) -> None:
        self.model = model

    def predict(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, len(salience.FEATURES))
        return np.asarray(self.model.predict_proba(rows)[:, 1])  # type: ignore[attr-defined]

    def save(self, directory: Path) -> Path:
        path = Path(directory) / GBM_FILE
        joblib.dump(self.model, path)
        return path


def fit_gbm(rows: np.ndarray, labels: np.ndarray, c: float = 1.0) -> GBMSalience:
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(
        max_depth=TREES["depth"], learning_rate=0.05, max_iter=TREES["iterations"], random_state=13,
        class_weight="balanced",
    )
    return GBMSalience(model.fit(rows, labels))


_load = salience.SalienceModel.load


def load(directory: Path):  # type: ignore[no-untyped-def]
    path = Path(directory) / GBM_FILE
    return GBMSalience(joblib.load(path)) if path.is_file() else _load(directory)


stance_run.fit_salience = fit_gbm  # type: ignore[assignment]
salience.SalienceModel.load = staticmethod(load)  # type: ignore[method-assign,assignment]

if __name__ == "__main__":
    import stance_e2e

    parser = stance_e2e.build_parser()
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=200)
    args = parser.parse_args()
    TREES.update(depth=args.depth, iterations=args.iterations)
    args.set.append(f"name=salience-gbm-d{args.depth}-i{args.iterations}")
    stance_e2e.main(args)
