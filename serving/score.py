"""``stancewatch score``: stream a corpus through the predictor into committed output parts."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serving.batch import (
    DedupCache,
    PartPlan,
    PartWriter,
    Summary,
    balanced_slices,
    chunks,
    finish_part,
    input_fingerprint,
    plan_part,
    score_part,
)
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


def _init_worker(threads: int, load: dict[str, Any] | None, parent: int) -> None:
    """A worker process: ``threads`` threads; its own model from ``load`` (Predictor.load's arguments), or
    None for a worker forked from the parent, which runs the parent's model (pages shared copy-on-write)."""
    global _WORKER
    _die_with_parent(parent)
    os.environ["OMP_NUM_THREADS"] = str(threads)  # read by ONNX Runtime sessions made here
    import torch

    torch.set_num_threads(threads)
    if load is not None:
        from serving.predictor import Predictor

        batch_size = load.pop("batch_size")
        _WORKER = Predictor.load(**load)
        _WORKER.batch_size = batch_size


def _die_with_parent(parent: int) -> None:
    """Linux: end this worker when the scoring process dies (kill -9 included) instead of lingering."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: a killed run may leave idle workers behind
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _worker_predict(docs: list[Document]) -> list[Prediction]:
    predictions: list[Prediction] = _WORKER.predict(docs)
    _return_free_memory()
    return predictions


def _return_free_memory() -> None:
    """glibc keeps freed heap pages (a long article's activations) resident; hand them back to the OS."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


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
    for name in ("part_size", "batch_size", "workers"):
        if getattr(options, name) < 1:
            raise InputError(f"{name} must be at least 1, found {getattr(options, name)}")
    records = read_records(options.source)
    first = next(records, None)  # surfaces a missing/unsupported input before any model loads
    if first is None:
        raise InputError(f"{options.source}: no records")
    stream: Iterator[Record] = _prepend(first, records)
    threads = _parent_threads(options.workers)
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
            consumed = _score_parallel(options, predictor, stream, writer, cache, summary, bar, consumed)
        else:
            for part in chunks(stream, options.part_size):
                rows, errors = score_part(part, predictor.predict, cache, summary)
                consumed += len(part)
                writer.commit(rows, errors, consumed)
                _account(summary, rows, errors, bar, len(part))
    finally:
        bar.close()
        _restore_threads(threads)
    elapsed = time.time() - started
    log(_table(summary, elapsed, options))
    return summary


def _parent_threads(workers: int) -> int | None:
    """With workers, this process only plans and writes: one thread, so no OpenMP pool exists at a fork."""
    if workers <= 1:
        return None
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    return before


def _restore_threads(threads: int | None) -> None:
    if threads is not None:
        import torch

        torch.set_num_threads(threads)


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


_Job = tuple[int, PartPlan, list[tuple[list[str], "Future[list[Prediction]]"]]]  # part size, plan, slices


def _score_parallel(
    options: ScoreOptions,
    predictor: Any,
    stream: Iterator[Record],
    writer: PartWriter,
    cache: DedupCache,
    summary: Summary,
    bar: Any,
    consumed: int,
) -> int:
    """Each part's distinct new texts, cut into length-balanced slices, scored by ``workers`` processes.

    With one thread per worker (as many workers as cores) the workers are forked
    from this process and share its loaded model: one copy of the weights in memory. Otherwise each
    worker is a fresh process that loads the model itself: OpenMP thread pools (libgomp) and ONNX
    Runtime's and OpenVINO's do not survive a fork. Two parts are in flight so no worker waits at a part boundary;
    parts still commit strictly in input order, and the dedup cache stays here, as in the serial path.
    """
    global _WORKER
    threads = max(1, (os.cpu_count() or 1) // options.workers)
    load: dict[str, Any] | None = None
    if threads == 1 and not predictor.uses_graph_runtime:
        predictor.preload()  # the spaCy pipeline too, so the workers share it
        _WORKER = predictor
    else:
        load = {"uri": options.model_uri, "tracking_uri": options.tracking_uri, "backend": options.backend}
        load |= {"actors": options.actors, "thresholds": options.thresholds, "batch_size": options.batch_size}
    in_flight: set[str] = set()
    pending: deque[_Job] = deque()
    context = multiprocessing.get_context("fork" if load is None else "spawn")
    try:
        with ProcessPoolExecutor(options.workers, context, _init_worker, (threads, load, os.getpid())) as pool:
            for part in chunks(stream, options.part_size):
                plan = plan_part(part, cache, in_flight)
                summary.duplicates += len(plan.docs) - len(plan.todo)
                in_flight.update(plan.todo)
                slices = [(list(s), list(s.values())) for s in balanced_slices(plan.todo, options.workers)]
                pending.append((len(part), plan, [(k, pool.submit(_worker_predict, docs)) for k, docs in slices]))
                if len(pending) > 1:
                    consumed = _commit_next(pending.popleft(), cache, in_flight, writer, summary, bar, consumed)
            while pending:
                consumed = _commit_next(pending.popleft(), cache, in_flight, writer, summary, bar, consumed)
    finally:
        _WORKER = None  # the model is the caller's again
    return consumed


def _commit_next(
    job: _Job,
    cache: DedupCache,
    in_flight: set[str],
    writer: PartWriter,
    summary: Summary,
    bar: Any,
    consumed: int,
) -> int:
    size, plan, slices = job
    for keys, future in slices:
        for key, pred in zip(keys, future.result(), strict=True):
            cache.put(key, pred)
    in_flight.difference_update(plan.todo)
    rows, errors = finish_part(plan, cache)
    consumed += size
    writer.commit(rows, errors, consumed)
    _account(summary, rows, errors, bar, size)
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
