"""Service settings: one pydantic-settings class (env prefix ``STANCEWATCH_``), built lazily."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from serving.backends import BACKENDS


class Settings(BaseSettings):
    """Every knob of the HTTP service; set as environment variables, e.g. ``STANCEWATCH_API_KEY``."""

    model_config = SettingsConfigDict(env_prefix="STANCEWATCH_", env_file=None, extra="ignore")

    model_uri: str = Field("models:/stancewatch@champion", description="models:/NAME@ALIAS, models:/NAME/N or a dir")
    tracking_uri: str = "sqlite:///mlruns/mlflow.db"
    backend: str = Field(
        "auto",
        description=f"one of {', '.join(BACKENDS)}; auto (or its older name onnx) = the fastest variant training "
        "validated on dev",
    )
    actors: bool = Field(True, description="actors with stances in answers (when the model has a stance stage)")
    thresholds: dict[str, float] = Field(
        default_factory=dict,
        description='topic -> decision threshold replacing the dev-tuned one, JSON: {"internet_control": 0.5}',
    )
    api_key: SecretStr | None = Field(None, description="Bearer token; auth is off when unset")
    # 8, not 32: same throughput on the 2-core benchmark machine (11.65 / 11.35 vs 11.43 / 10.1 docs/s in two
    # rounds), p95 latency 3.7 / 4.2 s vs 5.1 / 5.8 s: a short article waits for fewer long ones (BENCHMARKS.md)
    max_batch_docs: int = Field(8, ge=1, le=512, description="documents per inference batch")
    max_wait_ms: float = Field(10.0, ge=0, le=1000, description="how long a batch waits to fill")
    max_queue_docs: int = Field(512, ge=1, description="queued documents before 503")
    request_timeout_s: float = Field(30.0, gt=0, description="deadline per request (504 after)")
    max_docs_per_request: int = Field(64, ge=1)
    max_chars_per_doc: int = Field(200_000, ge=1)
    max_body_bytes: int = Field(8_000_000, ge=1)
    reload_poll_s: float = Field(0.0, ge=0, description="re-resolve the alias every N seconds (0 = off)")

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if value not in BACKENDS:
            raise ValueError(f"expected one of {', '.join(BACKENDS)}")
        return value


def settings_problems(error: ValidationError) -> str:
    """One line per bad setting, named as the environment variable that sets it."""
    lines = []
    for problem in error.errors():
        field = ".".join(str(part) for part in problem["loc"]) or "settings"
        given = problem.get("input")
        found = f" (found {given!r})" if isinstance(given, str | int | float) else ""
        lines.append(f"STANCEWATCH_{field.upper()}: {problem['msg']}{found}")
    return "; ".join(lines)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
