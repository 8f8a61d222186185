"""Train a tiny model, register it in a temporary MLflow store, load it back two ways, predict the seed."""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest

from serving.backends import CONCRETE, cpu_has_bf16
from serving.openvino_backend import OPENVINO_IR
from serving.predictor import Predictor
from training.cli import run_training
from training.config import TrainConfig
from training.data import build_corpus


def test_train_register_load_and_predict(tiny_config: TrainConfig, seed_article: dict[str, object]) -> None:
    summary = run_training(tiny_config)
    metrics = summary["metrics"]
    assert isinstance(metrics, dict)
    # the synthetic topics are keyword-separable: the trained model must learn them
    assert metrics["model/test"]["macro_f1"] >= 0.8
    assert set(metrics) >= {"model/dev", "model/test", "tfidf_lr/test", "frozen_first_lr/test"}

    # the actor-stance stage trained in the same run and was measured end to end
    stance = summary["stance"]
    assert isinstance(stance, dict)
    for key in ("triplets.test.model_f1", "triplets.test.tfidf_f1", "stance_gold_actors.test.model_macro_f1"):
        assert 0.0 <= stance[key] <= 1.0
    assert stance["actors.test.recall"] == 1.0  # the extractor finds every crafted actor

    uri = "models:/stancewatch@champion"
    predictor = Predictor.load(uri, tracking_uri=tiny_config.tracking_uri)
    assert predictor.version == "1"
    assert predictor.labels == ["foreign_interference", "internet_control"]
    [prediction] = predictor.predict({"id": "seed", "title": seed_article["title"], "text": seed_article["text"]})
    assert prediction.id == "seed" and prediction.model_version == "1"
    assert set(prediction.topics) == set(predictor.labels)
    assert prediction.n_windows > 1  # the seed article is longer than one 32-token window
    assert predictor.has_actors
    present = set(prediction.present_topics())
    for actor in prediction.actors:  # stances only on present topics, evidence quoted from the text
        assert actor.stances and set(actor.stances) <= present
        assert all(s.stance in ("favor", "against", "neutral") for s in actor.stances.values())
        assert all(
            s.evidence in seed_article["text"] or s.evidence in seed_article["title"] for s in actor.stances.values()
        )  # type: ignore[operator]
        full = f"{seed_article['title']}\n\n{seed_article['text']}"
        assert all(0 <= a < b <= len(full) and full[a:b].strip() for a, b in actor.mentions)

    # the evaluation numbers came from the predictor: a reloaded one reproduces them
    corpus = build_corpus(tiny_config.data_path)
    probs = predictor.predict_proba(corpus.texts("test")).probabilities
    again = Predictor.load(uri, tracking_uri=tiny_config.tracking_uri).predict_proba(corpus.texts("test"))
    np.testing.assert_allclose(probs, again.probabilities, atol=1e-6)

    # the ONNX export travels with the model and matches torch; "auto" picks the variant validated on dev
    assert predictor.manifest.extra["onnx_variant"] in CONCRETE
    import onnx as onnx_lib

    int8_graph = onnx_lib.load(str(Path(predictor.encoder.path) / "model.int8.onnx")).graph  # type: ignore[attr-defined]
    kinds = {node.name: node.op_type for node in int8_graph.node}
    assert kinds["/model/encoder/layer.0/output/dense/MatMul"] == "MatMul"  # FFN output kept fp32
    assert "MatMulInteger" in kinds.values() or "DynamicQuantizeLinear" in kinds.values()
    for exact in ("onnx-fp32", "openvino-fp32"):
        graph = Predictor.load(uri, tracking_uri=tiny_config.tracking_uri, backend=exact)
        np.testing.assert_allclose(graph.predict_proba(corpus.texts("test")).probabilities, probs, atol=1e-4)
    assert (Path(predictor.encoder.path) / OPENVINO_IR).is_file()  # fp16 weights, read by openvino-bf16
    if cpu_has_bf16():
        bf16 = Predictor.load(uri, tracking_uri=tiny_config.tracking_uri, backend="openvino-bf16")
        np.testing.assert_allclose(bf16.predict_proba(corpus.texts("test")).probabilities, probs, atol=0.02)

    _serve_registered_model(tiny_config.tracking_uri, seed_article)

    mlflow.set_tracking_uri(tiny_config.tracking_uri)
    pyfunc = mlflow.pyfunc.load_model(uri, model_config={"backend": "torch"})  # the path compared against
    frame = pyfunc.predict(pd.DataFrame([{"text": seed_article["text"], "title": seed_article["title"], "id": "seed"}]))
    assert list(frame["id"]) == ["seed"]
    for label in predictor.labels:
        assert frame.loc[0, f"{label}_probability"] == pytest.approx(prediction.topics[label].probability, abs=1e-5)


def _serve_registered_model(tracking_uri: str, seed_article: dict[str, object]) -> None:
    """The HTTP service loads the registered model (real files, no fakes) and answers the seed article."""
    import time

    from fastapi.testclient import TestClient

    from serving.api.app import create_app
    from serving.api.settings import Settings

    settings = Settings(tracking_uri=tracking_uri, backend="auto", max_wait_ms=0)
    with TestClient(create_app(settings)) as client:
        for _ in range(600):
            if client.get("/readyz").status_code == 200:
                break
            time.sleep(0.1)
        info = client.get("/v1/model").json()
        assert info["version"] == "1" and info["actors"] is True
        body = {"documents": [{"id": "seed", "title": seed_article["title"], "text": seed_article["text"]}]}
        response = client.post("/v1/predict", json=body)
        assert response.status_code == 200, response.text
        [doc] = response.json()["predictions"]
        assert doc["id"] == "seed" and set(doc["topics"]) == {"foreign_interference", "internet_control"}
        assert isinstance(doc["actors"], list)


def test_worse_run_does_not_move_champion(tiny_config: TrainConfig) -> None:
    first = run_training(tiny_config)
    assert first["gate"].moved
    worse = TrainConfig.from_dict(
        tiny_config.to_dict() | {"ensemble_weights": [1.0], "finetune": "none", "head_c": 1e-4, "stance_refit": True}
    )
    second = run_training(worse)
    stance = second["stance"]
    assert isinstance(stance, dict)  # refitted on train + dev: dev scored before the refit, test after
    assert stance["stance_refit_train_articles"] > 0 and 0.0 <= stance["triplets.test.model_f1"] <= 1.0
    assert 0.0 <= stance["triplets.dev.model_f1"] <= 1.0
    gate = second["gate"]
    assert gate.new_score < gate.champion_score
    assert not gate.moved
    client = mlflow.MlflowClient()
    assert str(client.get_model_version_by_alias("stancewatch", "champion").version) == first["gate"].version
