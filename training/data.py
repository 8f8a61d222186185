"""Load and validate labelled corpora (JSONL or CSV) and build ``datasets.Dataset`` splits."""

from __future__ import annotations

import csv
import json
import random
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from serving.schema import join_title

SPLITS = ("train", "dev", "test")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class DataError(ValueError):
    """A corpus record is malformed; the message names file, line, field, expected and found."""


class ActorRecord(BaseModel):
    """One gold actor with its per-topic stances and evidence quotes."""

    model_config = ConfigDict(extra="ignore")

    name: str
    type: str
    stances: dict[str, Literal["favor", "against", "neutral"]] = Field(default_factory=dict)
    evidence: dict[str, str] = Field(default_factory=dict)


class Article(BaseModel):
    """One labelled article as stored in the corpus."""

    model_config = ConfigDict(extra="ignore")

    id: str
    text: str
    title: str | None = None
    source: str | None = None
    topics: list[str] = Field(default_factory=list)
    actors: list[ActorRecord] = Field(default_factory=list)
    split: Literal["train", "dev", "test"] | None = None

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty")
        return value

    def full_text(self) -> str:
        return join_title(self.title, self.text)

    def lead(self, sentences: int) -> str:
        """The headline and the first ``sentences`` sentences of the body: a short view of the article."""
        body = " ".join(SENTENCE_END.split(self.text.strip())[:sentences])
        return join_title(self.title, body)

    def source_group(self) -> str:
        """The source up to its first ':' ("EUvsDisinfo case: Sputnik Italia" -> "EUvsDisinfo case")."""
        return (self.source or "").split(":", 1)[0].strip()


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "(record)"
    found = first.get("input")
    shown = repr(found) if not isinstance(found, dict) else "an object"
    if len(shown) > 60:
        shown = shown[:57] + "..."
    kind = "missing" if first["type"] == "missing" else f"found {type(found).__name__} {shown}"
    return f"field '{field}': {first['msg'].lower()} ({kind})"


def _validate(raw: Any, where: str) -> Article:
    if not isinstance(raw, dict):
        raise DataError(f"{where}: expected a JSON object per line, found {type(raw).__name__}")
    try:
        return Article.model_validate(raw)
    except ValidationError as error:
        raise DataError(f"{where}: {_describe(error)}; fix or remove this record") from None


def _iter_jsonl(path: Path) -> Iterator[Article]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            where = f"{path}:{number}"
            if not line.strip():
                continue
            try:
                raw = json.loads(line.decode("utf-8"))
            except UnicodeDecodeError as error:
                raise DataError(f"{where}: not UTF-8 text ({error.reason}); re-encode the file as UTF-8") from None
            except json.JSONDecodeError as error:
                raise DataError(f"{where}: invalid JSON ({error.msg} at column {error.colno})") from None
            yield _validate(raw, where)


def _iter_csv(path: Path) -> Iterator[Article]:
    try:
        handle = path.open(newline="", encoding="utf-8")
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text ({error.reason}); re-encode the file as UTF-8") from None
    with handle:
        if "text" not in columns:
            raise DataError(f"{path}:1: expected a 'text' column, found columns {columns}")
        row_number = 1
        try:
            for row_number, row in enumerate(reader, start=2):
                raw: dict[str, Any] = {k: v for k, v in row.items() if k is not None and v not in (None, "")}
                raw.setdefault("id", f"{path.stem}-{row_number}")
                raw["topics"] = [t.strip() for t in (row.get("topics") or "").split(";") if t.strip()]
                raw.setdefault("text", "")
                yield _validate(raw, f"{path}:{row_number}")
        except UnicodeDecodeError as error:
            raise DataError(f"{path}:{row_number + 1}: not UTF-8 text ({error.reason})") from None


def load_articles(path: str | Path) -> list[Article]:
    """Read every record of a JSONL or CSV corpus, validating each one."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: corpus file not found; pass a .jsonl or .csv file")
    readers = {".jsonl": _iter_jsonl, ".json": _iter_jsonl, ".csv": _iter_csv}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise DataError(f"{path}: expected a .jsonl or .csv corpus, found '{path.suffix}'")
    articles = list(reader(path))
    if not articles:
        raise DataError(f"{path}: the corpus has no records")
    _check_unique_ids(articles, path)
    return articles


def _check_unique_ids(articles: Sequence[Article], path: Path) -> None:
    seen: set[str] = set()
    for article in articles:
        if article.id in seen:
            raise DataError(f"{path}: id '{article.id}' occurs twice; ids must be unique")
        seen.add(article.id)


def label_set(articles: Sequence[Article], configured: Sequence[str] | None = None) -> list[str]:
    """The topic labels: the configured list, else every topic seen in the data (sorted)."""
    seen = sorted({t for a in articles for t in a.topics})
    if not configured:
        if not seen:
            raise DataError("the corpus has no topic labels; add 'topics' to some records")
        return seen
    unknown = sorted(set(seen) - set(configured))
    if unknown:
        raise DataError(f"corpus topics {unknown} are not in the configured labels {list(configured)}")
    return list(configured)


def assign_splits(articles: list[Article], ratios: tuple[float, float, float], seed: int) -> None:
    """Give records without a ``split`` one at random (train/dev/test by ``ratios``)."""
    missing = [a for a in articles if a.split is None]
    rng = random.Random(seed)
    rng.shuffle(missing)
    n_train = round(len(missing) * ratios[0])
    n_dev = round(len(missing) * ratios[1])
    for i, article in enumerate(missing):
        article.split = "train" if i < n_train else "dev" if i < n_train + n_dev else "test"


@dataclass
class Corpus:
    """A validated corpus split three ways, with its label set."""

    labels: list[str]
    splits: dict[str, list[Article]]

    def texts(self, split: str) -> list[str]:
        return [a.full_text() for a in self.splits[split]]

    def targets(self, split: str) -> list[list[int]]:
        return [[int(label in a.topics) for label in self.labels] for a in self.splits[split]]

    def source_weights(self, split: str, power: float) -> np.ndarray:
        """Per document, (documents of its source group in the split) ** -power, scaled to mean 1."""
        groups = [a.source_group() for a in self.splits[split]]
        sizes = Counter(groups)
        weights = np.array([sizes[g] ** -power for g in groups], dtype=np.float64)
        return np.asarray(weights / weights.mean())

    def dataset(self, split: str) -> Any:
        """The split as a ``datasets.Dataset`` (id, text, source, labels)."""
        from datasets import Dataset

        rows = self.splits[split]
        return Dataset.from_dict(
            {
                "id": [a.id for a in rows],
                "text": self.texts(split),
                "source": [a.source or "" for a in rows],
                "labels": self.targets(split),
            }
        )


def build_corpus(
    path: str | Path,
    labels: Sequence[str] | None = None,
    ratios: tuple[float, float, float] = (0.7, 0.15, 0.15),
    seed: int = 13,
) -> Corpus:
    """Load, validate and split a corpus; fail clearly when a split is empty."""
    articles = load_articles(path)
    names = label_set(articles, labels)
    assign_splits(articles, ratios, seed)
    splits = {name: [a for a in articles if a.split == name] for name in SPLITS}
    for name, rows in splits.items():
        if not rows:
            raise DataError(f"{path}: split '{name}' is empty; add records to it or drop the 'split' field")
    return Corpus(labels=names, splits=splits)
