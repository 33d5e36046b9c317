"""Zoom and pan: the browser's x range is redrawn from the full history; Reset; follow the latest N steps."""

from __future__ import annotations

import time

import bqplot
import numpy as np
import pytest
from traitlets import TraitError

from lossplot_widget import LiveLossWidget
from lossplot_widget.render.smoothing import ema_smooth

N = 200_000


def _widget(**kw):
    w = LiveLossWidget(max_points=1000, **kw)
    steps = np.arange(N)
    values = np.cos(steps / 5000.0) + np.random.default_rng(0).normal(size=N) * 0.1
    epochs = steps // 10_000
    w.history.load("loss", steps, epochs, steps * 0.01, values)
    w.widget
    return w, values


def _wait_drawn(w, timeout=5.0):
    deadline = time.monotonic() + timeout
    while w.dirty and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not w.dirty


def _browser_zooms(scale, lo, hi):
    """What a PanZoom drag does: the browser sends both bounds in one state update."""
    scale.set_state({"min": lo, "max": hi})


def test_zoom_shows_every_original_point_of_the_range(recorder):
    w, values = _widget(smoothing=0.6)
    panel = w._view.panels["loss"]
    raw, smooth = panel.marks("loss").raw, panel.marks("loss").smooth
    assert len(raw.x) <= 500  # the faint raw line under a smoothed one: half the points
    # 444 points: under the raw line's 500 (max_points // 2 while smoothing)
    _browser_zooms(panel.x_scale, 123_456.5, 123_900.0)
    _wait_drawn(w)  # redrawn by the widget itself (throttled), no flush from the user
    x = np.asarray(raw.x)
    inside = (x >= 123_457) & (x <= 123_900)
    np.testing.assert_array_equal(x[inside], np.arange(123_457, 123_901))  # every point, none skipped
    # values go to the browser as float32 (render/wire.py): exactly the float32 of each original value
    np.testing.assert_array_equal(np.asarray(raw.y)[inside], values[123_457:123_901].astype(np.float32))
    assert x[0] < 123_456.5 and x[-1] > 123_900  # one point beyond each edge: the line leaves the frame
    sx = np.asarray(smooth.x)
    full = ema_smooth(values, 0.6)
    np.testing.assert_array_equal(np.asarray(smooth.y), full[sx.astype(int)].astype(np.float32))
    assert len(sx) == len(x)

    # zoomed out to a range too long to send in full: bounded again, extremes of the range kept
    _browser_zooms(panel.x_scale, 50_000.0, 150_000.0)
    _wait_drawn(w)
    x, y = np.asarray(raw.x), np.asarray(raw.y)
    assert len(x) <= 1000 and x[0] <= 50_000 and x[-1] >= 150_000
    seg = values[50_000:150_001].astype(np.float32)
    assert y.max() == seg.max() and y.min() == seg.min()


def test_reset_returns_to_the_whole_run_and_python_never_sets_the_range_otherwise(recorder):
    w, values = _widget(smoothing=0.0)
    panel = w._view.panels["loss"]
    _browser_zooms(panel.x_scale, 1000.0, 1100.0)
    w.flush()
    for i in range(5):  # training goes on while zoomed: frames keep the user's range
        w.history.load("loss", [N + i], [20], [0.0], [0.5])
        w.flush()
    sent = recorder.updates(panel.x_scale.model_id)
    assert not any({"min", "max"} & set(u["data"]["state"]) for u in sent)
    assert (panel.x_scale.min, panel.x_scale.max) == (1000.0, 1100.0)
    assert np.asarray(panel.marks("loss").raw.x).max() <= 1101

    w._view.zoom.reset_button.click()
    assert panel.x_scale.min is None and panel.x_scale.max is None
    x = np.asarray(panel.marks("loss").raw.x)
    assert x[0] == 0 and x[-1] == N + 4 and len(x) <= 1000


@pytest.mark.parametrize("axis", ["time", "epoch"])
def test_zoom_on_time_and_epoch_axes(recorder, axis):
    w, values = _widget(smoothing=0.0, x_axis=axis)
    panel = w._view.panels["loss"]
    lo, hi = (500.0, 503.0) if axis == "time" else (5.0, 5.03)
    _browser_zooms(panel.x_scale, lo, hi)
    w.flush()
    x, y = np.asarray(panel.marks("loss").raw.x), np.asarray(panel.marks("loss").raw.y)
    inside = (x >= lo) & (x <= hi)
    assert inside.sum() >= 290  # ~300 points of 10 ms each / 0.03 of a 10,000-step epoch
    assert np.all(np.diff(x) > 0)
    first = int(np.flatnonzero(inside)[0])
    start = int(np.flatnonzero(np.isin(values.astype(y.dtype), y[first]))[0])
    np.testing.assert_array_equal(y[inside], values[start : start + inside.sum()].astype(y.dtype))


def test_changing_the_x_axis_resets_the_zoom(recorder):
    w, _ = _widget(smoothing=0.0)
    panel = w._view.panels["loss"]
    _browser_zooms(panel.x_scale, 1000.0, 1100.0)
    w.x_axis = "time"
    x = np.asarray(panel.marks("loss").raw.x)
    assert panel.x_scale.min is None and x[0] == 0 and x[-1] == np.float32((N - 1) * 0.01)


def test_pan_zoom_toggle_installs_the_interaction(recorder):
    w, _ = _widget()
    panel = w._view.panels["loss"]
    assert panel.figure.interaction is None  # hover readout works by default
    w._view.zoom.toggle.value = True
    assert isinstance(panel.figure.interaction, bqplot.PanZoom)
    assert panel.figure.interaction.scales["x"] == [panel.x_scale]
    w._view.zoom.toggle.value = False
    assert panel.figure.interaction is None


def test_window_follows_the_latest_steps(recorder):
    w, values = _widget(smoothing=0.0, window=500)
    raw = w._view.panels["loss"].marks("loss").raw
    np.testing.assert_array_equal(np.asarray(raw.x), np.arange(N - 500, N))
    w.history.load("loss", [N], [20], [0.0], [0.25])
    w.flush()
    assert np.asarray(raw.x)[0] == N - 499 and np.asarray(raw.y)[-1] == 0.25
    w.window = None
    assert np.asarray(raw.x)[0] == 0
    with pytest.raises(TraitError, match="window"):
        w.window = 0
