"""Spark path vs local path on the same documents, with a real registered model (issue 5).

python benchmarks/spark_parity.py [--model URI] [--docs 200] [--backend auto] [--out FILE.json]

Takes DOCS articles spread over ../shared/corpus/unlabeled.jsonl, scores them with the local predictor and
with ``stancewatch score --engine spark`` code (``mlflow.pyfunc.spark_udf`` in ``local[2]``), and compares
per document: every topic probability and decision, and the actors with their stances (name, topic, stance).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def spread_docs(n: int) -> list[dict[str, str]]:
    lines = (ROOT.parent / "shared" / "corpus" / "unlabeled.jsonl").read_text().splitlines()
    step = max(1, len(lines) // n)
    records = [json.loads(line) for line in lines[::step][:n]]
    return [
        {"id": str(r.get("id", i)), "title": r.get("title") or "", "text": r["text"]} for i, r in enumerate(records)
    ]


def stances(prediction: dict) -> set[tuple[str, str, str]]:
    return {(a["name"], t, s["stance"]) for a in prediction.get("actors") or [] for t, s in a["stances"].items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models:/stancewatch@champion")
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    import pyarrow as pa
    import pyarrow.parquet as pq

    from serving.predictor import Predictor
    from serving.spark import score_with_spark, spark_session

    tracking = f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}"
    docs = spread_docs(args.docs)
    local = Predictor.load(args.model, tracking_uri=tracking, backend=args.backend).predict(docs)
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "in.parquet"
        pq.write_table(pa.Table.from_pylist(docs), source)
        spark = spark_session("local[2]")
        try:
            count = score_with_spark(
                str(source), Path(scratch) / "out", args.model, tracking, spark=spark, backend=args.backend
            )
        finally:
            spark.stop()
        rows = {r["id"]: r for r in pq.read_table(Path(scratch) / "out").to_pylist()}
    max_diff, decisions, same_stances, version = 0.0, 0, 0, None
    for prediction in local:
        row = rows[prediction.id]
        version = row["model_version"]
        for label, topic in prediction.topics.items():
            max_diff = max(max_diff, abs(row[f"{label}_probability"] - topic.probability))
            decisions += row[f"{label}_present"] == topic.present
        same_stances += stances(json.loads(row["prediction_json"])) == stances(prediction.model_dump(mode="json"))
    result = {
        "model": args.model,
        "model_version": version,
        "backend": args.backend,
        "documents": len(docs),
        "spark_rows": count,
        "same_ids": sorted(rows) == sorted(p.id for p in local),
        "max_abs_probability_difference": max_diff,
        "topic_decisions_equal": f"{decisions}/{len(docs) * len(local[0].topics)}",
        "documents_with_equal_actor_stances": f"{same_stances}/{len(docs)}",
        "actor_stances_local": sum(len(stances(p.model_dump(mode="json"))) for p in local),
    }
    print(json.dumps(result, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
