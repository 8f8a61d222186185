"""Batch scoring: stream records, score in committed parts, resume exactly where a crash left off.

Layout of OUTPUT (a folder): ``part-00000.parquet`` ... (or ``.jsonl``) and ``_manifest.json``. Each
part covers a contiguous range of input records and is written to a temporary name, then renamed;
the manifest (also renamed into place) is the commit. A rerun skips the records that committed parts
cover, so killing the process at any moment and rerunning yields every input record exactly once.
Bad records go to ``OUTPUT.errors.jsonl``, whose committed length the manifest records too.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
from collections import OrderedDict
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serving.readers import InputError, Record
from serving.schema import Document, Prediction

MANIFEST = "_manifest.json"


@dataclass
class Summary:
    scored: int = 0
    skipped: int = 0
    failed: int = 0
    duplicates: int = 0
    topic_counts: dict[str, int] = field(default_factory=dict)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def input_fingerprint(source: str) -> str:
    path = Path(source)
    if source == "-" or not path.exists():
        return source
    stat = path.stat()
    return f"{path.resolve()}|{stat.st_size}|{int(stat.st_mtime)}"


def actor_rows(pred: Prediction) -> list[dict[str, Any]]:
    """Actors in a fixed, columnar shape (stances as a list, so every Parquet part has one schema)."""
    return [
        {
            "name": actor.name,
            "type": actor.type,
            "mentions": [{"start": a, "end": b} for a, b in actor.mentions],
            "stances": [{"topic": topic, **stance.model_dump()} for topic, stance in actor.stances.items()],
        }
        for actor in pred.actors
    ]


def actors_arrow_type() -> Any:
    import pyarrow as pa

    mention = pa.struct([("start", pa.int32()), ("end", pa.int32())])
    stance = pa.struct(
        [("topic", pa.string()), ("stance", pa.string()), ("probability", pa.float64()), ("evidence", pa.string())]
    )
    return pa.list_(
        pa.struct(
            [
                ("name", pa.string()),
                ("type", pa.string()),
                ("mentions", pa.list_(mention)),
                ("stances", pa.list_(stance)),
            ]
        )
    )


def prediction_row(pred: Prediction, record: Record) -> dict[str, Any]:
    row: dict[str, Any] = {"id": pred.id, "source_file": record.source, "source_line": record.line}
    for label, score in pred.topics.items():
        row[f"{label}_probability"] = score.probability
        row[f"{label}_present"] = score.present
    row["topics"] = pred.present_topics()
    row["actors"] = actor_rows(pred)
    row["n_windows"] = pred.n_windows
    row["model_name"] = pred.model_name
    row["model_version"] = pred.model_version or ""
    return row


class PartWriter:
    """Commits parts and the manifest; knows what earlier runs committed."""

    def __init__(self, out: Path, fmt: str, identity: dict[str, str], overwrite: bool) -> None:
        self.out, self.fmt = out, fmt
        self.errors_path = out.with_name(out.name + ".errors.jsonl")
        manifest_path = out / MANIFEST
        if overwrite and out.exists():
            shutil.rmtree(out)
            self.errors_path.unlink(missing_ok=True)
        out.mkdir(parents=True, exist_ok=True)
        if manifest_path.is_file():
            self.manifest = json.loads(manifest_path.read_text())
            before = self.manifest["identity"]
            if before != identity:
                changed = sorted(k for k in set(identity) | set(before) if before.get(k) != identity.get(k))
                raise InputError(
                    f"{out} was written with a different {', '.join(changed)} "
                    f"({', '.join(f'{k}={before.get(k)!r}' for k in changed)}); "
                    "rerun with --overwrite to start over, or choose another output"
                )
        else:
            self.manifest = {
                "identity": identity,
                "parts": [],
                "consumed": 0,
                "errors_bytes": 0,
                "scored": 0,
                "failed": 0,
            }
        for stale in out.glob("*.tmp"):
            stale.unlink()
        for orphan in out.glob("part-*"):
            if orphan.name not in {p["file"] for p in self.manifest["parts"]}:
                orphan.unlink()  # written by a run killed before its manifest commit
        with self.errors_path.open("ab") as handle:
            handle.truncate(self.manifest["errors_bytes"])

    @property
    def consumed(self) -> int:
        return int(self.manifest["consumed"])

    def commit(self, rows: list[dict[str, Any]], errors: list[dict[str, Any]], consumed: int) -> None:
        index = len(self.manifest["parts"])
        name = f"part-{index:05d}.{self.fmt}"
        if rows:
            _atomic_write(self.out / name, self._encode(rows))
        with self.errors_path.open("ab") as handle:
            handle.write("".join(json.dumps(e) + "\n" for e in errors).encode())
            handle.flush()
            os.fsync(handle.fileno())
            errors_bytes = handle.tell()
        if rows:
            self.manifest["parts"].append({"file": name, "rows": len(rows)})
        self.manifest.update(
            consumed=consumed,
            errors_bytes=errors_bytes,
            scored=self.manifest["scored"] + len(rows),
            failed=self.manifest["failed"] + len(errors),
        )
        _atomic_write(self.out / MANIFEST, json.dumps(self.manifest, indent=1).encode())

    def _encode(self, rows: list[dict[str, Any]]) -> bytes:
        if self.fmt == "jsonl":
            return "".join(json.dumps(r) + "\n" for r in rows).encode()
        import pyarrow as pa
        import pyarrow.parquet as pq

        sink = pa.BufferOutputStream()
        table = pa.Table.from_pylist(rows)
        fixed = {"topics": pa.list_(pa.string()), "actors": actors_arrow_type()}
        for column, kind in fixed.items():  # empty lists must not infer a null type: parts share one schema
            if column in table.column_names:
                index = table.column_names.index(column)
                table = table.set_column(index, column, pa.array([r[column] for r in rows], kind))
        pq.write_table(table, sink, compression="zstd")
        return bytes(sink.getvalue().to_pybytes())


class DedupCache:
    """Predictions of recently seen texts (bounded LRU), so duplicates are scored once."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self.items: OrderedDict[str, Prediction] = OrderedDict()

    @staticmethod
    def key(doc: Document) -> str:
        return hashlib.blake2b(doc.full_text().encode(), digest_size=16).hexdigest()

    def get(self, key: str) -> Prediction | None:
        if key in self.items:
            self.items.move_to_end(key)
        return self.items.get(key)

    def put(self, key: str, prediction: Prediction) -> None:
        self.items[key] = prediction
        if len(self.items) > self.size:
            self.items.popitem(last=False)


