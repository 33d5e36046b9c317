"""The ipywidgets/bqplot view of a LiveLossWidget: toolbar, notes, one figure per panel, summary.

The view owns no data: :meth:`PlotView.apply` assigns a ready-made
:class:`~lossplot_widget.render.frames.Frame` to the marks, one message per mark.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any, Sequence

import bqplot
import ipywidgets as widgets
import numpy as np
import traitlets

from .control_bar import ControlBar
from ..render.frames import Frame, FrameOptions, SeriesFrame
from .progress_bar import ProgressBar
from .zoom import ZoomControl
from ..core.grouping import is_validation

if TYPE_CHECKING:
    from ..widget import LiveLossWidget

#: theme-aware colors: JupyterLab's CSS variables, with light-theme fallbacks elsewhere
PALETTE = (
    "var(--jp-brand-color1, #1976d2)",
    "var(--jp-warn-color1, #f57c00)",
    "var(--jp-success-color1, #388e3c)",
    "var(--jp-error-color1, #d32f2f)",
    "var(--jp-info-color1, #0097a7)",
    "#8e24aa",
    "#6d4c41",
    "#d81b60",
)
RAW_FAINT = 0.25


def _fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.6g}"


class _SeriesMarks:
    def __init__(self, name: str, color: str, scales: dict[str, Any]) -> None:
        style = "dashed" if is_validation(name) else "solid"
        self.raw = bqplot.Lines(
            x=np.empty(0), y=np.empty(0), scales=scales, colors=[color], labels=[name],
            display_legend=True, line_style=style, stroke_width=1.5,
        )
        self.smooth = bqplot.Lines(
            x=np.empty(0), y=np.empty(0), scales=scales, colors=[color], labels=[name],
            display_legend=False, line_style=style, stroke_width=2.0,
        )
        # a tooltip label is browser-rendered text: use the name only when it holds no markup characters
        label = name if not set(name) & set("<>&\"'") else "value"
        tooltip = bqplot.Tooltip(fields=["x", "y"], formats=[".6g", ".6g"], labels=["x", label])
        self.readout = bqplot.Scatter(
            x=np.empty(0), y=np.empty(0), scales=scales, colors=[color], default_size=24,
            opacities=[0.0], tooltip=tooltip, interactions={"hover": "tooltip"},
            hovered_style={"opacity": 1.0},
        )

    @property
    def marks(self) -> list[Any]:
        return [self.raw, self.smooth, self.readout]


class _Panel:
    def __init__(self, title: str, x_label: str, height: str) -> None:
        self.x_scale = bqplot.LinearScale()
        self.lin_scale = bqplot.LinearScale()
        self.log_scale = bqplot.LogScale()
        self.log_y = False
        self.x_axis = bqplot.Axis(scale=self.x_scale, label=x_label, grid_lines="dashed")
        self.y_axis = bqplot.Axis(
            scale=self.lin_scale, side="left", grid_lines="dashed", tick_format=".3~g"
        )
        self.series: dict[str, _SeriesMarks] = {}
        # faint vertical rules where epochs begin; their own 0..1 y scale keeps them full height
        self.rule_scale = bqplot.LinearScale(min=0.0, max=1.0)
        self.rules = bqplot.Lines(
            x=np.empty((0, 2)), y=np.empty((0, 2)), scales={"x": self.x_scale, "y": self.rule_scale},
            colors=["gray"], opacities=[0.35], line_style="dashed", stroke_width=1.0,
        )
        self._rule_x: list[float] = []
        self.figure = bqplot.Figure(
            marks=[self.rules], axes=[self.x_axis, self.y_axis], title=title, animation_duration=0,
            legend_location="top-right", fig_margin={"top": 40, "bottom": 45, "left": 60, "right": 20},
            layout=widgets.Layout(flex="1 1 420px", min_width="300px", height=height),
        )

    def scales(self) -> dict[str, Any]:
        return {"x": self.x_scale, "y": self.log_scale if self.log_y else self.lin_scale}

    def ensure(self, names: list[str]) -> None:
        new = [n for n in names if n not in self.series]
        for name in new:
            color = PALETTE[len(self.series) % len(PALETTE)]
            self.series[name] = _SeriesMarks(name, color, self.scales())
        if new:
            self.figure.marks = [self.rules] + [m for s in self.series.values() for m in s.marks]

    def set_log(self, log_y: bool) -> None:
        if log_y != self.log_y:
            self.log_y = log_y
            self.y_axis.scale = self.scales()["y"]

    def apply(self, frames: list[SeriesFrame], smoothing: bool, x_label: str) -> None:
        if self.x_axis.label != x_label:
            self.x_axis.label = x_label
        scales = self.scales()
        for sf in frames:
            marks = self.series[sf.name]
            for mark, x, y in (
                (marks.raw, sf.x, sf.y),
                (marks.smooth, sf.smooth_x, sf.smooth_y),
                (marks.readout, sf.readout_x, sf.readout_y),
            ):
                with mark.hold_sync():  # one message per mark per frame
                    if mark.scales["y"] is not scales["y"]:
                        mark.scales = scales
                    if mark is marks.raw:
                        mark.opacities = [RAW_FAINT if smoothing else 1.0]
                    if mark is not marks.readout:  # the legend shows the line drawn at full opacity
                        mark.display_legend = (mark is marks.smooth) == smoothing
                    mark.x = x
                    mark.y = y
        self._set_log_ticks(frames)

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

    def close(self) -> None:
        for s in self.series.values():
            for m in s.marks:
                m.close()
        for w in (self.figure, self.x_axis, self.y_axis, self.x_scale, self.lin_scale, self.log_scale):
            w.close()
        self.rules.close()
        self.rule_scale.close()


class PlotView:
    """Widgets for one display of a :class:`~lossplot_widget.widget.LiveLossWidget`."""

    def __init__(self, owner: "LiveLossWidget") -> None:
        self.height = owner.height
        self.smoothing = widgets.FloatSlider(
            value=owner.smoothing, min=0.0, max=0.999, step=0.001, description="smoothing",
            readout_format=".3f", continuous_update=False, layout=widgets.Layout(width="260px"),
        )
        self.log_y = widgets.ToggleButton(
            value=owner.log_y, description="log y", tooltip="logarithmic y axis (values <= 0 become gaps)",
            layout=widgets.Layout(width="80px"),
        )
        self.x_axis = widgets.ToggleButtons(
            options=[("step", "step"), ("epoch", "epoch"), ("time", "time")], value=owner.x_axis,
            tooltips=["global step", "epoch (fractional within an epoch)", "wall-clock seconds"],
            style={"button_width": "64px"},
        )
        self._links = [
            traitlets.link((self.smoothing, "value"), (owner, "smoothing")),
            traitlets.link((self.log_y, "value"), (owner, "log_y")),
            traitlets.link((self.x_axis, "value"), (owner, "x_axis")),
        ]
        self.notes = widgets.HTML()
        self._owner_notes: list[str] = getattr(owner, "_notes", [])  # e.g. from follow(): shown as notes
        self.summary = widgets.HTML()
        self.panel_box = widgets.Box(layout=widgets.Layout(display="flex", flex_flow="row wrap", width="100%"))
        self.progress = ProgressBar()  # done / total, steps/s, ETA; hidden without a total
        self.control_bar = ControlBar(owner)  # Stop, Pause and which mechanism delivers them
        self.zoom = ZoomControl(owner)  # pan/zoom toggle, reset; the x range each panel shows
        toolbar = widgets.HBox(
            [self.smoothing, self.log_y, self.x_axis, *self.zoom.widgets, *self.control_bar.widgets,
             *self.progress.widgets],
            # wrap whole controls onto a second row instead of squeezing them (truncated labels)
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        self.root = widgets.VBox(
            [toolbar, self.notes, self.panel_box, self.summary], layout=widgets.Layout(width="100%")
        )
        self.root.add_class("lossplot-widget")
        self.panels: dict[str, _Panel] = {}
        self._controls = [self.smoothing, self.log_y, self.x_axis, self.notes, self.summary, self.panel_box, toolbar]

    def apply(self, frame: Frame, options: FrameOptions) -> None:
        new_panel = False
        for title, series in frame.panels.items():
            panel = self.panels.get(title)
            if panel is None:
                panel = self.panels[title] = _Panel(title, frame.x_label, self.height)
                self.zoom.attach(title, panel)
                new_panel = True
            panel.set_log(options.log_y)
            panel.ensure([s.name for s in series])
            panel.apply(series, options.smoothing > 0, frame.x_label)
        if new_panel:
            self.panel_box.children = [p.figure for p in self.panels.values()]
        notes = render_notes(frame, self._owner_notes)
        if self.notes.value != notes:
            self.notes.value = notes
        summary = render_summary(frame)
        if self.summary.value != summary:
            self.summary.value = summary

    def show_epochs(self, xs: list[float]) -> None:
        """Epoch boundaries (x positions, see :mod:`~lossplot_widget.core.epochs`) in every panel."""
        for panel in self.panels.values():
            panel.set_rules(xs)

    def show_progress(self, state: Any) -> None:
        """Update the progress bar (a :class:`~lossplot_widget.core.progress.ProgressState` or ``None``)."""
        self.progress.show(state)

    def close(self) -> None:
        for link in self._links:
            link.unlink()
        for panel in self.panels.values():
            panel.close()
        for w in self._controls:
            w.close()
        self.control_bar.close()
        self.progress.close()
        self.zoom.close()
        self.root.close()


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


def render_notes(frame: Frame, extra: Sequence[str] = ()) -> str:
    """Visible warnings: non-finite values (first step), points hidden by the log scale, ``extra`` messages."""
    items = [f"⚠ {html.escape(text)}" for text in extra]
    for name, st in frame.stats.items():
        if st.first_nonfinite_step is not None:
            items.append(
                f"⚠ <b>{html.escape(name)}</b>: non-finite value ({st.first_nonfinite_value}) first at step "
                f"{st.first_nonfinite_step}; drawn as a gap"
            )
    for series in frame.panels.values():
        for sf in series:
            if sf.clipped:
                items.append(
                    f"{sf.clipped} value(s) of <b>{html.escape(sf.name)}</b> beyond &plusmn;1e307 are drawn clipped"
                )
            if sf.hidden_nonpositive:
                items.append(
                    f"log scale: {sf.hidden_nonpositive} value(s) &le; 0 of <b>{html.escape(sf.name)}</b> "
                    "are not drawn (gaps)"
                )
    if not items:
        return ""
    return '<div class="lossplot-notes" style="color: var(--jp-warn-color0, #e65100)">' + "<br>".join(items) + "</div>"


def render_summary(frame: Frame) -> str:
    """A table: last value, min and max (with their steps), points per second, per series."""
    rows = []
    for name, st in frame.stats.items():
        last = "" if st.last is None else repr(float(st.last))  # exact, for scripts and browser tests
        rows.append(
            f'<tr class="lossplot-row" data-metric="{html.escape(name)}" data-last="{last}" '
            f'data-last-step="{st.last_step}" data-count="{st.count}">'
            f"<td><b>{html.escape(name)}</b></td><td>{_fmt(st.last)}</td><td>{st.last_step}</td>"
            f"<td>{_fmt(st.min)} @ {st.min_step}</td><td>{_fmt(st.max)} @ {st.max_step}</td>"
            f"<td>{st.count}</td><td>{'–' if st.rate != st.rate else f'{st.rate:.3g}'}</td>"
            "</tr>"
        )
    head = "<tr><th>metric</th><th>last</th><th>step</th><th>min</th><th>max</th><th>points</th><th>steps/s</th></tr>"
    return (
        SUMMARY_STYLE
        + '<table class="lossplot-summary" style="font-size: var(--jp-ui-font-size1, 12px)">'
        + head + "".join(rows) + "</table>"
    )


SUMMARY_STYLE = (
    "<style>.lossplot-summary th, .lossplot-summary td {padding: 1px 10px; text-align: right}"
    " .lossplot-summary th:first-child, .lossplot-summary td:first-child {text-align: left}</style>"
)
