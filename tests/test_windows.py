"""Windowing covers every token with overlap; pooling aggregates per document."""

from __future__ import annotations

import numpy as np
import pytest

from serving.windows import WindowSpec, length_batches, pad_batch, pool, split_ids


def test_short_text_is_one_window() -> None:
    assert split_ids(list(range(5)), WindowSpec(16, 8)) == [list(range(5))]


def test_long_text_is_covered_with_overlap() -> None:
    spec = WindowSpec(max_length=10, stride=6)  # 8 body tokens per window
    ids = list(range(30))
    windows = split_ids(ids, spec)
    assert [w[0] for w in windows] == [0, 6, 12, 18, 24]
    assert all(len(w) <= 8 for w in windows)
    assert sorted({t for w in windows for t in w}) == ids  # nothing cut
    assert windows[-1][-1] == 29


def test_window_spec_validation() -> None:
    with pytest.raises(ValueError, match="stride"):
        WindowSpec(max_length=10, stride=9)


def test_pooling_mean_max_meanmax() -> None:
    vectors = np.array([[1.0, 0.0], [3.0, 2.0], [5.0, 5.0]], dtype=np.float32)
    owners = [0, 0, 1]
    np.testing.assert_allclose(pool(vectors, owners, 2, "mean"), [[2.0, 1.0], [5.0, 5.0]])
    np.testing.assert_allclose(pool(vectors, owners, 2, "max"), [[3.0, 2.0], [5.0, 5.0]])
    assert pool(vectors, owners, 2, "meanmax").shape == (2, 4)
    # the first window beside the mean of all windows: [1, 0] + [2, 1] for doc 0, [5, 5] twice for doc 1
    np.testing.assert_allclose(pool(vectors, owners, 2, "firstmean"), [[1.0, 0.0, 2.0, 1.0], [5.0, 5.0, 5.0, 5.0]])
    with pytest.raises(ValueError, match="aggregation"):
        pool(vectors, owners, 2, "median")


def test_batches_group_by_length_and_pad() -> None:
    windows = [[1] * 5, [1] * 2, [1] * 9, [1] * 3]
    batches = length_batches(windows, 2)
    assert batches == [[1, 3], [0, 2]]
    ids, mask = pad_batch([windows[i] for i in batches[1]], pad_id=0)
    assert ids.shape == (2, 9) and mask.sum() == 14
