"""Turn history into what is drawn: x per axis mode, smoothing, log masking, decimation.

Pure numpy; knows nothing about widgets. A :class:`FrameBuilder` keeps the
incremental state of each series between frames (min/max pyramids, smoothing
checkpoints: :mod:`lossplot_widget.render.tracks`), so a frame's cost and size do not
grow with the history; a zoomed x range or a ``window`` selects what is drawn.

>>> from lossplot_widget.core.history import History
>>> h = History(); _ = [h.append({"loss": 1.0 / (i + 1)}, None, None) for i in range(10)]
>>> frame = FrameBuilder(h).build(FrameOptions(smoothing=0.0))
>>> float(frame.panels["loss"][0].y[-1])
0.1
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ..core.epochs import epoch_step_bounds
from ..core.grouping import assign_panels, panel_title
from ..core.history import History, Series, Stats
from ..core.runs import Run, RunSet
from .pyramid import MinMaxPyramid
from .runstyle import RunSummary, SeriesKey, style_panels, summarize
from .tracks import SeriesTrack, position_bound

__all__ = [
    "DRAW_LIMIT", "X_AXES", "X_LABELS", "Frame", "FrameBuilder", "FrameOptions", "RunSummary", "SeriesFrame",
    "SeriesKey",
]

X_AXES = ("step", "epoch", "time")
#: x values of drawn positions
XAt = Callable[[np.ndarray], np.ndarray]
#: magnitudes beyond this are drawn clipped (the history keeps them exactly)
DRAW_LIMIT = 1e307
X_LABELS = {"step": "step", "epoch": "epoch", "time": "wall-clock time (s)"}


@dataclass(frozen=True)
class FrameOptions:
    """How to draw: smoothing weight, log-y, x axis mode and the point budget per series."""

    smoothing: float = 0.6
    log_y: bool = False
    x_axis: str = "step"
    max_points: int = 2000
    readout_points: int = 400
    groups: Mapping[str, str] = field(default_factory=dict)
    #: per panel title, the visible x range ``(min, max)`` (either may be None) set by zooming
    x_ranges: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    #: without a zoom, show only the latest ``window`` steps of each run (None: the whole run)
    window: int | None = None
    #: runs not drawn (their lines cost no payload; they stay in the run table)
    hidden: frozenset[str] = frozenset()


@dataclass
class SeriesFrame:
    """One series of one run, ready to assign to marks (all arrays float64, bounded in length)."""

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
    #: False when the arrays are the previous frame's (nothing changed: nothing to send)
    fresh: bool = True

    @property
    def key(self) -> SeriesKey:
        return (self.run, self.name)

    @property
    def label(self) -> str:
        """``"<run> · <metric>"`` when runs are compared, else the metric."""
        return self.name if self.legend == self.name or not self.run else f"{self.run} · {self.name}"


@dataclass
class Frame:
    panels: dict[str, list[SeriesFrame]]
    x_label: str
    #: per (run, metric) of every run, hidden ones included
    stats: dict[SeriesKey, Stats]
    #: every run, in the order they began (the run table)
    runs: list[RunSummary] = field(default_factory=list)
    #: several runs (or a named one): colour encodes the run, the legend names runs
    comparing: bool = False


def _epoch_x(series: Series, index: np.ndarray, bounds: Mapping[float, tuple[int, int]]) -> np.ndarray:
    """Fractional epochs of points ``index``: epoch e's last step sits at e + 1, its first at e + 1/len."""
    runs = series.epoch_runs
    if not len(index) or not runs:
        return np.zeros(len(index))
    starts = np.array([i for i, _ in runs], dtype=np.int64)
    labels = [e for _, e in runs]
    k = np.searchsorted(starts, index, side="right") - 1
    epochs = np.array(labels, dtype=np.float64)[k]
    lo = np.array([bounds[e][0] for e in labels], dtype=np.float64)[k]
    hi = np.array([bounds[e][1] for e in labels], dtype=np.float64)[k]
    steps = series.steps[index].astype(np.float64)
    return epochs + (steps - lo + 1) / (hi - lo + 1)


