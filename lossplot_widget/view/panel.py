"""One panel: a bqplot Figure with, per series, a raw line, a smoothed line and a hover readout.

:meth:`Panel.apply` assigns a frame's arrays to the marks, one message per mark (``hold_sync``).

>>> log_ticks(0.12, 2.1)
[0.2, 0.5, 1.0, 2.0]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import bqplot
import ipywidgets as widgets
import numpy as np

from ..render.frames import SeriesFrame, SeriesKey
from ..render.palette import RAW_FAINT, css_color
from ..render.wire import narrow

__all__ = ["Panel", "SeriesMarks", "log_ticks"]


class SeriesMarks:
    """The three marks of one series of one run (raw line, smoothed line, invisible hover readout)."""

    def __init__(self, sf: SeriesFrame, scales: dict[str, Any], smoothing: bool) -> None:
        color = css_color(sf.color)
        legend = sf.legend or sf.label
        shown = sf.legend is not None and sf.show_legend
        self.raw = bqplot.Lines(
            x=np.empty(0), y=np.empty(0), scales=scales, colors=[color], labels=[legend],
            display_legend=shown and not smoothing, line_style=sf.style, stroke_width=1.5,
            opacities=[RAW_FAINT if smoothing else 1.0],
        )
        self.smooth = bqplot.Lines(
            x=np.empty(0), y=np.empty(0), scales=scales, colors=[color], labels=[legend],
            display_legend=shown and smoothing, line_style=sf.style, stroke_width=2.0,
        )
        # a tooltip label is browser-rendered text: use the name only when it holds no markup characters
        label = sf.label if not set(sf.label) & set("<>&\"'") else "value"
        tooltip = bqplot.Tooltip(fields=["x", "y"], formats=[".6g", ".6g"], labels=["x", label])
        self.readout = bqplot.Scatter(
            x=np.empty(0), y=np.empty(0), scales=scales, colors=[color], default_size=24,
            opacities=[0.0], tooltip=tooltip, interactions={"hover": "tooltip"},
            hovered_style={"opacity": 1.0},
        )
        self.drawn: SeriesFrame | None = None  # the frame whose arrays the marks hold
        self.styled: tuple[object, ...] | None = None  # the style they show (see :meth:`style_of`)

    @property
    def marks(self) -> list[Any]:
        return [self.raw, self.smooth, self.readout]

    @staticmethod
    def style_of(sf: SeriesFrame, smoothing: bool) -> tuple[object, ...]:
        """Everything :meth:`restyle` reads: equal tuples need no restyling."""
        return (sf.color, sf.style, sf.legend, sf.label, sf.show_legend, smoothing)

    def restyle(self, mark: Any, sf: SeriesFrame, smoothing: bool) -> None:
        """Colour, dash, legend and opacity of ``sf`` on ``mark`` (assigning an equal value sends nothing)."""
        color = [css_color(sf.color)]
        mark.colors = color
        if mark is self.readout:
            return
        mark.labels = [sf.legend or sf.label]
        mark.line_style = sf.style
        # the legend shows the line drawn at full opacity
        mark.display_legend = sf.legend is not None and sf.show_legend and (mark is self.smooth) == smoothing
        if mark is self.raw:
            mark.opacities = [RAW_FAINT if smoothing else 1.0]

    def clear(self) -> None:
        """Draw nothing (a hidden run): one message per mark, once."""
        if self.drawn is None:
            return
        self.drawn = self.styled = None
        for mark in self.marks:
            with mark.hold_sync():
                mark.x = np.empty(0)
                mark.y = np.empty(0)
        self.raw.display_legend = self.smooth.display_legend = False


class Panel:
    """A figure for one metric family: x/y scales (linear and log), axes, epoch rules, series marks.

    :attr:`box` holds a header (the title; a click folds the panel away, see :meth:`set_collapsed`)
    above the figure.
    """

    def __init__(
        self, title: str, x_label: str, height: str, on_toggle: Callable[[str], None] = lambda title: None
    ) -> None:
        self.title = title
        self.x_scale = bqplot.LinearScale()
        self.lin_scale = bqplot.LinearScale()
        self.log_scale = bqplot.LogScale()
        self.log_y = False
        self.x_axis = bqplot.Axis(scale=self.x_scale, label=x_label, grid_lines="dashed")
        self.y_axis = bqplot.Axis(
            scale=self.lin_scale, side="left", grid_lines="dashed", tick_format=".3~g"
        )
        #: marks per (run, metric)
        self.series: dict[SeriesKey, SeriesMarks] = {}
        # faint vertical rules where epochs begin; their own 0..1 y scale keeps them full height
        self.rule_scale = bqplot.LinearScale(min=0.0, max=1.0)
        self.rules = bqplot.Lines(
            x=np.empty((0, 2)), y=np.empty((0, 2)), scales={"x": self.x_scale, "y": self.rule_scale},
            colors=["gray"], opacities=[0.35], line_style="dashed", stroke_width=1.0,
        )
        self._rule_x: list[float] = []
        self.figure = bqplot.Figure(
            marks=[self.rules], axes=[self.x_axis, self.y_axis], title="", animation_duration=0,
            legend_location="top-right", fig_margin={"top": 12, "bottom": 45, "left": 60, "right": 20},
            layout=widgets.Layout(width="100%", height=height),
        )
        self.header = widgets.Button(
            description=f"\u25be {title}", tooltip=f"fold the {title} panel away (nothing is sent while folded)",
            layout=widgets.Layout(
                width="auto", max_width="100%", height="26px", margin="0 0 0 52px", align_self="flex-start"
            ),
            style={"button_color": "transparent", "font_weight": "bold"}, _dom_classes=["lossplot-panel-title"],
        )
        self.header.on_click(lambda _: on_toggle(title))
        self.box = widgets.VBox(
            [self.header, self.figure], layout=widgets.Layout(flex="1 1 420px", min_width="300px", margin="0 0 6px 0"),
            _dom_classes=["lossplot-panel"],
        )

    def set_collapsed(self, collapsed: bool) -> None:
        """Fold the figure away (only the header stays) or show it again."""
        if collapsed == (self.figure.layout.display == "none"):
            return
        self.figure.layout.display = "none" if collapsed else None
        arrow, verb = ("\u25b8", "show") if collapsed else ("\u25be", "fold away")
        self.header.description = f"{arrow} {self.title}"
        note = "" if collapsed else " (nothing is sent while folded)"
        self.header.tooltip = f"{verb} the {self.title} panel{note}"

    def set_filtered(self, filtered: bool) -> None:
        """Hide the whole panel (the filter box does not match it) or show it."""
        display = "none" if filtered else None
        if self.box.layout.display != display:
            self.box.layout.display = display

    def marks(self, name: str, run: str | None = None) -> SeriesMarks:
        """The marks of metric ``name`` (of run ``run``; default: the first run drawing it here)."""
        for (r, n), marks in self.series.items():
            if n == name and (run is None or r == run):
                return marks
        raise KeyError(name if run is None else (run, name))

    def scales(self) -> dict[str, Any]:
        return {"x": self.x_scale, "y": self.log_scale if self.log_y else self.lin_scale}

    def ensure(self, frames: list[SeriesFrame], smoothing: bool = False) -> None:
        new = [sf for sf in frames if sf.key not in self.series]
        for sf in new:
            self.series[sf.key] = SeriesMarks(sf, self.scales(), smoothing)
        if new:
            self.figure.marks = [self.rules] + [m for s in self.series.values() for m in s.marks]

    def set_log(self, log_y: bool) -> None:
        if log_y != self.log_y:
            self.log_y = log_y
            self.y_axis.scale = self.scales()["y"]

    def apply(self, frames: list[SeriesFrame], smoothing: bool, x_label: str) -> dict[SeriesKey, int]:
        """Assign ``frames`` to the marks; returns the bytes of array data sent per series (sent ones only)."""
        sent: dict[SeriesKey, int] = {}
        if self.x_axis.label != x_label:
            self.x_axis.label = x_label
        self.ensure(frames, smoothing)
        scales = self.scales()
        shown = set()
        for sf in frames:
            marks = self.series[sf.key]
            shown.add(sf.key)
            rescale = marks.raw.scales["y"] is not scales["y"]
            style = marks.style_of(sf, smoothing)
            restyle, marks.styled = marks.styled != style, style
            if marks.drawn is sf and not rescale:
                if restyle:  # the same arrays as last frame: only a new style is sent
                    for mark in marks.marks:
                        marks.restyle(mark, sf, smoothing)
                continue
            marks.drawn = sf
            nbytes = 0
            for mark, x, y in (
                (marks.raw, sf.x, sf.y),
                (marks.smooth, sf.smooth_x, sf.smooth_y),
                (marks.readout, sf.readout_x, sf.readout_y),
            ):
                with mark.hold_sync():  # one message per mark per frame
                    if rescale:
                        mark.scales = scales
                    if restyle:
                        marks.restyle(mark, sf, smoothing)
                    wx, wy = narrow(x), narrow(y)
                    nbytes += wx.nbytes + wy.nbytes
                    mark.x = wx
                    mark.y = wy
            sent[sf.key] = nbytes
        for key, marks in self.series.items():
            if key not in shown:
                marks.clear()
        self._set_log_ticks(frames)
        return sent

    def _set_log_ticks(self, frames: list[SeriesFrame]) -> None:
        # bqplot labels every 1..9 multiple on a log axis spanning < 2 decades: the labels overlap
        ticks: list[float] = []
        if self.log_y:
            drawn = [a[np.isfinite(a) & (a > 0)] for sf in frames for a in (sf.y, sf.smooth_y)]
            drawn = [a for a in drawn if a.size]
            if drawn:
                lo = self.log_scale.min if self.log_scale.min is not None else min(float(a.min()) for a in drawn)
                hi = self.log_scale.max if self.log_scale.max is not None else max(float(a.max()) for a in drawn)
                ticks = log_ticks(lo, hi)
        current = self.y_axis.tick_values
        if current is None or list(current) != ticks:
            self.y_axis.tick_values = np.asarray(ticks, dtype=float)

    def set_rules(self, xs: list[float]) -> None:
        """Draw the epoch boundaries at ``xs`` (one message, only when they changed)."""
        if xs == self._rule_x:
            return
        self._rule_x = list(xs)
        pairs = np.repeat(np.asarray(xs, dtype=float).reshape(-1, 1), 2, axis=1)
        with self.rules.hold_sync():
            self.rules.x = pairs
            self.rules.y = np.tile([0.0, 1.0], (len(xs), 1))


def log_ticks(lo: float, hi: float) -> list[float]:
    """Tick values for a log axis over ``[lo, hi]``: 1, 2, 5 per decade; 1..9 when that gives fewer
    than three; every k-th decade when it gives more than ten. Empty (bqplot's default) when none fit.

    >>> log_ticks(0.12, 2.1)
    [0.2, 0.5, 1.0, 2.0]
    >>> log_ticks(1e-6, 10.0)
    [1e-06, 1e-05, 0.0001, 0.001, 0.01, 0.1, 1.0, 10.0]
    """
    if not (0 < lo <= hi and math.isfinite(hi)):
        return []
    d0, d1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))

    def within(mantissas: Sequence[int], every: int = 1) -> list[float]:
        values = (float(f"{m}e{d}") for d in range(d0, d1 + 1) if (d - d0) % every == 0 for m in mantissas)
        return [v for v in values if lo <= v <= hi]

    ticks = within((1, 2, 5))
    if len(ticks) > 10:
        ticks = within((1,), max(1, math.ceil((d1 - d0) / 8)))
    elif len(ticks) < 3:
        ticks = within(range(1, 10))
    return ticks
