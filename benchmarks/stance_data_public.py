"""Loaders for the public stance benchmarks in ``../shared/benchmarks`` (or a directory given on the command line).

Every loader returns ``Split`` objects: sequence pairs ``(target, text)`` as the stance cross-encoder
reads them, string labels, and a group per example (target or sub-set) for per-group metrics.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

# the official SemEval-2016 Task 6 target names for the TweetEval folder names
SEMEVAL_TARGETS = {
    "abortion": "Legalization of Abortion",
    "atheism": "Atheism",
    "climate": "Climate Change is a Real Concern",
    "feminist": "Feminist Movement",
    "hillary": "Hillary Clinton",
}
SEMEVAL_LABELS = {"0": "none", "1": "against", "2": "favor"}
NEWSMTSC_LABELS = {2.0: "against", 4.0: "neutral", 6.0: "favor"}  # negative / neutral / positive
VAST_LABELS = {"0": "against", "1": "favor", "2": "neutral"}  # con / pro / neutral


@dataclass
class Split:
    pairs: list[tuple[str, str]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)

    def add(self, target: str, text: str, label: str, group: str) -> None:
        self.pairs.append((target, text))
        self.labels.append(label)
        self.groups.append(group)

    def __len__(self) -> int:
        return len(self.labels)

    def sample(self, n: int, seed: int) -> Split:
        """At most ``n`` examples, drawn at random (fixed seed); the whole split when it is smaller."""
        if n <= 0 or len(self) <= n:
            return self
        keep = sorted(random.Random(seed).sample(range(len(self)), n))
        return Split([self.pairs[i] for i in keep], [self.labels[i] for i in keep], [self.groups[i] for i in keep])

    def __add__(self, other: Split) -> Split:
        return Split(self.pairs + other.pairs, self.labels + other.labels, self.groups + other.groups)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def semeval(root: Path) -> dict[str, Split]:
    out = {s: Split() for s in ("train", "val", "test")}
    for folder, target in SEMEVAL_TARGETS.items():
        for split, data in out.items():
            texts = (
                (root / "semeval2016_stance" / folder / f"{split}_text.txt").read_text(encoding="utf-8").splitlines()
            )
            labels = (root / "semeval2016_stance" / folder / f"{split}_labels.txt").read_text().split()
            for text, label in zip(texts, labels, strict=True):
                data.add(target, text.strip(), SEMEVAL_LABELS[label], folder)
    return out


def pstance(root: Path) -> dict[str, Split]:
    out = {s: Split() for s in ("train", "val", "test")}
    for split, data in out.items():
        for who in ("trump", "biden", "bernie"):
            for row in _read_csv(root / "pstance" / f"raw_{split}_{who}.csv"):
                data.add(row["Target"], row["Tweet"], row["Stance"].lower(), row["Target"])
    return out


def newsmtsc(root: Path) -> dict[str, Split]:
    """One example per target mention; the mention is bracketed in the sentence so the model sees which one."""
    out = {}
    for split, name in (("train", "train"), ("devtest_mt", "devtest_mt"), ("devtest_rw", "devtest_rw")):
        data = Split()
        for line in (root / "newsmtsc" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            sentence = row["sentence_normalized"]
            for target in row["targets"]:
                start, end = int(target["from"]), int(target["to"])
                marked = f"{sentence[:start]}[{sentence[start:end]}]{sentence[end:]}"
                data.add(target["mention"], marked, NEWSMTSC_LABELS[float(target["polarity"])], name)
        out[split] = data
    return out


def vast(root: Path) -> dict[str, Split]:
    out = {}
    for split in ("dev", "test"):
        data = Split()
        for row in _read_csv(root / "vast" / f"vast_{split}.reduced.csv"):
            data.add(row["Target"], row["Tweet"], VAST_LABELS[row["Stance"]], "few" if row["seen?"] == "1" else "zero")
        out[split] = data
    return out


def fnc1(root: Path) -> Split:
    """The FNC-1 competition test pairs (headline, body); labels agree/disagree/discuss/unrelated."""
    bodies = {row["Body ID"]: row["articleBody"] for row in _read_csv(root / "fnc1" / "competition_test_bodies.csv")}
    data = Split()
    for row in _read_csv(root / "fnc1" / "competition_test_stances.csv"):
        data.add(row["Headline"], bodies[row["Body ID"]], row["Stance"], row["Body ID"])
    return data
