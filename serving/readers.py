"""Streaming readers for corpora: JSONL, CSV, Parquet, folders of .txt/.md, or JSONL on stdin.

Each yields ``Record`` items in a fixed order, one at a time, so memory does not grow with the input.
A malformed line or row yields a ``Record`` with ``error`` set instead of stopping the run.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEXT_SUFFIXES = (".txt", ".md")


class InputError(ValueError):
    """The input as a whole cannot be read (missing, unreadable, unsupported)."""


@dataclass
class Record:
    source: str
    line: int
    id: str | None = None
    title: str | None = None
    text: str | None = None
    error: str | None = None


def _from_mapping(raw: Any, source: str, line: int) -> Record:
    if not isinstance(raw, dict):
        return Record(source, line, error=f"expected a JSON object, found {type(raw).__name__}")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        found = "missing" if text is None else f"{type(text).__name__} {str(text)[:40]!r}"
        return Record(source, line, error=f"field 'text': expected a non-empty string, found {found}")
    title = raw.get("title")
    doc_id = raw.get("id")
    return Record(
        source,
        line,
        id=None if doc_id is None else str(doc_id),
        title=title if isinstance(title, str) else None,
        text=text,
    )


def _jsonl(stream: io.BufferedIOBase | Any, source: str) -> Iterator[Record]:
    for number, raw_line in enumerate(stream, start=1):
        if not raw_line.strip():
            continue
        try:
            raw = json.loads(raw_line.decode("utf-8") if isinstance(raw_line, bytes) else raw_line)
        except UnicodeDecodeError as error:
            yield Record(source, number, error=f"not UTF-8 ({error.reason})")
            continue
        except json.JSONDecodeError as error:
            yield Record(source, number, error=f"invalid JSON ({error.msg} at column {error.colno})")
            continue
        yield _from_mapping(raw, source, number)


def _csv(path: Path) -> Iterator[Record]:
    with path.open("rb") as binary:
        text_stream = io.TextIOWrapper(binary, encoding="utf-8", errors="strict", newline="")
        reader = csv.DictReader(text_stream)
        try:
            columns = reader.fieldnames or []
        except UnicodeDecodeError as error:
            raise InputError(f"{path}: header is not UTF-8 ({error.reason}); re-encode the file") from None
        if "text" not in columns:
            raise InputError(f"{path}: expected a 'text' column, found columns {columns}")
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as error:
                yield Record(str(path), reader.line_num + 1, error=f"not UTF-8 ({error.reason}); rest of file skipped")
                return
            except csv.Error as error:
                yield Record(str(path), reader.line_num, error=f"malformed CSV ({error})")
                continue
            yield _from_mapping({k: v for k, v in row.items() if k is not None and v != ""}, str(path), reader.line_num)


def _parquet(path: Path, batch_rows: int = 2048) -> Iterator[Record]:
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path)
    names = handle.schema_arrow.names
    if "text" not in names:
        raise InputError(f"{path}: expected a 'text' column, found columns {names}")
    columns = [c for c in ("id", "title", "text") if c in names]
    row = 0
    for batch in handle.iter_batches(batch_size=batch_rows, columns=columns):
        for item in batch.to_pylist():
            row += 1
            yield _from_mapping(item, str(path), row)


def _looks_like_title(line: str) -> bool:
    stripped = line.strip().lstrip("#").strip()
    return (0 < len(stripped) <= 200 and not stripped.endswith((".", ",", ";", ":"))) or line.startswith("#")


def _folder(path: Path) -> Iterator[Record]:
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
    if not files:
        raise InputError(f"{path}: no .txt or .md files in this folder")
    for file in files:
        doc_id = str(file.relative_to(path).with_suffix(""))
        try:
            content = file.read_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            yield Record(str(file), 1, error=f"not UTF-8 ({error.reason})")
            continue
        first, _, rest = content.lstrip("\ufeff").partition("\n")
        if rest.strip() and _looks_like_title(first):
            title, text = first.strip().lstrip("#").strip(), rest.strip()
        else:
            title, text = None, content.strip()
        yield _from_mapping({"id": doc_id, "title": title, "text": text}, str(file), 1)


def read_records(source: str) -> Iterator[Record]:
    """Records of ``source``: a .jsonl/.csv/.parquet file, a folder of .txt/.md files, or '-' (stdin)."""
    if source == "-":
        yield from _jsonl(sys.stdin.buffer, "<stdin>")
        return
    path = Path(source)
    if not path.exists():
        raise InputError(f"{source}: no such file or folder")
    if path.is_dir():
        yield from _folder(path)
        return
    suffix = path.suffix.lower()
    try:
        if suffix in (".jsonl", ".json", ".ndjson"):
            with path.open("rb") as handle:
                yield from _jsonl(handle, str(path))
        elif suffix == ".csv":
            yield from _csv(path)
        elif suffix == ".parquet":
            yield from _parquet(path)
        else:
            raise InputError(
                f"{source}: expected .jsonl, .csv, .parquet, a folder of .txt/.md files, or -; found '{suffix}'"
            )
    except PermissionError:
        raise InputError(f"{source}: permission denied") from None


def count_records(source: str) -> int | None:
    """How many records ``source`` holds when that is cheap to know (for the progress bar's ETA)."""
    path = Path(source)
    if source == "-" or not path.exists():
        return None
    if path.is_dir():
        return sum(1 for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        with path.open("rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return None
