from __future__ import annotations

import numpy as np

from lossplot_widget.history import History
from lossplot_widget.smoothing import ema_smooth
from lossplot_widget.tracks import SeriesTrack, position_bound


def test_incremental_updates_match_a_fresh_track():
    h = History()
    rng = np.random.default_rng(0)
    values = rng.normal(size=30_000)
    live = SeriesTrack()
    for lo in range(0, len(values), 7_001):
        for v in values[lo : lo + 7_001]:
            h.append({"loss": float(v)}, None, None)
        live.update(h["loss"], 0.9)
    fresh = SeriesTrack()
    fresh.update(h["loss"], 0.9)
    for a, b in [(live.raw, fresh.raw), (live.smooth, fresh.smooth)]:
        np.testing.assert_array_equal(a.select(0, 30_000, 100)[0], b.select(0, 30_000, 100)[0])
    np.testing.assert_array_equal(live.smooth.values(29_000, 30_000), ema_smooth(values, 0.9)[29_000:])


def test_restart_rebuilds_over_the_drawn_points_only():
    h = History()
    for s in range(100):
        h.append({"loss": 1.0}, s, None)
    t = SeriesTrack()
    t.update(h["loss"], 0.5)
    assert t.size == 100 and t.constant
    for s in range(50, 150):
        h.append({"loss": 2.0}, s, None)
    t.update(h["loss"], 0.5)
    assert t.size == 150 and not t.constant
    pos = np.arange(150)
    np.testing.assert_array_equal(h["loss"].steps[t.hist_index(pos)], np.arange(150))
    np.testing.assert_array_equal(t.fetch(0, 150), [1.0] * 50 + [2.0] * 100)
    np.testing.assert_array_equal(t.smooth.values(0, 150), ema_smooth([1.0] * 50 + [2.0] * 100, 0.5))


def test_position_bound_on_large_monotone_x():
    x = np.repeat(np.arange(1_000_000), 3).astype(float)
    at = lambda p: x[p]  # noqa: E731
    assert position_bound(at, len(x), 500_000.0, right=False) == 1_500_000
    assert position_bound(at, len(x), 500_000.0, right=True) == 1_500_003
    assert position_bound(at, len(x), -5.0, right=False) == 0
    assert position_bound(at, len(x), 1e9, right=True) == len(x)
