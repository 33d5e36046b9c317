from __future__ import annotations

import time

import numpy as np

from lossplot_widget.core.history import History
from lossplot_widget.render.builder import FrameBuilder
from lossplot_widget.render.frame import FrameOptions
from lossplot_widget.render.smoothing import ema_smooth


def _history(n=100, epochs=1):
    h = History()
    for e in range(epochs):
        for i in range(n):
            h.append({"loss": 1.0 / (1 + i + e * n)}, None, e)
        h.append({"val_loss": 0.5 / (1 + e)}, h.last_step, e)
    return h


def test_panels_and_raw_values():
    frame = FrameBuilder(_history()).build(FrameOptions(smoothing=0.0))
    assert list(frame.panels) == ["loss"]
    loss, val = frame.panels["loss"]
    assert (loss.name, val.name) == ("loss", "val_loss")
    assert loss.y[-1] == 1.0 / 100 and loss.x[-1] == 99
    assert len(loss.smooth_y) == 0


def test_smoothed_line_is_full_resolution_then_decimated():
    h = History()
    rng = np.random.default_rng(0)
    vals = rng.random(50_000)
    for v in vals:
        h.append({"loss": float(v)}, None, None)
    builder = FrameBuilder(h)
    frame = builder.build(FrameOptions(smoothing=0.9, max_points=1000))
    sf = frame.panels["loss"][0]
    full = ema_smooth(vals, 0.9)
    assert len(sf.smooth_y) <= 1000 and len(sf.y) <= 1000
    assert sf.smooth_y[-1] == full[-1]
    assert set(sf.smooth_y.tolist()) <= set(full.tolist())
    assert len(sf.readout_x) <= FrameOptions().readout_points


def test_log_scale_masks_nonpositive_as_gaps():
    h = History()
    for v in [1.0, 0.0, -2.0, 0.5]:
        h.append({"loss": v}, None, None)
    sf = FrameBuilder(h).build(FrameOptions(smoothing=0.0, log_y=True)).panels["loss"][0]
    assert sf.hidden_nonpositive == 2
    assert np.isnan(sf.y[1]) and np.isnan(sf.y[2]) and sf.y[3] == 0.5


def test_nonfinite_drawn_as_gaps():
    h = History()
    for v in [1.0, np.inf, np.nan, 0.5]:
        h.append({"loss": v}, None, None)
    sf = FrameBuilder(h).build(FrameOptions(smoothing=0.0)).panels["loss"][0]
    assert np.isnan(sf.y[1]) and np.isnan(sf.y[2]) and sf.y[0] == 1.0


def test_epoch_axis_places_epoch_end_at_e_plus_one():
    frame = FrameBuilder(_history(n=10, epochs=3)).build(FrameOptions(smoothing=0.0, x_axis="epoch"))
    loss, val = frame.panels["loss"]
    assert val.x.tolist() == [1.0, 2.0, 3.0]
    assert loss.x[0] == 0.1 and loss.x[9] == 1.0 and loss.x[10] == 1.1
    assert np.all(np.diff(loss.x) > 0)
    assert frame.x_label == "epoch"


def test_time_axis_draws_each_point_at_its_own_seconds():
    h = History()
    times = [0.0, 0.5, 1.25, 3.0, 7.5]
    h.load("loss", [0, 1, 2, 3, 4], [0, 0, 0, 0, 0], times, [5.0, 4.0, 3.0, 2.0, 1.0])
    frame = FrameBuilder(h).build(FrameOptions(smoothing=0.0, x_axis="time"))
    sf = frame.panels["loss"][0]
    assert sf.x.tolist() == times and sf.y.tolist() == [5.0, 4.0, 3.0, 2.0, 1.0]
    assert frame.x_label == "wall-clock time (s)"
    live = History()
    live.append({"loss": 1.0}, None, None)
    time.sleep(0.05)
    live.append({"loss": 0.5}, None, None)
    x = FrameBuilder(live).build(FrameOptions(smoothing=0.0, x_axis="time")).panels["loss"][0].x
    assert x[0] == 0.0 and 0.04 <= x[1] < 5.0  # seconds since the first point, not steps
