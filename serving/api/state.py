"""The loaded model and its hot swap: a new version loads and warms beside the old, then swaps atomically."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from serving.predictor import Predictor

log = logging.getLogger("stancewatch.api")
Loader = Callable[[], Any]
SEED_TEXT = "China urged Russia to tighten control over the internet to keep out external forces."


@dataclass
class ReloadResult:
    changed: bool
    version: str | None
    previous: str | None
    error: str | None = None


@dataclass
class ModelHolder:
    """Holds the serving predictor; ``current`` is read once per batch, so swaps never split a batch."""

    loader: Loader
    current: Any = None
    loaded_at: float = 0.0
    last_error: str | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def ready(self) -> bool:
        return self.current is not None

    def predict_fn(self) -> Callable[..., Any]:
        return self.current.predict  # type: ignore[no-any-return]

    @staticmethod
    def warm(predictor: Any) -> None:
        predictor.predict([{"text": SEED_TEXT}])

    async def load_initial(self) -> None:
        try:
            await self._load_and_swap()
        except Exception as error:
            self.last_error = f"{type(error).__name__}: {error}"
            log.error("model load failed", extra={"error": self.last_error})

    async def _load_and_swap(self) -> ReloadResult:
        loop = asyncio.get_running_loop()
        previous = getattr(self.current, "version", None)
        candidate = await loop.run_in_executor(None, _call_loader, self.loader)
        await loop.run_in_executor(None, self.warm, candidate)
        self.current = candidate  # atomic reference swap; in-flight batches keep the old object
        self.loaded_at = time.time()
        self.last_error = None
        return ReloadResult(True, getattr(candidate, "version", None), previous)

    async def reload(self, resolve_version: Callable[[], str | None] | None = None) -> ReloadResult:
        """Load again unless the alias still points at the serving version; keep the old one on failure."""
        async with self._lock:
            previous = getattr(self.current, "version", None)
            try:
                if resolve_version is not None and self.current is not None:
                    target = await asyncio.get_running_loop().run_in_executor(None, resolve_version)
                    if target is not None and target == previous:
                        return ReloadResult(False, previous, previous)
                return await self._load_and_swap()
            except Exception as error:
                self.last_error = f"{type(error).__name__}: {error}"
                log.error("model reload failed; previous model keeps serving", extra={"error": self.last_error})
                return ReloadResult(False, previous, previous, error=self.last_error)


def _call_loader(loader: Loader) -> Any:
    # StopIteration cannot cross into an asyncio future (the await would hang): re-raise it plainly
    try:
        return loader()
    except StopIteration as error:
        raise RuntimeError("model loader returned no model") from error


def registry_loader(
    model_uri: str, tracking_uri: str, backend: str, actors: bool = True, thresholds: dict[str, float] | None = None
) -> Loader:
    return lambda: Predictor.load(
        model_uri, tracking_uri=tracking_uri, backend=backend, actors=actors, thresholds=thresholds
    )


def alias_resolver(model_uri: str, tracking_uri: str) -> Callable[[], str | None] | None:
    """For ``models:/NAME@ALIAS`` a function giving the version the alias points at now."""
    if not model_uri.startswith("models:/") or "@" not in model_uri:
        return None

    def resolve() -> str | None:
        import mlflow

        from serving.registry import parse_models_uri

        name, alias, _ = parse_models_uri(model_uri)
        client = mlflow.MlflowClient(tracking_uri=tracking_uri)
        return str(client.get_model_version_by_alias(name, str(alias)).version)

    return resolve
