"""Routes: /v1/predict, /v1/model, /healthz, /readyz, /metrics, /admin/reload."""

from __future__ import annotations

import asyncio
import hmac
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from serving.api.batching import MicroBatcher, QueueFull
from serving.api.metrics import ServiceMetrics
from serving.api.schemas import ErrorBody, ModelInfo, ModelRef, PredictRequest, PredictResponse, ReloadResponse
from serving.api.settings import Settings
from serving.api.state import ModelHolder

router = APIRouter()


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_holder(request: Request) -> ModelHolder:
    return request.app.state.holder  # type: ignore[no-any-return]


def get_batcher(request: Request) -> MicroBatcher:
    return request.app.state.batcher  # type: ignore[no-any-return]


def get_metrics(request: Request) -> ServiceMetrics:
    return request.app.state.metrics  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
HolderDep = Annotated[ModelHolder, Depends(get_holder)]


def require_key(request: Request, settings: SettingsDep) -> None:
    """Bearer-token check (constant time) when an API key is configured; the key is never logged."""
    if settings.api_key is None:
        return
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    expected = settings.api_key.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
        raise HTTPException(
            401, "missing or wrong API key: send 'Authorization: Bearer <key>'", headers={"WWW-Authenticate": "Bearer"}
        )


Auth = Depends(require_key)
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (400, 401, 413, 422, 503, 504)}


def _check_limits(body: PredictRequest, settings: Settings) -> None:
    if len(body.documents) > settings.max_docs_per_request:
        raise HTTPException(
            413,
            f"{len(body.documents)} documents sent; at most {settings.max_docs_per_request} "
            "per request: split the request",
        )
    for index, doc in enumerate(body.documents):
        size = len(doc.text) + len(doc.title or "")
        if size > settings.max_chars_per_doc:
            raise HTTPException(
                413,
                f"documents.{index}.text has {size} characters; the limit is "
                f"{settings.max_chars_per_doc}: split the article",
            )


@router.post("/v1/predict", response_model=PredictResponse, responses=ERRORS, dependencies=[Auth], tags=["predict"])
async def predict(
    body: PredictRequest,
    settings: SettingsDep,
    holder: HolderDep,
    batcher: Annotated[MicroBatcher, Depends(get_batcher)],
    metrics: Annotated[ServiceMetrics, Depends(get_metrics)],
) -> PredictResponse | JSONResponse:
    """Topics (probability and decision) for each document; long articles are windowed, never cut."""
    _check_limits(body, settings)
    if not holder.ready:
        return JSONResponse(
            {"detail": "model is loading; retry shortly"}, status_code=503, headers={"Retry-After": "5"}
        )
    started = time.perf_counter()
    try:
        future = batcher.submit(list(body.documents), settings.request_timeout_s)
    except QueueFull as error:
        return JSONResponse(
            {"detail": f"server busy ({error}); retry later"}, status_code=503, headers={"Retry-After": "1"}
        )
    metrics.queue_depth.set(batcher.queued_docs)
    try:
        predictions = await asyncio.wait_for(future, settings.request_timeout_s)
    except TimeoutError:
        future.cancel()
        return JSONResponse(
            {"detail": f"not answered within {settings.request_timeout_s:g} s; retry or send less"}, status_code=504
        )
    metrics.documents.inc(len(predictions))
    first = predictions[0]
    return PredictResponse(
        predictions=predictions,
        model=ModelRef(name=first.model_name, version=first.model_version),
        timing_ms=round((time.perf_counter() - started) * 1000, 2),
    )


@router.get("/healthz", tags=["ops"])
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", tags=["ops"], responses={503: {"model": ErrorBody}})
async def readyz(holder: HolderDep) -> Any:
    """The model is loaded and warmed (503 before, with the load error if any)."""
    if not holder.ready:
        reason = holder.last_error or "model is loading"
        return JSONResponse({"detail": reason}, status_code=503)
    return {"status": "ready", "version": getattr(holder.current, "version", None)}


@router.get("/v1/model", response_model=ModelInfo, tags=["model"], responses={503: {"model": ErrorBody}})
async def model_info(holder: HolderDep, settings: SettingsDep) -> Any:
    """Name, version, labels, thresholds, training metrics and training time of the serving model."""
    if not holder.ready:
        return JSONResponse({"detail": holder.last_error or "model is loading"}, status_code=503)
    p = holder.current
    return ModelInfo(
        name=p.name,
        version=p.version,
        source=p.source,
        labels=p.labels,
        actors=p.has_actors,
        thresholds=dict(zip(p.labels, p.manifest.thresholds, strict=True)),
        metrics=p.manifest.metrics,
        trained_at=p.manifest.trained_at,
        loaded_at=holder.loaded_at,
        backend=settings.backend,
    )


@router.get("/metrics", dependencies=[Auth], tags=["ops"])
async def prometheus(
    holder: HolderDep,
    metrics: Annotated[ServiceMetrics, Depends(get_metrics)],
    batcher: Annotated[MicroBatcher, Depends(get_batcher)],
) -> Response:
    """Prometheus text format."""
    metrics.queue_depth.set(batcher.queued_docs)
    if holder.ready:
        metrics.model.info({"name": holder.current.name, "version": str(holder.current.version)})
    return Response(metrics.render(), media_type="text/plain; version=0.0.4")


@router.post("/admin/reload", response_model=ReloadResponse, dependencies=[Auth], tags=["ops"])
async def reload(request: Request, holder: HolderDep) -> ReloadResponse:
    """Resolve the alias again; if it moved, load and warm the new version beside the old, then swap."""
    result = await holder.reload(request.app.state.resolver)
    return ReloadResponse(changed=result.changed, version=result.version, previous=result.previous, error=result.error)
