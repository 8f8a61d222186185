"""Distributed scoring: the registered pyfunc on a Spark DataFrame through ``mlflow.pyfunc.spark_udf``.

The same command runs on a cluster: set ``--master`` (or SPARK_MASTER / spark-submit) and make the
tracking URI and artifacts reachable from the executors (e.g. a shared MLflow server or object store).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


def spark_session(master: str | None) -> Any:
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers need this environment's packages
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    master = master or os.environ.get("SPARK_MASTER", "local[*]")
    return (
        SparkSession.builder.master(master)
        .appName("stancewatch-score")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )


def score_with_spark(
    source: str,
    output: Path,
    model_uri: str,
    tracking_uri: str,
    master: str | None = None,
    spark: Any = None,
    backend: str = "auto",
    actors: bool = True,
    thresholds: dict[str, float] | None = None,
) -> int:
    """Score a Parquet file/folder with columns ``text`` (optional ``title``, ``id``) into Parquet."""
    import mlflow
    from pyspark.sql import functions as F

    from serving.registry import registry_version

    if not source.endswith(".parquet") and not Path(source).is_dir():
        raise ValueError(f"{source}: the spark engine reads Parquet (a file or a folder of parts)")
    mlflow.set_tracking_uri(tracking_uri)
    os.environ["MLFLOW_TRACKING_URI"] = tracking_uri
    spark = spark or spark_session(master)
    frame = spark.read.parquet(source)
    for column in ("id", "title"):
        if column not in frame.columns:
            frame = frame.withColumn(column, F.lit(None).cast("string"))
    udf = mlflow.pyfunc.spark_udf(
        spark,
        model_uri,
        env_manager="local",
        result_type=_result_type(model_uri),
        model_config={"backend": backend, "actors": actors, "thresholds": json.dumps(thresholds or {})},
    )
    scored = frame.select(udf(F.struct("text", "title", "id")).alias("prediction")).select("prediction.*")
    version = registry_version(model_uri)
    if version is not None:  # the pyfunc loads the package without its registry version: name it, as locally
        scored = scored.withColumn("model_version", F.lit(version))
    scored.write.mode("overwrite").parquet(str(output))
    return int(spark.read.parquet(str(output)).count())


def _result_type(model_uri: str) -> str:
    """The pyfunc's output schema as a Spark struct DDL (so spark_udf returns every column)."""
    import mlflow

    info = mlflow.models.get_model_info(model_uri)
    outputs = info.signature.outputs.inputs
    kinds = {"double": "double", "boolean": "boolean", "string": "string", "float": "float", "long": "bigint"}
    return "struct<" + ", ".join(f"{c.name}: {kinds[c.type.name]}" for c in outputs) + ">"
