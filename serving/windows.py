"""Split long texts into overlapping token windows and pool window scores back per document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

AGGREGATIONS = ("mean", "max", "meanmax", "firstmean")
WIDE = ("meanmax", "firstmean")  # two vectors side by side


@dataclass(frozen=True)
class WindowSpec:
    """Window length in tokens (specials included) and the step between window starts."""

    max_length: int = 256
    stride: int = 192

    def __post_init__(self) -> None:
        if self.max_length < 8:
            raise ValueError(f"window max_length must be at least 8 tokens, found {self.max_length}")
        if not 1 <= self.stride <= self.max_length - 2:
            raise ValueError(
                f"window stride must be between 1 and max_length - 2 ({self.max_length - 2}), found {self.stride}"
            )


@dataclass
class WindowVectors:
    """Per-window embeddings of some texts and the text (index) each window belongs to."""

    vectors: np.ndarray
    owners: list[int]
    n_docs: int

    def pooled(self, how: str) -> np.ndarray:
        return pool(self.vectors, self.owners, self.n_docs, how)

    def first(self) -> np.ndarray:
        """Each text's first window (the lead), one row per text."""
        starts = np.searchsorted(np.asarray(self.owners), np.arange(self.n_docs))
        return np.asarray(self.vectors[starts])


def split_ids(ids: Sequence[int], spec: WindowSpec) -> list[list[int]]:
    """Cut one token sequence (no specials) into windows covering every token."""
    body = spec.max_length - 2
    if len(ids) <= body:
        return [list(ids)]
    windows = []
    start = 0
    while True:
        windows.append(list(ids[start : start + body]))
        if start + body >= len(ids):
            return windows
        start += spec.stride


def token_ids(tokenizer: Any, texts: Sequence[str]) -> list[list[int]]:
    """Every text's token ids, without special tokens (the input of ``windows_of``)."""
    return list(tokenizer(list(texts), add_special_tokens=False, verbose=False)["input_ids"])


def windows_of(tokenizer: Any, encoded: Sequence[Sequence[int]], spec: WindowSpec) -> tuple[list[list[int]], list[int]]:
    """Windows of tokenized texts: (input ids with [CLS]/[SEP], owning text index per window)."""
    windows: list[list[int]] = []
    owners: list[int] = []
    for index, ids in enumerate(encoded):
        for window in split_ids(ids, spec):
            windows.append([tokenizer.cls_token_id, *window, tokenizer.sep_token_id])
            owners.append(index)
    return windows, owners


def tokenize_windows(tokenizer: Any, texts: Sequence[str], spec: WindowSpec) -> tuple[list[list[int]], list[int]]:
    """Windows for many texts: (input ids with [CLS]/[SEP], owning text index per window)."""
    return windows_of(tokenizer, token_ids(tokenizer, texts), spec)


def pad_batch(windows: Sequence[Sequence[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad windows to the longest one: (input_ids, attention_mask) as int64 arrays."""
    width = max(len(w) for w in windows)
    ids = np.full((len(windows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(windows), width), dtype=np.int64)
    for row, window in enumerate(windows):
        ids[row, : len(window)] = window
        mask[row, : len(window)] = 1
    return ids, mask


def length_batches(windows: Sequence[Sequence[int]], batch_size: int) -> list[list[int]]:
    """Window indices grouped by similar length, so padding wastes little compute."""
    order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def pool(vectors: np.ndarray, owners: Sequence[int], n_docs: int, how: str) -> np.ndarray:
    """Pool per-window rows into per-document rows: mean, max, mean and max side by side, or the first
    window (the lead) beside the mean of all windows (every window still counts)."""
    if how not in AGGREGATIONS:
        raise ValueError(f"aggregation must be one of {AGGREGATIONS}, found '{how}'")
    owners_arr = np.asarray(owners)
    width = vectors.shape[1] * (2 if how in WIDE else 1)
    out = np.zeros((n_docs, width), dtype=np.float32)
    for doc in range(n_docs):
        rows = vectors[owners_arr == doc]
        if how == "mean":
            out[doc] = rows.mean(axis=0)
        elif how == "max":
            out[doc] = rows.max(axis=0)
        elif how == "meanmax":
            out[doc] = np.concatenate([rows.mean(axis=0), rows.max(axis=0)])
        else:
            out[doc] = np.concatenate([rows[0], rows.mean(axis=0)])
    return out
