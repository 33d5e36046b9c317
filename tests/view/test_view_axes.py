"""The view's axis and legend details: readable log ticks, the legend on the line drawn at full opacity."""

from __future__ import annotations

import numpy as np

from lossplot_widget import LiveLossWidget
from lossplot_widget.view.panel import log_ticks


def test_log_ticks_one_two_five_and_fallbacks() -> None:
    assert log_ticks(0.12, 2.1) == [0.2, 0.5, 1.0, 2.0]
    assert log_ticks(0.31, 0.79) == [0.4, 0.5, 0.6, 0.7]          # inside one 1-2-5 step: 1..9
    assert log_ticks(1e-9, 1e3) == [1e-09, 1e-07, 1e-05, 0.001, 0.1, 10.0, 1000.0]  # every 2nd decade
    assert log_ticks(0.5, 0.5) == [0.5]
    assert log_ticks(0.0, 1.0) == [] and log_ticks(1.0, float("inf")) == []


def _panel(w: LiveLossWidget):
    w.widget  # build the view
    w.flush()
    return w._view.panels["loss"]


def test_log_axis_gets_sparse_ticks_and_linear_gets_defaults(recorder) -> None:
    w = LiveLossWidget(smoothing=0.0)
    for step in range(200):
        w.log(loss=2.0 * np.exp(-step / 60) + 0.1)
    panel = _panel(w)
    assert panel.y_axis.tick_values is None or list(panel.y_axis.tick_values) == []
    w.log_y = True
    w.flush()
    ticks = list(panel.y_axis.tick_values)
    assert ticks == [0.2, 0.5, 1.0, 2.0]
    w.log_y = False
    w.flush()
    assert panel.y_axis.tick_values is None or list(panel.y_axis.tick_values) == []


def test_legend_is_html_beside_the_title_not_over_the_curves(recorder) -> None:
    w = LiveLossWidget(smoothing=0.0)
    for step in range(50):
        w.log(loss=1.0 / (step + 1))
    w.log_epoch(val_loss=0.5)
    panel = _panel(w)
    marks = panel.marks("loss")
    # bqplot draws no legend box inside the plot area
    assert not any(m.display_legend for s in panel.series.values() for m in (s.raw, s.smooth))
    legend = panel.legend.value
    assert legend.count('class="lossplot-legend-item"') == 2
    assert ">loss<" in legend and ">val_loss<" in legend
    assert legend.count("stroke-dasharray") == 1  # val_loss is dashed, in its swatch too
    assert panel.legend in panel.header_row.children
    w.smoothing = 0.9
    w.flush()
    assert marks.smooth.labels == ["loss"] and panel.legend.value == legend
