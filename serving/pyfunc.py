"""The MLflow ``PythonModel`` that wraps ``Predictor``, so ``mlflow models serve`` and ``spark_udf`` work."""

from __future__ import annotations

import json
from typing import Any

import mlflow.pyfunc
import pandas as pd

from serving.predictor import Predictor

PACKAGE_ARTIFACT = "package"


def predictions_frame(predictor: Predictor, frame: pd.DataFrame) -> pd.DataFrame:
    """Score a frame with ``text`` (and optional ``title``, ``id``) into flat columns."""
    if "text" not in frame.columns:
        raise ValueError(f"input needs a 'text' column, found columns {list(frame.columns)}")
    records = [
        {k: (None if pd.isna(v) else str(v)) for k, v in record.items() if k in ("id", "title", "text")}
        for record in frame.to_dict(orient="records")
    ]
    predictions = predictor.predict(records)
    rows: list[dict[str, Any]] = []
    for pred in predictions:
        row: dict[str, Any] = {"id": pred.id}
        for label, score in pred.topics.items():
            row[f"{label}_probability"] = score.probability
            row[f"{label}_present"] = score.present
        row["topics"] = ";".join(pred.present_topics())
        row["model_version"] = pred.model_version or ""
        row["prediction_json"] = json.dumps(pred.model_dump(mode="json"))
        rows.append(row)
    return pd.DataFrame(rows)


class StancewatchModel(mlflow.pyfunc.PythonModel):  # type: ignore[name-defined,misc]
    """Loads the packaged model from the run's artifacts and scores DataFrames."""

    def load_context(self, context: Any) -> None:
        """``model_config`` may set ``backend`` (default 'auto', the variants validated at training),
        ``actors`` (default true) and ``thresholds`` (topic -> decision threshold, a dict or its JSON),
        e.g. ``spark_udf(..., model_config={"backend": "torch"})``."""
        config = dict(getattr(context, "model_config", None) or {})
        self.predictor = Predictor.from_directory(
            context.artifacts[PACKAGE_ARTIFACT],
            backend=str(config.get("backend", "auto")),
            actors=str(config.get("actors", True)).lower() not in ("false", "0", "no"),
        )
        thresholds = config.get("thresholds") or {}
        self.predictor.set_thresholds(json.loads(thresholds) if isinstance(thresholds, str) else dict(thresholds))

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        return predictions_frame(self.predictor, pd.DataFrame(model_input))
