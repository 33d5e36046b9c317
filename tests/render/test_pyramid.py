from __future__ import annotations

import numpy as np
import pytest

from lossplot_widget.render.pyramid import BLOCK, FANOUT, MinMaxPyramid


def _pyramid(y, chunks=None, rng=None):
    p = MinMaxPyramid(lambda a, b: y[a:b])
    if chunks is None:
        p.extend(y)
    else:
        pos = 0
        while pos < len(y):
            c = int(rng.integers(1, chunks))
            p.extend(y[pos : pos + c])
            pos += c
    return p


def _random_series(rng, n):
    y = rng.normal(size=n) * 10 ** rng.uniform(-3, 3)
    for _ in range(int(rng.integers(0, 5))):
        y[rng.integers(n)] = rng.choice([np.nan, np.inf, -np.inf])
    return y


@pytest.mark.parametrize("seed", range(40))
def test_select_keeps_ends_extremes_and_gaps_of_any_range(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300_000))
    y = _random_series(rng, n)
    p = _pyramid(y, chunks=30_000, rng=rng)
    assert p.size == n
    lo = 0 if seed % 3 == 0 else int(rng.integers(0, n))
    hi = n if seed % 3 == 0 else int(rng.integers(lo + 1, n + 1))
    buckets = int(rng.integers(3, 700))
    log = bool(seed % 2)
    idx, vals = p.select(lo, hi, buckets, log)
    assert len(idx) <= 3 * buckets + 2
    assert idx[0] == lo and idx[-1] == hi - 1 and np.all(np.diff(idx) > 0)
    seg = y[lo:hi]
    if hi - lo <= 3 * buckets + 2:
        np.testing.assert_array_equal(idx, np.arange(lo, hi))
        np.testing.assert_array_equal(vals, seg)
        return
    real = ~np.isnan(vals)
    np.testing.assert_array_equal(vals[real], y[idx][real])  # values are the series' own
    finite = np.isfinite(seg)
    if finite.any():
        assert lo + int(np.where(finite, seg, -np.inf).argmax()) in idx or seg[finite].max() in vals
        low = np.where(finite & (seg > 0), seg, np.inf) if log else np.where(finite, seg, np.inf)
        if np.isfinite(low.min()):
            assert low.min() in vals
    bad = ~(finite & (seg > 0)) if log else ~finite
    assert np.isnan(vals).any() == bad.any()


def test_kept_points_envelope_every_point():
    rng = np.random.default_rng(7)
    n = BLOCK * FANOUT**3 * 5 + 17
    y = rng.normal(size=n)
    buckets = 200
    idx, vals = _pyramid(y).select(0, n, buckets)
    # every point lies within the min..max of the kept points at most a few buckets away
    reach = 3 * n // buckets
    for j in rng.integers(0, n, 2000):
        near = (idx >= j - reach) & (idx <= j + reach)
        assert vals[near].min() <= y[j] <= vals[near].max()


def test_chunked_and_whole_extends_agree():
    rng = np.random.default_rng(3)
    y = _random_series(rng, 100_000)
    a, b = _pyramid(y), _pyramid(y, chunks=5000, rng=rng)
    assert len(a.levels) == len(b.levels)
    for ta, tb in zip(a.levels, b.levels):
        np.testing.assert_array_equal(ta.vals[: ta.size], tb.vals[: tb.size])
        np.testing.assert_array_equal(ta.ints[: ta.size], tb.ints[: tb.size])
    for lo, hi in [(0, 100_000), (12_345, 99_999), (70_000, 70_500)]:
        np.testing.assert_array_equal(a.select(lo, hi, 300)[0], b.select(lo, hi, 300)[0])


def test_spike_and_gap_in_ten_million_are_kept_in_bounded_output():
    n = 10_000_000
    y = np.linspace(1.0, 0.1, n)
    y[7_654_321] = 50.0
    y[2_222_222] = np.nan
    p = MinMaxPyramid(lambda a, b: y[a:b])
    for lo in range(0, n, 1 << 20):
        p.extend(y[lo : lo + (1 << 20)])
    idx, vals = p.select(0, n, buckets=666)
    assert len(idx) <= 2000
    assert 7_654_321 in idx and vals[idx == 7_654_321][0] == 50.0
    assert 2_222_222 in idx and np.isnan(vals[idx == 2_222_222][0])
    assert p.nbytes / n < 2.0  # bytes of summaries per point


def test_counts_nonpositive():
    p = MinMaxPyramid(lambda a, b: np.empty(0))
    p.extend(np.array([1.0, 0.0, -1.0, np.nan, -np.inf]))
    assert p.nonpositive == 3


def test_the_cached_summary_of_complete_rows_matches_a_fresh_pyramid_as_the_series_grows():
    rng = np.random.default_rng(3)
    y = rng.normal(size=60_000)
    grown = MinMaxPyramid(lambda a, b: y[a:b])
    grown.extend(y[:50_000])
    for n in list(range(50_000, 50_300, 7)) + [51_200, 59_999]:  # within a row, across rows, and zoomed
        grown.extend(y[grown.size : n])
        fresh = MinMaxPyramid(lambda a, b: y[a:b])
        fresh.extend(y[:n])
        for lo, hi in ((0, n), (1_000, n), (0, n // 2)):
            a, b = grown.select(lo, hi, 200), fresh.select(lo, hi, 200)
            np.testing.assert_array_equal(a[0], b[0])
            np.testing.assert_array_equal(a[1], b[1])
