"""The landscape's bqplot figure: a heat map with contour lines, the path, the start and current point.

For ``"1d"`` it is a line chart instead (loss along the line, on the probe batch and the validation
batch). :meth:`LandscapeView.show` assigns a finished slice to the marks, one message per mark.
"""

from __future__ import annotations

import bqplot
import ipywidgets as widgets
import numpy as np

from ..view.closing import close_tree
from .contours import contour_levels, contour_lines
from .slices import Slice

__all__ = ["LandscapeView", "color_values"]

PATH_COLOR = "#e8453c"
START_COLOR = "white"
VAL_COLOR = "#ff7f0e"
TRAIN_COLOR = "#1f77b4"


def color_values(values: np.ndarray, log: bool) -> np.ndarray:
    """What the colours show: the loss, or its log10 (non-positive and non-finite values -> NaN)."""
    v = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log10(np.where(v > 0, v, np.nan)) if log else v.copy()
    out[~np.isfinite(out)] = np.nan
    return out


def title_of(s: Slice) -> str:
    """Short enough for a 460 px figure: what, when, the loss at the current weights."""
    where = {"1d": "line from the initial weights", "2d": "2-D filter-normalized slice", "pca": "PCA plane of the path"}
    return f"{where[s.kind]} · step {s.step} · loss {s.center_loss:.4g}"


def axis_labels(s: Slice) -> tuple[str, str]:
    if s.kind == "1d":
        return "α (0: initial weights, 1: current weights)", "loss"
    if s.kind == "pca" and s.explained is not None:
        return f"PC1 ({s.explained[0]:.1%})", f"PC2 ({s.explained[1]:.1%})"
    return "direction 1 (filter-normalized)", "direction 2 (filter-normalized)"


class LandscapeView:
    """The widgets of one landscape: a note line (progress, errors) above a bqplot figure."""

    def __init__(self, kind: str, log_color: bool, height: str = "380px", width: str = "460px") -> None:
        self.kind = kind
        self.log_color = log_color
        self.note = widgets.HTML(value="", layout=widgets.Layout(min_height="1.4em"))
        self.note.add_class("lossplot-landscape-note")
        sx, sy = bqplot.LinearScale(), bqplot.LinearScale()
        self.scales = (sx, sy)
        scales = {"x": sx, "y": sy}
        self.start = bqplot.Scatter(x=np.empty(0), y=np.empty(0), scales=scales, marker="diamond",
                                    colors=[START_COLOR], stroke="black", default_size=70)
        self.current = bqplot.Scatter(x=np.empty(0), y=np.empty(0), scales=scales, marker="cross",
                                      colors=[PATH_COLOR], stroke="white", default_size=110)
        self.path = bqplot.Lines(x=np.empty(0), y=np.empty(0), scales=scales, colors=[PATH_COLOR], stroke_width=2)
        if kind == "1d":
            self.lines = bqplot.Lines(x=np.empty(0), y=np.empty((2, 0)), scales=scales,
                                      colors=[TRAIN_COLOR, VAL_COLOR], stroke_width=2)
            marks = [self.lines, self.start, self.current]
            self.heat = self.contours = self.color_axis = None
            self.path.visible = False
        else:
            self.color_scale = bqplot.ColorScale(scheme="viridis")
            self.heat = bqplot.HeatMap(x=np.arange(2.0), y=np.arange(2.0), color=np.full((2, 2), np.nan),
                                       scales={**scales, "color": self.color_scale}, visible=False)
            self.contours = bqplot.Lines(x=np.empty(0), y=np.empty(0), scales=scales, colors=["white"],
                                         opacities=[0.6], stroke_width=1)
            self.color_axis = bqplot.ColorAxis(scale=self.color_scale, side="right", label="loss",
                                               label_offset="40px", tick_format=".3~g")
            marks = [self.heat, self.contours, self.path, self.start, self.current]
            self.lines = None
        self.x_axis = bqplot.Axis(scale=sx, label="", label_offset="32px", tick_format=".3~g")
        self.y_axis = bqplot.Axis(scale=sy, side="left", label="", label_offset="42px", tick_format=".3~g")
        axes = [self.x_axis, self.y_axis] + ([self.color_axis] if self.color_axis is not None else [])
        self.figure = bqplot.Figure(
            marks=marks, axes=axes, title="computing the first slice…", animation_duration=0,
            display_toolbar=False, padding_x=0.0, padding_y=0.0,
            fig_margin={"top": 40, "bottom": 48, "left": 62, "right": 24 if kind == "1d" else 84},
            title_style={"font-size": "13px"},
            layout=widgets.Layout(width=width, height=height, min_width="300px"),
        )
        self.figure.add_class("lossplot-landscape-figure")
        self.legend = widgets.HTML(value=self._legend_text())
        self.legend.add_class("lossplot-landscape-legend")
        self.children = [self.note, self.figure, self.legend]

    def _legend_text(self) -> str:
        mark = f'<span style="color:{PATH_COLOR}">✚</span> current weights · ◆ initial weights'
        if self.kind == "1d":
            return (f'<small><span style="color:{TRAIN_COLOR}">━</span> probe batch · '
                    f'<span style="color:{VAL_COLOR}">━</span> validation batch · {mark}</small>')
        return f'<small>{mark} · <span style="color:{PATH_COLOR}">━</span> the path so far</small>'

    def progress(self, text: str) -> None:
        self.note.value = f"<small>{text}</small>"

    def show(self, s: Slice) -> None:
        """Draw ``s`` (from any thread: each mark changes in one message)."""
        xl, yl = axis_labels(s)
        self.x_axis.label, self.y_axis.label = xl, yl
        sx, sy = self.scales
        with sx.hold_sync():  # the plot is the grid: points off the slice (the start, often) are clipped
            sx.min, sx.max = float(s.x[0]), float(s.x[-1])
        if s.y is not None:
            with sy.hold_sync():
                sy.min, sy.max = float(s.y[0]), float(s.y[-1])
        if s.kind == "1d":
            assert self.lines is not None
            rows = [s.values] + ([s.val_values] if s.val_values is not None else [])
            y = np.array([np.where(np.isfinite(r), r, np.nan) for r in rows])
            with self.lines.hold_sync():
                self.lines.x, self.lines.y = s.x, y
            at = np.interp([s.start[0], s.current[0]], s.x, s.values)
            with self.start.hold_sync():
                self.start.x, self.start.y = np.array([s.start[0]]), at[:1]
            with self.current.hold_sync():
                self.current.x, self.current.y = np.array([s.current[0]]), np.array([s.center_loss])
        else:
            assert self.heat is not None and self.contours is not None and self.color_axis is not None
            assert s.y is not None
            z = color_values(s.values, self.log_color)
            with self.heat.hold_sync():
                self.heat.x, self.heat.y, self.heat.color = s.x, s.y, z
                self.heat.visible = True
            cx, cy = contour_lines(s.x, s.y, z, contour_levels(z))
            with self.contours.hold_sync():
                self.contours.x, self.contours.y = cx, cy
            self.color_axis.label = "log10 loss" if self.log_color else "loss"
            with self.path.hold_sync():
                self.path.x, self.path.y = s.path[:, 0], s.path[:, 1]
            with self.start.hold_sync():
                self.start.x, self.start.y = np.array([s.start[0]]), np.array([s.start[1]])
            with self.current.hold_sync():
                self.current.x, self.current.y = np.array([s.current[0]]), np.array([s.current[1]])
        self.figure.title = title_of(s)

    def close(self) -> None:
        """Close every widget of the view (marks, scales, axes, layouts, styles: see view/closing.py)."""
        close_tree(self.children)
