"""narrow(): int32 steps and float32 values on the wire, float64 where float32 would change a pixel."""

from __future__ import annotations

import numpy as np

from lossplot_widget.render.wire import narrow


def test_integers_and_integral_floats_become_int32():
    assert narrow(np.arange(10, dtype=np.int64)).dtype == np.int32
    assert narrow(np.arange(10.0)).dtype == np.int32
    big = np.array([0, 2**40], dtype=np.int64)  # a step beyond int32: exact as float64
    out = narrow(big)
    assert out.dtype == np.float64 and out[-1] == 2**40


def test_values_become_float32_with_gaps_kept():
    y = np.array([0.5, np.nan, 0.25, 1e-3])
    out = narrow(y)
    assert out.dtype == np.float32 and np.isnan(out[1]) and out[3] == np.float32(1e-3)


def test_float64_where_float32_cannot_resolve_the_span_or_the_magnitude():
    flat = 2.302585 + np.arange(100) * 1e-7  # a plateau float32 would draw as a staircase
    assert narrow(flat).dtype == np.float64
    assert narrow(np.array([1.0, 1e300])).dtype == np.float64  # beyond float32: inf
    assert narrow(np.array([1.0, 1e-40])).dtype == np.float64  # below float32's normal range
    assert narrow(np.array([2.302585, 2.31])).dtype == np.float32  # 0.3% of the magnitude: resolved


def test_empty_constant_and_all_nan():
    assert narrow(np.empty(0)).dtype == np.float32
    assert narrow(np.full(3, 0.1)).dtype == np.float32  # a constant: one level, float32 is exact enough
    assert narrow(np.full(3, np.nan)).dtype == np.float32
