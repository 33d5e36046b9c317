from __future__ import annotations

import numpy as np
import pytest
from decimate import minmax_indices


def test_short_series_untouched():
    assert minmax_indices(np.arange(10.0), 100).tolist() == list(range(10))


@pytest.mark.parametrize("n", [101, 1000, 12_345, 1_000_003])
def test_bounded_keeps_ends_and_spike(n):
    rng = np.random.default_rng(n)
    y = rng.normal(size=n)
    spike, dip = n // 3, (2 * n) // 3
    y[spike] = 1e6
    y[dip] = -1e6
    idx = minmax_indices(y, 500)
    assert len(idx) <= 500
    assert idx[0] == 0 and idx[-1] == n - 1
    assert spike in idx and dip in idx
    assert np.all(np.diff(idx) > 0)


def test_nan_gap_survives():
    y = np.linspace(0, 1, 100_000)
    y[77_777] = np.nan
    idx = minmax_indices(y, 300)
    assert np.isnan(y[idx]).sum() >= 1


def test_all_nan_and_inf():
    y = np.full(10_000, np.nan)
    y[5] = np.inf
    idx = minmax_indices(y, 100)
    assert 5 in idx and len(idx) <= 100


def test_budget_validated():
    with pytest.raises(ValueError):
        minmax_indices(np.arange(100.0), 3)
