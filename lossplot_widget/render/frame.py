"""What a frame is: the drawing options, one series ready for its marks, and a whole frame.

Plain dataclasses and constants shared by the frame builder (:mod:`~lossplot_widget.render.builder`),
the static picture and the view.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

import numpy as np

from ..core.history import Stats
from ..core.progress import ProgressState
from ..core.ranking import Objective
from ..core.run_summary import RunSummary
from .axes import PanelAxes

__all__ = [
    "DEFAULT_MAX_POINTS", "DRAW_LIMIT", "NOMINAL_PLOT_WIDTH", "WIRE_BYTES_PER_POINT", "X_AXES", "X_LABELS",
    "BestPoint", "Chooser", "Frame", "FrameOptions", "Reference", "Section", "SeriesFrame", "SeriesKey", "XAt",
]

#: ``(run name, metric)``
SeriesKey = tuple[str, str]

X_AXES = ("step", "epoch", "time")
#: x values of drawn positions
XAt = Callable[[np.ndarray], np.ndarray]
#: given the changed series and their estimated wire bytes, those to rebuild in this frame
Chooser = Callable[[list[tuple[SeriesKey, int]]], Collection[SeriesKey]]
#: the plot width (pixel columns) lines are decimated for: a panel of the default layout at
#: 1280 px (two per row); a min/max pair per column is lossless for a line
NOMINAL_PLOT_WIDTH = 500
#: at most this many points per line (raw or smoothed) per frame by default
DEFAULT_MAX_POINTS = 2 * NOMINAL_PLOT_WIDTH
#: int32 step + float32 value (see :mod:`~lossplot_widget.render.wire`), for budget estimates
WIRE_BYTES_PER_POINT = 8
#: magnitudes beyond this are drawn clipped (the history keeps them exactly)
DRAW_LIMIT = 1e307
X_LABELS = {"step": "step", "epoch": "epoch", "time": "wall-clock time (s)"}


@dataclass(frozen=True)
class FrameOptions:
    """How to draw: smoothing weight, log-y, x axis mode and the point budget per series."""

    smoothing: float = 0.6
    #: smooth every line of a panel over the same number of steps: a series logged k times more sparsely
    #: than the panel's densest series of its run gets weight ``smoothing ** k`` (False: TensorBoard's
    #: per-point EMA for every series; identical for the densest series either way)
    smooth_by_steps: bool = True
    log_y: bool = False
    #: fit the y axis to the bulk of the visible data and the latest values (see :mod:`~lossplot_widget.render.axes`)
    ignore_outliers: bool = True
    x_axis: str = "step"
    max_points: int = DEFAULT_MAX_POINTS
    #: hover readout points per series: each is a DOM element the browser re-renders every frame
    readout_points: int = 64
    groups: Mapping[str, str] = field(default_factory=dict)
    #: per panel title, the visible x range ``(min, max)`` (either may be None) set by zooming
    x_ranges: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    #: without a zoom, show only the latest ``window`` steps of each run (None: the whole run)
    window: int | None = None
    #: runs not drawn (their lines cost no payload; they stay in the run table)
    hidden: frozenset[str] = frozenset()
    #: show only panels whose title or metrics match (a regex, else plain text; see ``panel_matcher``)
    panel_filter: str = ""
    #: panels folded away by the user: not built, nothing sent
    collapsed: frozenset[str] = frozenset()
    #: sections (panel title prefixes, see :mod:`~lossplot_widget.render.sections`) the person opened (True) or
    #: folded (False); the others are open when small
    sections: Mapping[str, bool] = field(default_factory=dict)
    #: the page shown of each open section (0-based)
    pages: Mapping[str, int] = field(default_factory=dict)
    #: sections drawn as one panel holding all their series
    overlays: frozenset[str] = frozenset()
    #: labelled horizontal lines, ``{metric or panel title: {label: value}}`` (chance level, a target)
    references: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    #: mark each validation series' best point (its min, or max for accuracy-like names: the run table's best)
    mark_best: bool = True


@dataclass(frozen=True)
class BestPoint:
    """Where a series' best value lies on the panel's axes and its label, e.g. ``best 0.192 (epoch 2)``."""

    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Reference:
    """A labelled horizontal line across a panel (``LiveLossWidget.add_reference``)."""

    value: float
    label: str


@dataclass(frozen=True)
class Section:
    """One section's state in a frame (see :mod:`~lossplot_widget.render.sections`): its size, whether it is
    open, which page, what it shows."""

    name: str
    #: panels in the section, and metrics in them
    panels: int
    metrics: int
    open: bool
    #: all its series in one panel (:func:`overlay_title`)
    overlay: bool
    #: panels the filter matches (all of them without a filter)
    matched: int
    #: the page shown (0-based; clamped to the pages there are) and how many pages there are
    page: int
    pages: int
    #: the panel titles this section shows now (its page, or its overlay panel); folded: none
    titles: tuple[str, ...]


@dataclass
class SeriesFrame:
    """One series of one run, ready to assign to marks (all arrays float64, bounded in length; the view
    narrows them for the wire, see :func:`~lossplot_widget.render.wire.narrow`)."""

    name: str
    x: np.ndarray
    y: np.ndarray
    smooth_x: np.ndarray
    smooth_y: np.ndarray
    readout_x: np.ndarray
    readout_y: np.ndarray
    hidden_nonpositive: int
    count: int
    clipped: int = 0
    #: the run the series belongs to
    run: str = ""
    #: palette index, line style (``solid``, ``dashed``, ``dotted``, ``dash_dotted``) and legend
    #: label (``None``: not in the legend); see :mod:`lossplot_widget.render.runstyle`
    color: int = 0
    style: str = "solid"
    legend: str | None = None
    #: False when the panel's legend is left out (too many runs; the run table names them)
    show_legend: bool = True
    #: drawn muted (grey, thin, lean) with the other runs that are neither among the best nor running
    muted: bool = False
    #: False when the arrays are the previous frame's (nothing changed: nothing to send)
    fresh: bool = True
    #: the best point marked on a validation series (``mark_best``), else ``None``
    best: BestPoint | None = None

    @property
    def key(self) -> SeriesKey:
        return (self.run, self.name)

    @property
    def points(self) -> int:
        """Points of the three lines (raw, smoothed, hover readout)."""
        return len(self.x) + len(self.smooth_x) + len(self.readout_x)

    @property
    def label(self) -> str:
        """``"<run> · <metric>"`` when runs are compared, else the metric."""
        return self.name if self.legend == self.name or not self.run else f"{self.run} · {self.name}"


@dataclass
class Frame:
    """Everything one frame draws: the live view and the static SVG take this and nothing else."""

    panels: dict[str, list[SeriesFrame]]
    #: per (run, metric) of every run, hidden ones included
    stats: dict[SeriesKey, Stats]
    #: the options the frame was made with (log y, smoothing, x axis, filter, ...)
    options: FrameOptions = field(default_factory=FrameOptions)
    #: every run, in the order they began (the run table)
    runs: list[RunSummary] = field(default_factory=list)
    #: several runs (or a named one): colour encodes the run, the legend names runs
    comparing: bool = False
    #: every panel title in order, drawn or not
    layout: list[str] = field(default_factory=list)
    #: panels the filter leaves out
    filtered: frozenset[str] = frozenset()
    #: False when the filter is not a valid regex (it is matched as plain text)
    filter_valid: bool = True
    #: changed series a frame budget left for later frames
    deferred: int = 0
    #: per drawn panel: its y range and x ticks (see :func:`~lossplot_widget.render.axes.panel_axes`)
    axes: dict[str, PanelAxes] = field(default_factory=dict)
    #: x positions of the epoch boundaries shared by the drawn runs (see :mod:`~lossplot_widget.core.epochs`)
    epoch_rules: list[float] = field(default_factory=list)
    #: done / total, steps/s and ETA (``None``: no total, the bar is hidden)
    progress: ProgressState | None = None
    #: messages shown above the plot (e.g. a corrupt event record of a followed log)
    notes: tuple[str, ...] = ()
    #: per drawn panel, the reference lines it draws (those <= 0 are left out on log y, with a note)
    references: dict[str, list[Reference]] = field(default_factory=dict)
    #: the panel titles of the main section (no prefix), in order, drawn or not
    main: tuple[str, ...] = ()
    #: the sections (panel title prefixes) in order: folded, paged or overlaid
    sections: tuple[Section, ...] = ()
    #: what the runs are judged by (``LiveLossWidget.rank_by``, a sweep adapter); ``None``: not named
    objective: Objective | None = None

    @property
    def overlaid(self) -> frozenset[str]:
        """The titles of the overlay panels (a section's every series in one panel)."""
        return frozenset(t for s in self.sections if s.overlay for t in s.titles)

    @property
    def x_label(self) -> str:
        """The x axis' label (``step``, ``epoch``, ``wall-clock time (s)``)."""
        return X_LABELS[self.options.x_axis]
