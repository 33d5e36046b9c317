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
from ..core.grouping import assign_panels
from ..core.history import History, Series, Stats
from .pyramid import MinMaxPyramid
from .tracks import SeriesTrack, position_bound

__all__ = ["DRAW_LIMIT", "X_AXES", "X_LABELS", "Frame", "FrameBuilder", "FrameOptions", "SeriesFrame"]

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
    #: without a zoom, show only the latest ``window`` steps (None: the whole run)
    window: int | None = None


@dataclass
class SeriesFrame:
    """One series, ready to assign to marks (all arrays float64, bounded in length)."""

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


@dataclass
class Frame:
    panels: dict[str, list[SeriesFrame]]
    x_label: str
    stats: dict[str, Stats]


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
    """Builds :class:`Frame` objects from a :class:`History`.

    Keeps a :class:`~lossplot_widget.render.tracks.SeriesTrack` per series, so a frame costs
    O(max_points) per series plus the new points since the last frame, whatever the
    length of the history.
    """

    def __init__(self, history: History) -> None:
        self.history = history
        self._tracks: dict[str, SeriesTrack] = {}

    def build(self, options: FrameOptions) -> Frame:
        if options.x_axis not in X_AXES:
            raise ValueError(f"x_axis must be one of {X_AXES}, got {options.x_axis!r}")
        history = self.history
        with history.lock:
            history.commit()
            names = history.names
            panels = assign_panels(names, options.groups)
            bounds = epoch_step_bounds(history) if options.x_axis == "epoch" else {}
            out: dict[str, list[SeriesFrame]] = {}
            stats: dict[str, Stats] = {}
            for title, members in panels.items():
                frames = out[title] = []
                for name in members:
                    s = history[name]
                    stats[name] = s.stats()
                    frames.append(self._series_frame(title, s, options, bounds))
        return Frame(panels=out, x_label=X_LABELS[options.x_axis], stats=stats)

    def track(self, name: str) -> SeriesTrack:
        """The incremental drawing state of series ``name``."""
        track = self._tracks.get(name)
        if track is None:
            track = self._tracks[name] = SeriesTrack()
        return track

    def _visible(
        self, title: str, track: SeriesTrack, x_at: XAt, step_at: XAt, options: FrameOptions
    ) -> tuple[int, int]:
        """Drawn positions ``[lo, hi)`` inside the panel's zoomed x range, or the latest ``window`` steps."""
        size = track.size
        zoom = options.x_ranges.get(title)
        if zoom is not None and size:
            xlo, xhi = zoom
            lo = 0 if xlo is None else max(0, position_bound(x_at, size, float(xlo), right=False) - 1)
            hi = size if xhi is None else min(size, position_bound(x_at, size, float(xhi), right=True) + 1)
            return lo, hi
        if options.window is not None and size:
            first = self.history.next_step - options.window
            return position_bound(step_at, size, float(first), right=False), size
        return 0, size

    def _series_frame(
        self, title: str, s: Series, options: FrameOptions, bounds: Mapping[float, tuple[int, int]]
    ) -> SeriesFrame:
        weight = float(options.smoothing)
        track = self.track(s.name)
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

        lo, hi = self._visible(title, track, x_at, step_at, options)
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
        clipped = track.huge
        return SeriesFrame(s.name, dx, dy, sx, sy, rx, ry, hidden, len(s), clipped)