class FrameBuilder:
    """Builds :class:`Frame` objects from a :class:`~lossplot_widget.core.runs.RunSet` (or one History).

    Keeps a :class:`~lossplot_widget.render.tracks.SeriesTrack` per (run, series), so a frame costs
    O(max_points) per drawn series plus the new points since the last frame, whatever the length of
    the history; a series whose points and options did not change since the last frame reuses its
    arrays (``fresh=False``), so finished runs cost (almost) nothing per frame.
    """

    def __init__(self, source: History | RunSet) -> None:
        self.runs = RunSet.of(source) if isinstance(source, History) else source
        self._tracks: dict[tuple[Run, str], SeriesTrack] = {}
        self._last: dict[tuple[Run, str], tuple[tuple[object, ...], SeriesFrame]] = {}

    def build(self, options: FrameOptions) -> Frame:
        if options.x_axis not in X_AXES:
            raise ValueError(f"x_axis must be one of {X_AXES}, got {options.x_axis!r}")
        runs = self.runs.snapshot()
        comparing = self.runs.comparing
        self._forget(runs)
        names: dict[str, None] = {}
        stats: dict[SeriesKey, Stats] = {}
        drawn: dict[tuple[str, str], SeriesFrame] = {}  # (run, metric) -> frame, visible runs only
        summaries = []
        for run in runs:
            h = run.history
            hidden = run.name in options.hidden
            with h.lock:
                h.commit()
                run_stats = {}
                bounds = epoch_step_bounds(h) if options.x_axis == "epoch" and not hidden else {}
                for name in h.names:
                    s = h[name]
                    run_stats[name] = stats[(run.name, name)] = s.stats()
                    names.setdefault(name)
                    if not hidden:
                        drawn[(run.name, name)] = self._series_frame(run, s, options, bounds)
                summaries.append(summarize(run, run_stats, hidden))
        panels: dict[str, list[SeriesFrame]] = {}
        for title, members in assign_panels(list(names), options.groups).items():
            panels[title] = [drawn[(r.name, m)] for r in runs for m in members if (r.name, m) in drawn]
        style_panels(panels, comparing, {r.name: r.index for r in runs})
        return Frame(panels=panels, x_label=X_LABELS[options.x_axis], stats=stats, runs=summaries,
                     comparing=comparing)

    def track(self, name: str, run: str | None = None) -> SeriesTrack:
        """The incremental drawing state of series ``name`` (of run ``run``, default: the first run with it)."""
        for (r, n), track in self._tracks.items():
            if n == name and (run is None or r.name == run):
                return track
        raise KeyError(name)

    def _forget(self, runs: list[Run]) -> None:
        """Drop the state of runs that are gone (removed, cleared)."""
        alive = set(runs)
        for key in [k for k in self._tracks if k[0] not in alive]:
            del self._tracks[key]
            self._last.pop(key, None)

    def _visible(
        self, title: str, run: Run, track: SeriesTrack, x_at: XAt, step_at: XAt, options: FrameOptions
    ) -> tuple[int, int]:
        """Drawn positions ``[lo, hi)`` inside the panel's zoomed x range, or the run's latest ``window`` steps."""
        size = track.size
        zoom = options.x_ranges.get(title)
        if zoom is not None and size:
            xlo, xhi = zoom
            lo = 0 if xlo is None else max(0, position_bound(x_at, size, float(xlo), right=False) - 1)
            hi = size if xhi is None else min(size, position_bound(x_at, size, float(xhi), right=True) + 1)
            return lo, hi
        if options.window is not None and size:
            first = run.history.next_step - options.window
            return position_bound(step_at, size, float(first), right=False), size
        return 0, size

    def _series_frame(
        self, run: Run, s: Series, options: FrameOptions, bounds: Mapping[float, tuple[int, int]]
    ) -> SeriesFrame:
        title = panel_title(s.name, options.groups)
        key = (run, s.name)
        signature = (
            s.version, len(s), options.smoothing, options.log_y, options.x_axis, options.max_points,
            options.readout_points, options.x_ranges.get(title), options.window,
            run.history.next_step if options.window is not None else None,
            run.history.version if options.x_axis == "epoch" else None,
        )
        last = self._last.get(key)
        if last is not None and last[0] == signature:
            last[1].fresh = False
            return last[1]
        weight = float(options.smoothing)
        track = self._tracks.get(key)
        if track is None:
            track = self._tracks[key] = SeriesTrack()
        track.update(s, weight)

        def step_at(pos: np.ndarray) -> np.ndarray:
            return s.steps[track.hist_index(pos)].astype(np.float64)

        def x_at(pos: np.ndarray) -> np.ndarray:
            index = track.hist_index(pos)
            if options.x_axis == "step":
                return s.steps[index].astype(np.float64)
            if options.x_axis == "time":
                return s.times[index].astype(np.float64)
            return _epoch_x(s, index, bounds)

        lo, hi = self._visible(title, run, track, x_at, step_at, options)
        log = options.log_y
        buckets = (options.max_points - 2) // 3

        def line(pyramid: MinMaxPyramid | None, n_buckets: int) -> tuple[np.ndarray, np.ndarray]:
            if pyramid is None:
                return np.empty(0), np.empty(0)
            idx, y = pyramid.select(lo, hi, n_buckets, log)
            # non-finite values are gaps (an Inf would break the axis' domain); so are values <= 0 on log y
            y = np.where(np.isfinite(y), y, np.nan)
            if log:
                y = np.where(y > 0, y, np.nan)
            # the browser's linear scale overflows on a domain wider than the largest double: clip for drawing
            y = np.clip(y, -DRAW_LIMIT, DRAW_LIMIT)
            return x_at(idx), y

        smooth = None if weight <= 0 else (track.raw if track.constant else track.smooth)
        dx, dy = line(track.raw, buckets)
        sx, sy = line(smooth, buckets)
        rx, ry = line(smooth if smooth is not None else track.raw, (options.readout_points - 2) // 3)
        hidden = track.raw.nonpositive if log else 0
        sf = SeriesFrame(s.name, dx, dy, sx, sy, rx, ry, hidden, len(s), track.huge, run=run.name)
        self._last[key] = (signature, sf)
        return sf
