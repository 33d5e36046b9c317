"""The y range rule, tick formats and whole-number step ticks (render/axes.py), alone and in the widget."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest

from lossplot_widget import LiveLossWidget
from lossplot_widget.render.axes import nice_ticks, tick_format, y_range
from lossplot_widget.render.smoothing import ema_smooth

RNG = np.random.default_rng(0)
STEPS = np.arange(1000)
#: a loss that starts 100x above where it settles, with noise: its settled band is 0.5 +- ~0.1
SPIKE_START = 100 * np.exp(-STEPS / 5) + 0.5 + 0.03 * RNG.normal(size=STEPS.size)


def _settled_band() -> float:
    tail = SPIKE_START[100:]
    return float(tail.max() - tail.min())


def test_a_hundredfold_start_gets_the_settled_band_not_the_spike() -> None:
    r = y_range([SPIKE_START])
    assert r is not None and r.clipped_above and not r.clipped_below
    assert r.hi - r.lo < 3 * _settled_band()  # a few times the settled band, not 0..100
    tail = SPIKE_START[100:]
    assert r.lo <= tail.min() and r.hi >= tail.max()  # the whole settled part is inside
    full = y_range([SPIKE_START], ignore_outliers=False)
    assert full is not None and full.hi >= SPIKE_START.max() and not full.clipped


def test_a_short_run_with_the_same_start_and_its_smoothed_line_is_readable_too() -> None:
    y = SPIKE_START[:300]
    smoothed = ema_smooth(y, 0.6)  # lags the fall: more points high up
    r = y_range([y, smoothed])
    assert r is not None and r.clipped_above and r.hi < 2.0


def test_a_divergence_at_the_end_is_not_hidden() -> None:
    diverging = np.r_[SPIKE_START, np.geomspace(1.0, 1e6, 30)]  # the loss blows up in the last 30 steps
    r = y_range([diverging])
    assert r is not None and r.hi >= 1e6
    smoothed_lagging = np.r_[SPIKE_START, np.geomspace(0.6, 2e5, 30)]  # a smoothed line's own last value
    r = y_range([diverging, smoothed_lagging])
    assert r is not None and r.hi >= 1e6


def test_the_latest_value_of_every_line_is_inside_even_far_below_the_bulk() -> None:
    y = np.r_[np.full(500, 1.0) + 0.01 * RNG.normal(size=500), 0.00084]  # ends far below the bulk
    r = y_range([y])
    assert r is not None and r.lo <= 0.00084


def test_log_axis_rule_works_in_decades() -> None:
    r = y_range([SPIKE_START], log=True)
    assert r is not None and r.clipped_above
    assert 0.2 < r.lo < 0.5 and 0.6 < r.hi < 2.0  # the settled band, in data units
    assert y_range([np.array([0.0, -1.0])], log=True) is None  # nothing drawable on a log axis


def test_constant_and_single_point_series_get_a_band_around_the_value() -> None:
    r = y_range([np.full(100, 1e-4)])
    assert r is not None and r.lo < 1e-4 < r.hi and r.hi - r.lo == pytest.approx(2e-5)
    r = y_range([np.array([0.0])])
    assert r is not None and (r.lo, r.hi) == (-1.0, 1.0)
    assert y_range([np.array([np.nan, np.inf])]) is None


def test_nonnegative_data_never_gets_a_negative_axis_from_padding() -> None:
    r = y_range([np.linspace(0.0, 1.0, 100)])
    assert r is not None and r.lo == 0.0


def test_tick_formats_read_apart() -> None:
    assert tick_format(1009.5, 1010.5) == ".5~g"  # not '1.01e+3' five times
    assert tick_format(0.0, 2.0) == ".3~g"
    ticks = nice_ticks(1009.5, 1010.5)
    labels = {f"{t:.5g}" for t in ticks}
    assert len(labels) == len(ticks) > 2


def test_step_axes_get_whole_number_ticks() -> None:
    assert nice_ticks(0, 3, integer=True) == [0.0, 1.0, 2.0, 3.0]
    assert nice_ticks(0, 1000, integer=True) == [0.0, 200.0, 400.0, 600.0, 800.0, 1000.0]
    assert all(t == int(t) for t in nice_ticks(0, 853, integer=True))
    assert all(t == int(t) for t in nice_ticks(0, 3, integer=True))


def _spike_widget(**kw) -> LiveLossWidget:
    w = LiveLossWidget(smoothing=0.0, **kw)
    w.widget
    for v in SPIKE_START:
        w.log(loss=float(v))
    w.flush()
    return w


def test_widget_sets_the_robust_range_and_says_y_clipped(recorder) -> None:
    w = _spike_widget()
    panel = w._view.panels["loss"]
    assert panel.lin_scale.max - panel.lin_scale.min < 3 * _settled_band()
    assert "y clipped" in panel.legend.value
    w.ignore_outliers = False  # the "all y" button
    w.flush()
    assert w._view.all_y.value is True
    assert panel.lin_scale.max >= SPIKE_START.max() and "y clipped" not in panel.legend.value
    w._view.all_y.value = False
    assert w.ignore_outliers is True


def test_zoom_moves_x_only_and_y_refits_to_the_visible_points(recorder) -> None:
    w = LiveLossWidget(smoothing=0.0)
    w.widget
    for step in range(1000):
        w.log(loss=10.0 if step < 500 else 1.0 + 0.001 * (step % 7))
    w.flush()
    panel = w._view.panels["loss"]
    assert panel.lin_scale.max > 9
    interaction = w._view.zoom.interactions["loss"]
    assert set(interaction.scales) == {"x"}  # the wheel and drag move x only
    assert panel.figure.display_toolbar is False  # no second zoom from bqplot's own toolbar
    panel.x_scale.set_state({"min": 600.0, "max": 990.0})  # what a PanZoom drag sends
    w.flush()
    assert 0.9 < panel.lin_scale.min and panel.lin_scale.max < 1.1
    w._view.zoom.reset()
    assert panel.x_scale.min is None and panel.lin_scale.max > 9


def test_step_axis_ticks_are_whole_numbers_at_small_step_counts(recorder) -> None:
    w = LiveLossWidget(smoothing=0.0)
    w.widget
    for v in (1.0, 0.5, 0.25, 0.2):
        w.log(loss=v)
    w.flush()
    panel = w._view.panels["loss"]
    assert list(panel.x_axis.tick_values) == [0.0, 1.0, 2.0, 3.0]
    for _ in range(500):
        w.log(loss=0.1)
    w.flush()
    assert list(panel.x_axis.tick_values) == [0.0, 100.0, 200.0, 300.0, 400.0, 500.0]  # about five, round
    panel.x_scale.set_state({"min": 100.5, "max": 103.5})  # a zoom the kernel hears of: ticks for its range
    w.flush()
    assert list(panel.x_axis.tick_values) == [101.0, 102.0, 103.0]


def test_hover_readout_prints_steps_without_trailing_zeros(recorder) -> None:
    w = _spike_widget()
    tooltip = w._view.panels["loss"].marks("loss").readout.tooltip
    assert all(f.endswith("~g") for f in tooltip.formats)  # d3's '.6g' prints 167 as "167.000"


def test_static_picture_draws_raw_and_smoothed_with_the_same_range() -> None:
    w = LiveLossWidget(smoothing=0.6)
    for v in SPIKE_START:
        w.log(loss=float(v))
    w.log(loss=0.00084)  # the real last value, far below the smoothed line
    svg, _ = w._svg()
    assert svg.count("<polyline") >= 2 and 'stroke-opacity="0.25"' in svg  # faint raw under smoothed
    assert "y clipped" in svg
    y_labels = [float(v) for v in re.findall(r'text-anchor="end" font-size="10">([-\d.e+]+)</text>', svg)]
    assert min(y_labels) <= 0.1  # the axis reaches down towards the last raw value 0.00084
    x_labels = re.findall(r'text-anchor="middle" font-size="10">([-\d.e+]+)</text>', svg)
    assert x_labels and all(float(v) == int(float(v)) for v in x_labels)  # whole steps, no 213.5


def test_static_picture_of_one_point_has_a_sensible_axis() -> None:
    w = LiveLossWidget()
    w.log(loss=0.08)
    svg, _ = w._svg()
    y_labels = [float(v) for v in re.findall(r'text-anchor="end" font-size="10">([-\d.e+]+)</text>', svg)]
    assert y_labels and min(y_labels) >= 0.07 and max(y_labels) <= 0.09  # not -0.42 .. 0.58
    assert "<circle" in svg


def test_downloads_hold_the_history_as_csv_and_the_picture(recorder) -> None:
    w = LiveLossWidget()
    w.widget
    for v in (1.0, 0.5):
        w.log(loss=v)
    w._refresh_downloads()
    links = w._view.downloads.html.value
    csv = base64.b64decode(re.search(r'download="lossplot.csv" href="data:text/csv;base64,([^"]+)"', links)[1])
    rows = csv.decode().splitlines()
    assert rows[0] == "run,metric,step,epoch,time,value,config" and len(rows) == 3
    assert rows[2].split(",")[5] == "0.5"
    svg = base64.b64decode(re.search(r'download="lossplot.svg" href="data:image/svg\+xml;base64,([^"]+)"', links)[1])
    assert svg.decode().startswith("<svg") and "loss: last 0.5 at step 1" in svg.decode()
    before = links
    w._refresh_downloads()  # nothing new: nothing sent
    assert w._view.downloads.html.value is before


def test_axes_are_reused_while_a_panel_draws_the_same_series() -> None:
    from lossplot_widget.core.history import History
    from lossplot_widget.render.builder import FrameBuilder
    from lossplot_widget.render.frame import FrameOptions

    h = History()
    for v in SPIKE_START[:100]:
        h.append({"loss": float(v), "acc": 0.5}, None, None)
    builder = FrameBuilder(h)
    first = builder.build(FrameOptions())
    again = builder.build(FrameOptions())
    assert again.axes["loss"] is first.axes["loss"]  # nothing changed: not computed again
    h.append({"loss": 1e6}, None, None)  # a divergence: the loss panel's axes follow at once
    later = builder.build(FrameOptions())
    assert later.axes["loss"] is not first.axes["loss"] and later.axes["loss"].y.hi >= 1e6
    assert later.axes["acc"] is first.axes["acc"]
    assert builder.build(FrameOptions(ignore_outliers=False)).axes["acc"] is not first.axes["acc"]


def test_a_history_too_large_for_a_link_says_to_call_to_csv(recorder, monkeypatch) -> None:
    import lossplot_widget.view.downloads as downloads

    monkeypatch.setattr(downloads, "MAX_CSV_POINTS", 3)
    w = LiveLossWidget()
    w.widget
    for v in (1.0, 0.5, 0.25, 0.125):
        w.log(loss=v)
    w._refresh_downloads()
    links = w._view.downloads.html.value
    assert "lossplot-download-csv" not in links and "w.to_csv(path)" in links and "4 points" in links
    assert 'download="lossplot.svg"' in links  # the picture stays downloadable
