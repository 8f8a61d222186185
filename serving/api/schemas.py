"""HTTP request and response bodies (the OpenAPI schema is generated from these)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from serving.schema import Document, Prediction

_SEED = Path(__file__).resolve().parents[2] / "data" / "seed_example.json"


def seed_document() -> dict[str, Any]:
    try:
        seed = json.loads(_SEED.read_text())
    except OSError:  # an installed package without data/
        return {
            "id": "seed",
            "title": "China Calls on Russia to Tighten Internet Control",
            "text": "China has urged...",
        }
    return {"id": seed["id"], "title": seed["title"], "text": seed["text"]}


class PredictRequest(BaseModel):
    documents: list[Document] = Field(min_length=1, description="one or more articles")

    model_config = {"json_schema_extra": {"examples": [{"documents": [seed_document()]}]}}


class ModelRef(BaseModel):
    name: str
    version: str | None


class PredictResponse(BaseModel):
    predictions: list[Prediction]
    model: ModelRef
    timing_ms: float


class ModelInfo(BaseModel):
    name: str
    version: str | None
    source: str
    labels: list[str]
    actors: bool = Field(default=False, description="Whether predictions carry actors with stances.")
    thresholds: dict[str, float]
    metrics: dict[str, float]
    trained_at: str
    loaded_at: float
    backend: str


class ReloadResponse(BaseModel):
    changed: bool
    version: str | None
    previous: str | None
    error: str | None = None


class ErrorBody(BaseModel):
    detail: str
