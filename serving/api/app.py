"""``create_app()``: the FastAPI service. The model loads in ``lifespan``, never at import."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from serving.api.batching import MicroBatcher
from serving.api.limits import BodyLimit
from serving.api.metrics import ServiceMetrics
from serving.api.routes import router
from serving.api.settings import Settings, get_settings
from serving.api.state import Loader, ModelHolder, alias_resolver, registry_loader

log = logging.getLogger("stancewatch.api")


class JsonFormatter(logging.Formatter):
    """One JSON object per log line; ``extra`` fields are kept, document text never is."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "route", "status", "ms", "docs", "error", "version"):
            if hasattr(record, key):
                payload[key] = getattr(record, key)
        return json.dumps(payload)


def configure_logging() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO)
    log.propagate = False


async def _poll_reload(app: FastAPI, every_s: float) -> None:
    while True:
        await asyncio.sleep(every_s)
        result = await app.state.holder.reload(app.state.resolver)
        if result.changed:
            log.info("model reloaded by poll", extra={"version": result.version})


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    holder: ModelHolder = app.state.holder
    metrics: ServiceMetrics = app.state.metrics
    batcher = MicroBatcher(
        holder.predict_fn,
        settings.max_batch_docs,
        settings.max_wait_ms,
        settings.max_queue_docs,
        on_batch=metrics.batch_size.observe,
    )
    app.state.batcher = batcher
    batcher.start()
    loading = asyncio.create_task(holder.load_initial())
    poller = asyncio.create_task(_poll_reload(app, settings.reload_poll_s)) if settings.reload_poll_s > 0 else None
    try:
        yield
    finally:
        for task in (loading, poller):
            if task is not None:
                task.cancel()
        await batcher.stop()


def _validation_status(error: RequestValidationError) -> int:
    kinds = {e.get("type") for e in error.errors()}
    return 400 if kinds & {"json_invalid", "model_attributes_type", "json_type"} else 422


def _describe(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {item.get('msg')}")
    return "; ".join(parts)


def create_app(settings: Settings | None = None, loader: Loader | None = None) -> FastAPI:
    """Build the service; ``loader`` (a no-argument callable returning a predictor) overrides the registry."""
    settings = settings or get_settings()
    configure_logging()
    app = FastAPI(
        title="stancewatch",
        version="1",
        lifespan=lifespan,
        description="Topics and actor stance in news articles. Send articles to `POST /v1/predict`.",
    )
    app.state.settings = settings
    app.state.metrics = ServiceMetrics()
    app.state.holder = ModelHolder(
        loader
        or registry_loader(
            settings.model_uri, settings.tracking_uri, settings.backend, settings.actors, settings.thresholds
        )
    )
    app.state.resolver = alias_resolver(settings.model_uri, settings.tracking_uri) if loader is None else None
    app.include_router(router)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _describe(error)}, status_code=_validation_status(error))

    @app.middleware("http")
    async def _observe(request: Request, call_next: Any) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        request.state.request_id = request_id
        started = time.perf_counter()
        response: Response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        elapsed = time.perf_counter() - started
        app.state.metrics.requests.labels(path, str(response.status_code)).inc()
        app.state.metrics.latency.labels(path).observe(elapsed)
        response.headers["x-request-id"] = request_id
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "route": path,
                "status": response.status_code,
                "ms": round(elapsed * 1000, 1),
            },
        )
        return response

    return app
