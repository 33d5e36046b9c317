from __future__ import annotations

import numpy as np

from lossplot_widget.core.history import History
from lossplot_widget.render.smoothing import ema_smooth
from lossplot_widget.render.tracks import SeriesTrack, position_bound


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


def test_frames_match_a_brute_force_reference_under_random_logging():
    """Restarts, NaN/Inf, <= 0 values, zoom ranges, windows, axes: every drawn point is a real drawn point."""
    from lossplot_widget.render.builder import FrameBuilder
    from lossplot_widget.render.frame import FrameOptions

    rng = np.random.default_rng(11)
    checked: list[int] = []
    for trial in range(12):
        h = History()
        builder = FrameBuilder(h)
        step = 0
        for _ in range(int(rng.integers(1, 6))):  # a few bursts, some resuming at an earlier step
            n = int(rng.integers(1, 6000))
            vals = rng.normal(size=n) * 10
            vals[rng.random(n) < 0.001] = np.nan
            vals[rng.random(n) < 0.001] = np.inf
            h.load("loss", np.arange(step, step + n), np.full(n, float(trial % 3)), np.zeros(n), vals)
            step = step + n - int(rng.integers(0, n + 1)) if rng.random() < 0.4 else step + n
            options = FrameOptions(
                smoothing=float(rng.choice([0.0, 0.6])), log_y=bool(rng.random() < 0.3),
                max_points=int(rng.integers(16, 800)),
                window=int(rng.integers(1, 3000)) if rng.random() < 0.3 else None,
                x_ranges={"loss": (float(rng.integers(0, step + 1)), None)} if rng.random() < 0.3 else {},
            )
            sf = builder.build(options).panels["loss"][0]
            checked.append(len(sf.x))
            s = h["loss"]
            keep = np.concatenate([np.arange(a, b) for a, b in s.visible_ranges()])
            steps, values = s.steps[keep], s.values[keep]
            assert len(sf.x) <= options.max_points and len(sf.smooth_x) <= options.max_points
            assert np.all(np.diff(sf.x) > 0)  # x never goes back
            pos = np.searchsorted(steps, sf.x)
            assert np.array_equal(steps[pos], sf.x)  # every x is a drawn step
            expected = values[pos]
            drawn = ~np.isnan(sf.y)
            np.testing.assert_array_equal(sf.y[drawn], expected[drawn])  # every y is that step's value
            if options.log_y:
                assert np.all(sf.y[drawn] > 0)
            if options.smoothing > 0:  # the smoothed line: exact EMA of the drawn sequence, then decimated
                full = ema_smooth(values, options.smoothing)
                spos = np.searchsorted(steps, sf.smooth_x)
                sdrawn = ~np.isnan(sf.smooth_y)
                np.testing.assert_array_equal(sf.smooth_y[sdrawn], full[spos][sdrawn])
            visible = np.ones(len(steps), bool)
            if options.x_ranges:
                visible = steps >= options.x_ranges["loss"][0]
            elif options.window is not None:
                visible = steps >= h.next_step - options.window
            if visible.any():
                last = int(np.flatnonzero(visible)[-1])
                assert sf.x[-1] == steps[last]  # the last drawn point is the latest one
                finite = visible & np.isfinite(values) & ((values > 0) if options.log_y else True)
                if finite.any():  # the extremes of what is visible are drawn
                    assert values[finite].max() in sf.y[drawn] and values[finite].min() in sf.y[drawn]
    assert len(checked) > 20 and max(checked) > 100  # the checks above really ran, on decimated frames
