"""Spark engine parity: the registered pyfunc through spark_udf in local[2] equals the local path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from training.cli import run_training
from training.config import TrainConfig

pytest.importorskip("pyspark")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime (Java 17)")
def test_spark_and_local_paths_agree_on_200_documents(tiny_config: TrainConfig, tmp_path: Path) -> None:
    from serving.predictor import Predictor
    from serving.spark import score_with_spark, spark_session

    run_training(TrainConfig.from_dict(tiny_config.to_dict() | {"finetune": "none"}))
    uri = "models:/stancewatch@champion"
    phrases = ["The ministry blocked websites.", "Officials accused foreign agents of meddling.", "The club won."]
    docs = [{"id": f"d{i}", "title": f"T{i}", "text": f"{phrases[i % 3]} Item {i}."} for i in range(200)]
    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(docs), source)

    spark = spark_session("local[2]")
    try:
        count = score_with_spark(
            str(source), tmp_path / "spark-out", uri, tiny_config.tracking_uri, spark=spark, backend="torch"
        )
    finally:
        spark.stop()
    assert count == 200
    spark_rows = {r["id"]: r for r in pq.read_table(tmp_path / "spark-out").to_pylist()}
    local = Predictor.load(uri, tracking_uri=tiny_config.tracking_uri, backend="torch").predict(docs)
    assert set(spark_rows) == {p.id for p in local}
    for prediction in local:
        row = spark_rows[prediction.id]
        assert row["model_version"] == prediction.model_version and prediction.model_version  # the registry's
        for label, topic in prediction.topics.items():
            assert row[f"{label}_probability"] == pytest.approx(topic.probability, abs=1e-5)
            assert row[f"{label}_present"] == topic.present
