"""The HTTP service through TestClient, with a fake predictor injected (no model files needed)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.api.app import create_app
from serving.api.routes import get_settings_dep
from serving.api.settings import Settings
from serving.predictor import as_document
from serving.schema import Prediction, TopicScore

LABELS = ["foreign_interference", "internet_control"]


@dataclass
class FakeManifest:
    thresholds: list[float] = field(default_factory=lambda: [0.5, 0.5])
    metrics: dict[str, float] = field(default_factory=lambda: {"macro_f1": 0.9})
    trained_at: str = "2026-11-29T00:00:00+00:00"


class FakePredictor:
    """Deterministic keyword 'model' that records its batch sizes."""

    def __init__(self, version: str = "1", delay: float = 0.0, fail: bool = False) -> None:
        self.name, self.version, self.source, self.labels = "stancewatch", version, "fake", LABELS
        self.manifest = FakeManifest()
        self.delay, self.fail = delay, fail
        self.has_actors = False
        self.batches: list[int] = []

    def predict(self, docs: Sequence[Any]) -> list[Prediction]:
        if self.fail:
            raise RuntimeError("boom")
        documents = [as_document(d) for d in docs]
        self.batches.append(len(documents))
        time.sleep(self.delay)
        out = []
        for doc in documents:
            text = doc.full_text().lower()
            probs = {
                "foreign_interference": 0.9 if "foreign" in text else 0.1,
                "internet_control": 0.9 if "internet" in text else 0.1,
            }
            topics = {k: TopicScore(probability=p, present=p >= 0.5, threshold=0.5) for k, p in probs.items()}
            out.append(
                Prediction(id=doc.id, topics=topics, model_name=self.name, model_version=self.version, n_windows=1)
            )
        return out


def client_for(predictor: Any, **settings: Any) -> TestClient:
    return TestClient(create_app(Settings(**settings), loader=lambda: predictor))


@pytest.fixture
def client() -> Iterator[TestClient]:
    with client_for(FakePredictor()) as c:
        _wait_ready(c)
        yield c


def _wait_ready(c: TestClient) -> None:
    for _ in range(200):
        if c.get("/readyz").status_code == 200:
            return
        time.sleep(0.01)
    raise AssertionError("service never became ready")


def test_predict_returns_topics_model_and_timing(client: TestClient, seed_article: dict[str, Any]) -> None:
    doc = {"id": "seed", "title": seed_article["title"], "text": seed_article["text"]}
    response = client.post("/v1/predict", json={"documents": [doc, {"text": "Football results"}]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == {"name": "stancewatch", "version": "1"}
    first, second = body["predictions"]
    assert first["id"] == "seed" and first["topics"]["internet_control"]["present"] is True
    assert second["topics"]["internet_control"]["present"] is False
    assert body["timing_ms"] >= 0 and response.headers["x-request-id"]


def test_health_ready_model_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["version"] == "1"
    info = client.get("/v1/model").json()
    assert info["labels"] == LABELS and info["thresholds"] == {"foreign_interference": 0.5, "internet_control": 0.5}
    client.post("/v1/predict", json={"documents": [{"text": "internet"}]})
    text = client.get("/metrics").text
    assert 'stancewatch_requests_total{route="/v1/predict",status="200"} 1.0' in text
    assert "stancewatch_batch_documents_bucket" in text and 'stancewatch_model_info{name="stancewatch"' in text


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"documents": []}, 422, "documents: List should have at least 1 item"),
        ({"documents": [{"text": 5}]}, 422, "documents.0.text: Input should be a valid string"),
        ({"documents": [{"text": "  "}]}, 422, "non-whitespace"),
        ({"docs": []}, 422, "documents: Field required"),
        ({"documents": [{"title": "x"}]}, 422, "documents.0.text: Field required"),
    ],
)
def test_bad_bodies_name_the_field(client: TestClient, body: Any, status: int, fragment: str) -> None:
    response = client.post("/v1/predict", json=body)
    assert response.status_code == status
    assert fragment in response.json()["detail"]


def test_invalid_json_and_non_utf8_are_400(client: TestClient) -> None:
    headers = {"content-type": "application/json"}
    assert client.post("/v1/predict", content=b"{not json", headers=headers).status_code == 400
    assert (
        client.post("/v1/predict", content=b'{"documents": [{"text": "caf\xe9"}]}', headers=headers).status_code == 400
    )


def test_limits_are_413_with_the_limit_named() -> None:
    with client_for(FakePredictor(), max_docs_per_request=2, max_chars_per_doc=50, max_body_bytes=2000) as c:
        _wait_ready(c)
        many = c.post("/v1/predict", json={"documents": [{"text": "a"}] * 3})
        assert many.status_code == 413 and "at most 2 per request" in many.json()["detail"]
        long = c.post("/v1/predict", json={"documents": [{"text": "x" * 60}]})
        assert long.status_code == 413 and "the limit is 50" in long.json()["detail"]
        huge = c.post("/v1/predict", json={"documents": [{"text": "x" * 3000}]})
        assert huge.status_code == 413 and "limit of 2000 bytes" in huge.json()["detail"]

        def chunks():  # no Content-Length: the limit must hold for a streamed body too
            yield b'{"documents": [{"text": "'
            for _ in range(10):
                yield b"y" * 500
            yield b'"}]}'

        streamed = c.post("/v1/predict", content=chunks(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413 and "limit of 2000 bytes" in streamed.json()["detail"]


def test_not_ready_until_loaded_and_load_failure_reported() -> None:
    gate = threading.Event()

    def slow_loader() -> FakePredictor:
        gate.wait(5)
        return FakePredictor()

    with TestClient(create_app(Settings(), loader=slow_loader)) as c:
        assert c.get("/readyz").status_code == 503
        assert c.post("/v1/predict", json={"documents": [{"text": "x"}]}).status_code == 503
        gate.set()
        _wait_ready(c)

    def broken() -> FakePredictor:
        raise FileNotFoundError("no model registered")

    with TestClient(create_app(Settings(), loader=broken)) as c:
        time.sleep(0.2)
        ready = c.get("/readyz")
        assert ready.status_code == 503 and "no model registered" in ready.json()["detail"]
        assert c.get("/healthz").status_code == 200


def test_concurrent_requests_share_batches() -> None:
    predictor = FakePredictor(delay=0.05)
    with client_for(predictor, max_batch_docs=16, max_wait_ms=50) as c:
        _wait_ready(c)
        predictor.batches.clear()
        with ThreadPoolExecutor(16) as pool:
            codes = list(
                pool.map(
                    lambda i: c.post("/v1/predict", json={"documents": [{"text": f"t{i}"}]}).status_code, range(32)
                )
            )
        assert codes == [200] * 32
        assert sum(predictor.batches) == 32 and max(predictor.batches) > 1  # requests were batched together
        assert len(predictor.batches) < 32


def test_full_queue_answers_503_with_retry_after() -> None:
    predictor = FakePredictor(delay=0.3)
    with client_for(predictor, max_batch_docs=1, max_wait_ms=0, max_queue_docs=2) as c:
        _wait_ready(c)
        with ThreadPoolExecutor(12) as pool:
            responses = list(pool.map(lambda i: c.post("/v1/predict", json={"documents": [{"text": "x"}]}), range(12)))
        codes = [r.status_code for r in responses]
        assert 503 in codes and 200 in codes
        busy = next(r for r in responses if r.status_code == 503)
        assert busy.headers["retry-after"] == "1" and "retry later" in busy.json()["detail"]


def test_deadline_gives_504_and_drops_the_work() -> None:
    predictor = FakePredictor(delay=0.4)
    with client_for(predictor, max_batch_docs=1, max_wait_ms=0, request_timeout_s=0.2) as c:
        _wait_ready(c)
        predictor.batches.clear()
        with ThreadPoolExecutor(4) as pool:
            codes = list(
                pool.map(lambda i: c.post("/v1/predict", json={"documents": [{"text": "x"}]}).status_code, range(4))
            )
        assert codes.count(504) >= 3
        time.sleep(0.5)
        assert len(predictor.batches) < 4  # queued jobs past their deadline were never run


def test_auth_on_and_off() -> None:
    app = create_app(Settings(), loader=FakePredictor)
    with TestClient(app) as c:
        _wait_ready(c)
        assert c.get("/metrics").status_code == 200  # no key configured: open
        app.dependency_overrides[get_settings_dep] = lambda: Settings(api_key="s3cret")
        doc = {"documents": [{"text": "x"}]}
        assert c.post("/v1/predict", json=doc).status_code == 401
        assert c.post("/v1/predict", json=doc, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.post("/v1/predict", json=doc, headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert c.get("/metrics").status_code == 401 and c.post("/admin/reload").status_code == 401
        assert c.get("/healthz").status_code == 200 and c.get("/readyz").status_code == 200


def test_reload_swaps_under_load_and_failed_reload_keeps_old_model() -> None:
    versions = iter([FakePredictor("1", delay=0.01), FakePredictor("2", delay=0.01)])
    with TestClient(create_app(Settings(), loader=lambda: next(versions))) as c:
        _wait_ready(c)
        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(c.post, "/v1/predict", json={"documents": [{"text": "x"}]}) for _ in range(40)]
            reloaded = c.post("/admin/reload").json()
            results = [f.result() for f in futures]
        assert reloaded == {"changed": True, "version": "2", "previous": "1", "error": None}
        assert all(r.status_code == 200 for r in results)
        assert {r.json()["model"]["version"] for r in results} <= {"1", "2"}
        after = c.post("/v1/predict", json={"documents": [{"text": "x"}]}).json()
        assert after["model"]["version"] == "2"
        failed = c.post("/admin/reload").json()  # the loader is exhausted: StopIteration
        assert failed["changed"] is False and failed["error"] and failed["version"] == "2"
        assert c.post("/v1/predict", json={"documents": [{"text": "x"}]}).json()["model"]["version"] == "2"


def test_thresholds_setting_reads_json_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANCEWATCH_THRESHOLDS", '{"internet_control": 0.5}')
    assert Settings().thresholds == {"internet_control": 0.5}


def test_openapi_documents_the_seed_example(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/v1/predict" in spec["paths"] and "/readyz" in spec["paths"]
    assert "China" in str(spec["components"]["schemas"]["PredictRequest"])


def test_every_inference_backend_is_a_valid_setting_and_a_bad_one_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from serving.backends import BACKENDS
    from training.cli import main

    assert [Settings(backend=b).backend for b in BACKENDS] == list(BACKENDS)  # openvino-* included
    monkeypatch.setenv("STANCEWATCH_BACKEND", "openvino-x")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "STANCEWATCH_BACKEND" in err and "openvino-bf16" in err and "'openvino-x'" in err
    assert "Traceback" not in err
