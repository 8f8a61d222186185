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


def resolve_model(uri: str, tracking_uri: str | None = None) -> tuple[Path, str | None]:
    """A local directory holding the model package, and its registry version when it has one."""
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
    version: str | None = None
    try:
        if uri.startswith("models:/"):
            name, alias, version = parse_models_uri(uri)
            client = mlflow.MlflowClient()
            if alias is not None:
                version = client.get_model_version_by_alias(name, alias).version
        local = mlflow.artifacts.download_artifacts(artifact_uri=uri)
    except MlflowException as error:
        raise ModelPackageError(
            f"cannot load '{uri}' from tracking store {mlflow.get_tracking_uri()}: {error.message.splitlines()[0]}. "
            "Run `make train` to register a model, or pass a model directory."
        ) from None
    return Path(local), str(version) if version is not None else None
