"""One panel: a bqplot Figure with, per series, a raw line, a smoothed line and a hover readout.

:meth:`Panel.apply` assigns a frame's arrays to the marks, one message per mark (``hold_sync``).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import bqplot
import ipywidgets as widgets
import numpy as np

from ..render.axes import PanelAxes, YRange, log_ticks
from ..render.frame import Reference, SeriesFrame, SeriesKey
from ..render.marks import label_sides
from ..render.palette import MUTED, MUTED_OPACITY, RAW_FAINT, REFERENCE_COLOR, css_color
from ..render.wire import narrow
from .closing import close_tree

__all__ = ["MUTED_LABEL", "Panel", "SeriesMarks", "legend_html", "log_ticks"]

#: the label of a panel's muted line (every muted run's curve; the browser tests find it by it)
MUTED_LABEL = "muted runs"


class SeriesMarks:
    """The three marks of one series of one run (raw line, smoothed line, invisible hover readout).

    The lines carry the series' label (bqplot's ``labels``) but draw no legend: the panel's legend is
    HTML beside its title, away from the curves (see :func:`legend_html`).
    """

    def __init__(self, sf: SeriesFrame, scales: dict[str, Any], smoothing: bool) -> None:
        color = css_color(sf.color)
        legend = sf.legend or sf.label
        self.raw = bqplot.Lines(
            x=np.empty(0), y=np.empty(0), scales=scales, colors=[color], labels=[legend],
            line_style=sf.style, stroke_width=1.5, opacities=[RAW_FAINT if smoothing else 1.0],
        )
        self.smooth = bqplot.Lines(
            x=np.empty(0), y=np.empty(0), scales=scales, colors=[color], labels=[legend],
            line_style=sf.style, stroke_width=2.0,
        )
        # a tooltip label is browser-rendered text: use the name only when it holds no markup characters
        label = sf.label if not set(sf.label) & set("<>&\"'") else "value"
        # "~" drops trailing zeros: a step reads 167, not 167.000
        tooltip = bqplot.Tooltip(fields=["x", "y"], formats=[".6~g", ".6~g"], labels=["x", label])
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
        return (sf.color, sf.style, sf.legend, sf.label, smoothing)

    def restyle(self, mark: Any, sf: SeriesFrame, smoothing: bool) -> None:
        """Colour, dash, label and opacity of ``sf`` on ``mark`` (assigning an equal value sends nothing)."""
        color = [css_color(sf.color)]
        mark.colors = color
        if mark is self.readout:
            return
        mark.labels = [sf.legend or sf.label]
        mark.line_style = sf.style
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


_DASHES = {"dashed": "5,3", "dotted": "1.5,2.5", "dash_dotted": "6,2,1.5,2"}
_LEGEND_STYLE = (
    "display: flex; flex-wrap: wrap; align-items: center; gap: 0 12px; line-height: 18px; "
    "font-size: var(--jp-ui-font-size1, 12px); color: var(--jp-ui-font-color1, #212121)"
)
_ITEM_STYLE = "display: inline-flex; align-items: center; gap: 4px; max-width: 260px; white-space: nowrap"


def legend_html(series: Sequence[SeriesFrame], y: YRange | None = None, colors: Sequence[str] | None = None) -> str:
    """The panel's legend as HTML (a swatch in the line's colour and dash, then its name), and a
    "y clipped" mark when the y range leaves points out; ``""`` when there is nothing to say.
    ``colors``: the swatches' CSS colours (default: each series' palette colour).

    >>> from lossplot_widget.render.frame import SeriesFrame
    >>> e = np.empty(0)
    >>> html_ = legend_html([SeriesFrame("val_loss", e, e, e, e, e, e, 0, 0, style="dashed", legend="val_loss")])
    >>> 'stroke-dasharray="5,3"' in html_ and ">val_loss<" in html_
    True
    """
    items = []
    for i, sf in enumerate(series):
        if sf.legend is None or not sf.show_legend:
            continue
        color = css_color(sf.color) if colors is None else colors[i]
        dash = _DASHES.get(sf.style)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        name = html.escape(sf.legend)
        items.append(
            f'<span class="lossplot-legend-item" title="{name}" style="{_ITEM_STYLE}">'
            f'<svg width="20" height="8" aria-hidden="true"><line x1="0" y1="4" x2="20" y2="4" '
            f'style="stroke: {color}" stroke-width="2"{dash_attr}/></svg>'
            f'<span style="overflow: hidden; text-overflow: ellipsis">{name}</span></span>'
        )
    if y is not None and y.clipped:
        where = " and ".join(w for w, c in (("above", y.clipped_above), ("below", y.clipped_below)) if c)
        items.append(
            f'<span class="lossplot-clipped" style="color: var(--jp-ui-font-color2, #757575)" title="some points lie '
            f'{where} the y range, which fits the bulk of the data and the latest values; the &#39;all y&#39; button '
            'shows everything">'
            f'{"↑" if y.clipped_above else "↓"} y clipped</span>'
        )
    if not items:
        return ""
    return f'<div class="lossplot-legend" style="{_LEGEND_STYLE}">{"".join(items)}</div>'


class Panel:
    """A figure for one metric family: x/y scales (linear and log), axes, epoch rules, series marks.

    :attr:`box` holds a header (the title; a click folds the panel away, see :meth:`set_collapsed`)
    above the figure.
    """

    def __init__(
        self, title: str, x_label: str, height: str, on_toggle: Callable[[str], None] = lambda title: None,
        label: str | None = None,
    ) -> None:
        self.title = title
        self.label = title if label is None else label  # the header's text
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
        # reference lines span the plot whatever the zoom (their own 0..1 x scale), labelled at the right end;
        # best points sit on the panel's x scale, labelled above
        self.ref_scale = bqplot.LinearScale(min=0.0, max=1.0)
        y = self.lin_scale
        self.ref_lines = bqplot.Lines(
            x=np.empty((0, 2)), y=np.empty((0, 2)), scales={"x": self.ref_scale, "y": y},
            colors=[REFERENCE_COLOR], opacities=[0.9], line_style="dash_dotted", stroke_width=1.5,
        )
        self.ref_labels = bqplot.Label(
            x=np.empty(0), y=np.empty(0), text=[], scales={"x": self.ref_scale, "y": y}, colors=[REFERENCE_COLOR],
            default_size=11, align="end", y_offset=-5,
        )
        self.best_dots = bqplot.Scatter(
            x=np.empty(0), y=np.empty(0), scales={"x": self.x_scale, "y": y}, colors=["black"], default_size=50,
            stroke="white", stroke_width=1.5,
        )
        # labels of best points in the left half grow rightwards, in the right half leftwards (no edge cuts them)
        self.best_labels = {
            side: bqplot.Label(
                x=np.empty(0), y=np.empty(0), text=[], scales={"x": self.x_scale, "y": y}, colors=["black"],
                default_size=11, font_weight="bold", align=side, y_offset=-10,
            )
            for side in ("start", "end")
        }
        self._marked: tuple[object, ...] | None = None  # what the marks above show
        #: the muted runs' lines, all in one mark under the others (made when a run is first muted)
        self.muted: bqplot.Lines | None = None
        self._muted_drawn: tuple[object, ...] | None = None
        self._y_axis_state: tuple[object, ...] | None = None  # the y axis' scale, tick format and ticks
        self._x_ticks: list[float] | None = None
        # bqplot's own hover toolbar (a second pan/zoom and a save icon) is off: the widget's toolbar
        # zooms x (see zoom.py) and its downloads save the history and the picture
        self.figure = bqplot.Figure(
            marks=self._marks(), axes=[self.x_axis, self.y_axis], title="", animation_duration=0,
            fig_margin={"top": 12, "bottom": 45, "left": 60, "right": 20}, display_toolbar=False,
            layout=widgets.Layout(width="100%", height=height),
        )
        self.header = widgets.Button(
            description=f"\u25be {self.label}",
            tooltip=f"fold the {self.label} panel away (nothing is sent while folded)",
            layout=widgets.Layout(width="auto", max_width="100%", height="26px", flex="0 1 auto"),
            style={"button_color": "transparent", "font_weight": "bold"}, _dom_classes=["lossplot-panel-title"],
        )
        self.header.on_click(lambda _: on_toggle(title))
        #: the series' names in their colours and dashes, and the "y clipped" mark (see :func:`legend_html`)
        self.legend = widgets.HTML(layout=widgets.Layout(flex="1 1 0", min_width="0", margin="0 0 0 8px"))
        self.legend.add_class("lossplot-panel-legend")
        self.header_row = widgets.HBox(
            [self.header, self.legend], layout=widgets.Layout(margin="0 0 0 52px", align_items="center")
        )
        self.box = widgets.VBox(
            [self.header_row, self.figure],
            layout=widgets.Layout(flex="1 1 420px", min_width="300px", margin="0 0 6px 0"),
            _dom_classes=["lossplot-panel"],
        )

    def set_collapsed(self, collapsed: bool) -> None:
        """Fold the figure away (only the header stays) or show it again."""
        if collapsed == (self.figure.layout.display == "none"):
            return
        self.figure.layout.display = "none" if collapsed else None
        arrow, verb = ("\u25b8", "show") if collapsed else ("\u25be", "fold away")
        self.header.description = f"{arrow} {self.label}"
        note = "" if collapsed else " (nothing is sent while folded)"
        self.header.tooltip = f"{verb} the {self.label} panel{note}"

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
            self.figure.marks = self._marks()

    def _marks(self) -> list[Any]:
        """Rules and reference lines under the series' lines, best points over them."""
        series = [m for s in self.series.values() for m in s.marks]
        muted = [self.muted] if self.__dict__.get("muted") is not None else []
        return [self.rules, self.ref_lines, self.ref_labels, *muted, *series, self.best_dots,
                *self.best_labels.values()]

    def set_log(self, log_y: bool) -> None:
        """Log (or linear) y from the next :meth:`apply` on: the axis moves once its scale has a range."""
        self.log_y = log_y

    def apply(
        self, frames: list[SeriesFrame], smoothing: bool, x_label: str, axes: PanelAxes | None = None,
        references: Sequence[Reference] = (),
    ) -> dict[SeriesKey, int]:
        """Assign ``frames`` to the marks and ``axes`` to the scales, draw ``references`` and the series' best
        points; returns the bytes of array data sent per series (sent ones only)."""
        sent: dict[SeriesKey, int] = {}
        if self.x_axis.label != x_label:
            self.x_axis.label = x_label
        self.set_axes(axes if axes is not None else PanelAxes(None))  # the y scale's range before its marks
        muted = [sf for sf in frames if sf.muted]
        frames = [sf for sf in frames if not sf.muted]
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
                        _set_scales(mark, scales)
                    if restyle:
                        marks.restyle(mark, sf, smoothing)
                    wx, wy = narrow(x), narrow(y)
                    nbytes += wx.nbytes + wy.nbytes
                    mark.x = wx
                    mark.y = wy
            sent[sf.key] = nbytes
        gone = {sf.key for sf in muted}
        for key, marks in self.series.items():
            if key not in shown and key not in gone:
                marks.clear()
        self._drop([key for key in self.series if key in gone])
        sent.update(self._draw_muted(muted, scales))
        best = [sf for sf in frames if sf.best is not None]
        self.set_marks(references, best, scales["y"], _x_extent(frames, axes) if best else (0.0, 1.0))
        legend = legend_html(frames, None if axes is None else axes.y)
        if self.legend.value != legend:
            self.legend.value = legend
        return sent

    def _drop(self, keys: list[SeriesKey]) -> None:
        """Close the marks of series now drawn muted (a sweep's 300 runs keep a handful of marks, not 900)."""
        if not keys:
            return
        dropped = [self.series.pop(key) for key in keys]
        self.figure.marks = self._marks()
        close_tree(*(m for d in dropped for m in d.marks), keep=[self.x_scale, self.lin_scale, self.log_scale])

    def _draw_muted(self, frames: list[SeriesFrame], scales: dict[str, Any]) -> dict[SeriesKey, int]:
        """The muted runs' lines as rows of one ``Lines`` mark (sent again only when one of them changed)."""
        if not frames and self.muted is None:
            return {}
        if self.muted is None:
            self.muted = bqplot.Lines(
                x=np.empty(0), y=np.empty(0), scales=scales, colors=[css_color(MUTED)], labels=[MUTED_LABEL],
                opacities=[MUTED_OPACITY], stroke_width=1.0,
            )
            self.figure.marks = self._marks()
        state = (tuple(id(sf) for sf in frames), scales["y"])
        if state == self._muted_drawn:
            return {}
        self._muted_drawn = state
        # one line through every muted run, a NaN (a gap) between two runs: bqplot draws it as separate curves, and
        # no padded rows (a 2-d mark's padding made bqplot place its curve labels at undefined positions)
        xs: list[np.ndarray] = []
        ys: list[np.ndarray] = []
        for sf in frames:
            x, y = (sf.smooth_x, sf.smooth_y) if len(sf.smooth_x) else (sf.x, sf.y)
            if not len(x):
                continue
            if xs:
                xs.append(x[:1])
                ys.append(np.array([np.nan]))
            xs.append(x)
            ys.append(y)
        wx = narrow(np.concatenate(xs) if xs else np.empty(0))
        wy = narrow(np.concatenate(ys) if ys else np.empty(0))
        with self.muted.hold_sync():
            _set_scales(self.muted, scales)
            self.muted.x, self.muted.y = wx, wy
        fresh = [sf for sf in frames if sf.fresh] or frames
        return {sf.key: (wx.nbytes + wy.nbytes) // len(fresh) for sf in fresh}

    def set_marks(
        self, references: Sequence[Reference], best: Sequence[SeriesFrame], y_scale: Any,
        x_extent: tuple[float, float] = (0.0, 1.0),
    ) -> None:
        """Draw the reference lines and the best points, labelled (see :func:`label_sides`) inside ``x_extent``
        (only the marks whose content, or the y scale, changed: this runs every frame of every panel)."""
        points = [(sf.best, css_color(sf.color)) for sf in best if sf.best is not None]
        # the extent only decides which way labels grow: a growing x range changes nothing else here
        sides = label_sides([b.x for b, _ in points], *x_extent) if points else []
        state = (tuple(references), tuple(points), tuple(sides), y_scale)
        if state == self._marked:
            return
        old = self._marked
        self._marked = state
        if old is None or old[0] != state[0] or old[3] is not y_scale:
            values = np.array([r.value for r in references], dtype=float)
            with self.ref_lines.hold_sync():
                _set_scales(self.ref_lines, {"x": self.ref_scale, "y": y_scale})
                self.ref_lines.x = np.tile([0.0, 1.0], (len(values), 1))
                self.ref_lines.y = np.repeat(values.reshape(-1, 1), 2, axis=1)
            with self.ref_labels.hold_sync():
                _set_scales(self.ref_labels, {"x": self.ref_scale, "y": y_scale})
                self.ref_labels.x = np.full(len(values), 0.99)
                self.ref_labels.y = values
                self.ref_labels.text = [r.label for r in references]
        if old is not None and old[1:] == state[1:]:
            return
        for mark, shown in ((self.best_dots, points), *(
            (label, [p for p, s in zip(points, sides) if s == side]) for side, label in self.best_labels.items()
        )):
            with mark.hold_sync():
                _set_scales(mark, {"x": self.x_scale, "y": y_scale})
                mark.x = np.array([b.x for b, _ in shown], dtype=float)
                mark.y = np.array([b.y for b, _ in shown], dtype=float)
                mark.colors = [c for _, c in shown] or ["black"]
                if mark is not self.best_dots:
                    mark.text = [b.label for b, _ in shown]

    def set_axes(self, axes: PanelAxes) -> None:
        """The y range (Python owns the y scales: zoom moves x only), tick formats and tick values."""
        yr = axes.y
        scale = self.log_scale if self.log_y else self.lin_scale
        lo, hi = (None, None) if yr is None else (yr.lo, yr.hi)
        if (scale.min, scale.max) != (lo, hi):
            with scale.hold_sync():
                scale.min, scale.max = lo, hi
        fmt = ".3~g" if yr is None or self.log_y else yr.tick_format
        # bqplot labels every 1..9 multiple on a log axis spanning < 2 decades: the labels overlap
        ticks = log_ticks(yr.lo, yr.hi) if self.log_y and yr is not None else []
        y_state = (scale, fmt, ticks)
        if y_state != self._y_axis_state:  # most frames: nothing to change, nothing to validate
            self._y_axis_state = y_state
            with self.y_axis.hold_sync():  # scale, format and ticks in one message (a mix drew NaN ticks)
                self.y_axis.scale = scale  # an equal value sends nothing
                self.y_axis.tick_format = fmt
                _set_ticks(self.y_axis, ticks)
        x_ticks = axes.x_ticks or []
        if x_ticks != self._x_ticks:
            self._x_ticks = x_ticks
            _set_ticks(self.x_axis, x_ticks)

    def set_rules(self, xs: list[float]) -> None:
        """Draw the epoch boundaries at ``xs`` (one message, only when they changed)."""
        if xs == self._rule_x:
            return
        self._rule_x = list(xs)
        pairs = np.repeat(np.asarray(xs, dtype=float).reshape(-1, 1), 2, axis=1)
        with self.rules.hold_sync():
            self.rules.x = pairs
            self.rules.y = np.tile([0.0, 1.0], (len(xs), 1))


def _x_extent(frames: Sequence[SeriesFrame], axes: PanelAxes | None) -> tuple[float, float]:
    """The x range the panel shows: its zoom, else its lines' extent."""
    if axes is not None and axes.x_zoom is not None:
        return axes.x_zoom
    ends = [float(f(a)) for sf in frames for a in (sf.x, sf.smooth_x) if len(a) for f in (np.nanmin, np.nanmax)]
    return (min(ends), max(ends)) if ends else (0.0, 1.0)


def _set_scales(mark: Any, scales: dict[str, Any]) -> None:
    """Give ``mark`` these scales, only when they differ: bqplot re-validates a mark's scales against all its
    traits on every assignment, equal or not (the most expensive trait of a frame)."""
    current = mark.scales
    if current.keys() != scales.keys() or any(current[k] is not v for k, v in scales.items()):
        mark.scales = scales


def _set_ticks(axis: bqplot.Axis, ticks: list[float]) -> None:
    """Set ``axis``' tick values (empty: the browser's own) when they changed."""
    current = [] if axis.tick_values is None else list(axis.tick_values)
    if current != ticks:
        axis.tick_values = np.asarray(ticks, dtype=float)
