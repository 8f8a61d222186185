"""``stancewatch score``: stream a corpus through the predictor into committed output parts."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serving.batch import DedupCache, PartWriter, Summary, chunks, input_fingerprint, score_part
from serving.readers import InputError, Record, count_records, read_records
from serving.schema import Document, Prediction


@dataclass
class ScoreOptions:
    source: str
    output: Path
    model_uri: str = "models:/stancewatch@champion"
    tracking_uri: str = "sqlite:///mlruns/mlflow.db"
    backend: str = "auto"
    actors: bool = True
    fmt: str = "parquet"
    part_size: int = 512
    batch_size: int = 32
    workers: int = 1
    overwrite: bool = False
    progress: bool = True
    thresholds: dict[str, float] = field(default_factory=dict)  # topic -> decision threshold overrides


_WORKER: Any = None


def _init_worker(
    uri: str, tracking_uri: str, backend: str, actors: bool, threads: int, batch_size: int, thresholds: dict[str, float]
) -> None:
    global _WORKER
    os.environ["OMP_NUM_THREADS"] = str(threads)
    import torch

    torch.set_num_threads(threads)
    from serving.predictor import Predictor

    _WORKER = Predictor.load(uri, tracking_uri=tracking_uri, backend=backend, actors=actors, thresholds=thresholds)
    _WORKER.batch_size = batch_size


def _worker_predict(docs: list[Document]) -> list[Prediction]:
    return _WORKER.predict(docs)  # type: ignore[no-any-return]


def _skip(records: Iterator[Record], n: int) -> int:
    skipped = 0
    for _ in range(n):
        if next(records, None) is None:
            break
        skipped += 1
    return skipped


def _progress(total: int | None, initial: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="doc", smoothing=0.1, disable=not enabled, dynamic_ncols=True)


def run_score(options: ScoreOptions, log: Callable[[str], None] = print) -> Summary:
    """Score ``options.source`` into ``options.output``; resumable, bounded memory."""
    from serving.predictor import Predictor

    if options.fmt not in ("parquet", "jsonl"):
        raise InputError(f"output format must be parquet or jsonl, found '{options.fmt}'")
    records = read_records(options.source)
    first = next(records, None)  # surfaces a missing/unsupported input before any model loads
    if first is None:
        raise InputError(f"{options.source}: no records")
    stream: Iterator[Record] = _prepend(first, records)
    predictor = Predictor.load(
        options.model_uri,
        tracking_uri=options.tracking_uri,
        backend=options.backend,
        actors=options.actors,
        thresholds=options.thresholds,
    )
    predictor.batch_size = options.batch_size
    identity = {
        "model": f"{predictor.name}@{predictor.version or predictor.source}",
        "backend": options.backend,
        "actors": str(predictor.has_actors),
        "input": input_fingerprint(options.source),
        "format": options.fmt,
    }
    if options.thresholds:  # decisions change with them: a resumed run must use the same ones
        identity["thresholds"] = json.dumps(dict(zip(predictor.labels, predictor.manifest.thresholds, strict=True)))
    writer = PartWriter(options.output, options.fmt, identity, options.overwrite)
    summary = Summary(skipped=_skip(stream, writer.consumed))
    if summary.skipped:
        log(f"resuming: {summary.skipped} records already committed in {options.output}")
    started = time.time()
    bar = _progress(count_records(options.source), summary.skipped, options.progress)
    cache = DedupCache()
    consumed = writer.consumed
    try:
        if options.workers > 1:
            consumed = _score_parallel(options, stream, writer, summary, bar, consumed)
        else:
            for part in chunks(stream, options.part_size):
                rows, errors = score_part(part, predictor.predict, cache, summary)
                consumed += len(part)
                writer.commit(rows, errors, consumed)
                _account(summary, rows, errors, bar, len(part))
    finally:
        bar.close()
    elapsed = time.time() - started
    log(_table(summary, elapsed, options))
    return summary


def _prepend(first: Record, rest: Iterator[Record]) -> Iterator[Record]:
    yield first
    yield from rest


def _account(summary: Summary, rows: list[dict[str, Any]], errors: list[dict[str, Any]], bar: Any, n: int) -> None:
    summary.scored += len(rows)
    summary.failed += len(errors)
    for row in rows:
        for topic in row["topics"]:
            summary.topic_counts[topic] = summary.topic_counts.get(topic, 0) + 1
    bar.update(n)


def _score_parallel(
    options: ScoreOptions, stream: Iterator[Record], writer: PartWriter, summary: Summary, bar: Any, consumed: int
) -> int:
    """Parts scored by worker processes, committed strictly in input order (at most workers + 1 in flight)."""
    threads = max(1, (os.cpu_count() or 1) // options.workers)
    init = (
        options.model_uri,
        options.tracking_uri,
        options.backend,
        options.actors,
        threads,
        options.batch_size,
        options.thresholds,
    )
    with ProcessPoolExecutor(options.workers, initializer=_init_worker, initargs=init) as pool:
        pending: list[tuple[list[Record], Future[Any]]] = []
        for part in chunks(stream, options.part_size):
            pending.append((part, pool.submit(_score_remote, part)))
            if len(pending) > options.workers:
                consumed = _commit_next(pending, writer, summary, bar, consumed)
        while pending:
            consumed = _commit_next(pending, writer, summary, bar, consumed)
    return consumed


def _score_remote(part: list[Record]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    local = Summary()
    rows, errors = score_part(part, _worker_predict, DedupCache(), local)
    return rows, errors, local.duplicates


def _commit_next(
    pending: list[tuple[list[Record], Future[Any]]], writer: PartWriter, summary: Summary, bar: Any, consumed: int
) -> int:
    part, future = pending.pop(0)
    rows, errors, duplicates = future.result()
    summary.duplicates += duplicates
    consumed += len(part)
    writer.commit(rows, errors, consumed)
    _account(summary, rows, errors, bar, len(part))
    return consumed


def _table(summary: Summary, elapsed: float, options: ScoreOptions) -> str:
    rate = summary.scored / elapsed if elapsed > 0 else 0.0
    lines = [
        f"scored    {summary.scored}",
        f"skipped   {summary.skipped} (committed by an earlier run)",
        f"failed    {summary.failed} (see {options.output.name}.errors.jsonl)",
        f"duplicate {summary.duplicates} (scored once)",
        f"time      {elapsed:.1f} s  ({rate:.1f} docs/s)",
    ]
    lines += [f"topic     {topic}: {count}" for topic, count in sorted(summary.topic_counts.items())]
    return "\n".join(lines)