@dataclass
class PartPlan:
    """One part's records: its bad ones, its documents with their dedup keys, and the texts to score."""

    errors: list[dict[str, Any]]
    good: list[Record]
    docs: list[Document]
    keys: list[str]
    todo: dict[str, Document]


def plan_part(records: Sequence[Record], cache: DedupCache, in_flight: Container[str] = ()) -> PartPlan:
    """Split a part; a text already predicted (``cache``) or being predicted (``in_flight``) is not redone."""
    errors = [{"source": r.source, "line": r.line, "reason": r.error} for r in records if r.error]
    good = [r for r in records if not r.error]
    docs = [Document(id=r.id or f"{Path(r.source).name}:{r.line}", title=r.title, text=r.text or "") for r in good]
    keys = [DedupCache.key(d) for d in docs]
    todo: dict[str, Document] = {}
    for key, doc in zip(keys, docs, strict=True):
        if key not in todo and key not in in_flight and cache.get(key) is None:
            todo[key] = doc
    return PartPlan(errors, good, docs, keys, todo)


def finish_part(plan: PartPlan, cache: DedupCache) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The part's output rows, once every text it needs is in ``cache``; and its errors."""
    rows = []
    for key, doc, record in zip(plan.keys, plan.docs, plan.good, strict=True):
        cached = cache.get(key)
        assert cached is not None
        rows.append(prediction_row(cached.model_copy(update={"id": doc.id}), record))
    return rows, plan.errors


def score_part(
    records: Sequence[Record],
    predict: Callable[[list[Document]], list[Prediction]],
    cache: DedupCache,
    summary: Summary,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Score one part's good records (each distinct text once); collect its bad ones."""
    plan = plan_part(records, cache)
    summary.duplicates += len(plan.docs) - len(plan.todo)
    for key, pred in zip(plan.todo, predict(list(plan.todo.values())), strict=True):
        cache.put(key, pred)
    return finish_part(plan, cache)


def balanced_slices(todo: dict[str, Document], n: int) -> list[dict[str, Document]]:
    """``todo`` cut into at most ``n`` slices of about equal text length (longest first, into the lightest)."""
    slices: list[dict[str, Document]] = [{} for _ in range(max(1, n))]
    loads = [0] * len(slices)
    for key, doc in sorted(todo.items(), key=lambda item: -len(item[1].text)):
        lightest = loads.index(min(loads))
        slices[lightest][key] = doc
        loads[lightest] += len(doc.text)
    return [s for s in slices if s]


def chunks(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    while batch := list(itertools.islice(records, size)):
        yield batch
