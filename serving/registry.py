"""Resolve a model URI (registry alias or version, run artifact, local directory) to files on disk."""

from __future__ import annotations

from pathlib import Path

from serving.package import ModelPackageError


def parse_models_uri(uri: str) -> tuple[str, str | None, str | None]:
    """``models:/name@alias`` -> (name, alias, None); ``models:/name/3`` -> (name, None, '3')."""
    body = uri.removeprefix("models:/").strip("/")
    if "@" in body:
        name, _, alias = body.partition("@")
        return name, alias, None
    name, _, version = body.partition("/")
    if not name or not version:
        raise ModelPackageError(f"model URI '{uri}': expected models:/NAME@ALIAS or models:/NAME/VERSION")
    return name, None, version


DEFAULT_TRACKING_URI = "sqlite:///mlruns/mlflow.db"  # the project's store, relative to the working directory


def registry_version(uri: str) -> str | None:
    """The registry version a ``models:/name/N`` or ``models:/name@alias`` URI names (None for other URIs),
    from the tracking store already chosen."""
    if not uri.startswith("models:/"):
        return None
    import mlflow

    name, alias, version = parse_models_uri(uri)
    if alias is not None:
        version = mlflow.MlflowClient().get_model_version_by_alias(name, alias).version
    return str(version) if version is not None else None


def resolve_model(uri: str, tracking_uri: str | None = None) -> tuple[Path, str | None]:
    """A local directory holding the model package, and its registry version when it has one.

    Without ``tracking_uri`` the store is the one already chosen (``MLFLOW_TRACKING_URI`` or
    ``mlflow.set_tracking_uri``), else the project's ``sqlite:///mlruns/mlflow.db`` (where
    ``make train`` registers), not MLflow's own default.
    """
    if not uri.startswith(("models:/", "runs:/")):
        path = Path(uri)
        if not path.exists():
            raise ModelPackageError(
                f"model '{uri}' is neither a models:/ URI nor an existing directory; run `make train` first"
            )
        return path, None
    import mlflow
    from mlflow.exceptions import MlflowException

    if tracking_uri:
        mlflow.set_tracking_uri(tracking_uri)
    elif not _tracking_uri_chosen():
        mlflow.set_tracking_uri(DEFAULT_TRACKING_URI)
    try:
        version = registry_version(uri)
        local = mlflow.artifacts.download_artifacts(artifact_uri=uri)
    except MlflowException as error:
        raise ModelPackageError(
            f"cannot load '{uri}' from tracking store {mlflow.get_tracking_uri()}: {error.message.splitlines()[0]}. "
            "Run `make train` to register a model, or pass a model directory."
        ) from None
    return Path(local), str(version) if version is not None else None


def _tracking_uri_chosen() -> bool:
    """Whether the caller or the environment chose a tracking store (MLflow's check, private API)."""
    import os

    try:
        from mlflow.tracking._tracking_service.utils import is_tracking_uri_set

        return bool(is_tracking_uri_set())
    except ImportError:  # pragma: no cover - moved in a later MLflow
        return "MLFLOW_TRACKING_URI" in os.environ
