"""Spike-preserving decimation: keep the first and last point and every bucket's min and max.

>>> import numpy as np
>>> y = np.zeros(10_000); y[1234] = 99.0
>>> idx = minmax_indices(y, 100)
>>> len(idx) <= 100, 1234 in idx, int(idx[0]), int(idx[-1])
(True, True, 0, 9999)
"""

from __future__ import annotations

import numpy as np


def minmax_indices(y: np.ndarray, max_points: int) -> np.ndarray:
    """Sorted indices of at most ``max_points`` points of ``y`` that keep its shape.

    Each bucket contributes its minimum, its maximum and, if it holds any NaN,
    its first NaN (so gaps stay gaps). Infinite values count as extremes.
    """
    n = len(y)
    if max_points < 5:
        raise ValueError(f"max_points must be at least 5, got {max_points}")
    if n <= max_points:
        return np.arange(n)
    buckets = (max_points - 2) // 3
    size = -(-n // buckets)  # ceil
    full = n // size
    nan = np.isnan(y)
    lows = np.where(nan, np.inf, y)
    highs = np.where(nan, -np.inf, y)
    parts = [np.array([0, n - 1])]
    if full:
        offsets = np.arange(full) * size
        m = full * size
        parts.append(offsets + lows[:m].reshape(full, size).argmin(axis=1))
        parts.append(offsets + highs[:m].reshape(full, size).argmax(axis=1))
        nan_rows = nan[:m].reshape(full, size)
        has_nan = nan_rows.any(axis=1)
        parts.append(offsets[has_nan] + nan_rows[has_nan].argmax(axis=1))
    if full * size < n:
        start = full * size
        parts.append(np.array([start + lows[start:].argmin(), start + highs[start:].argmax()]))
        if nan[start:].any():
            parts.append(np.array([start + int(nan[start:].argmax())]))
    return np.unique(np.concatenate(parts))
