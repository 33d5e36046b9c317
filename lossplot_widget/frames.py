"""Turn history into what is drawn: x per axis mode, smoothing, log masking, decimation.

Pure numpy; knows nothing about widgets. A :class:`FrameBuilder` keeps the
incremental smoothing state of each series between frames.

>>> from lossplot_widget.history import History
>>> h = History(); _ = [h.append({"loss": 1.0 / (i + 1)}, None, None) for i in range(10)]
>>> frame = FrameBuilder(h).build(FrameOptions(smoothing=0.0))
>>> float(frame.panels["loss"][0].y[-1])
0.1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from .decimate import minmax_indices
from .grouping import assign_panels
from .history import History, Series, Stats
from .smoothing import EmaState, ema_smooth

X_AXES = ("step", "epoch", "time")
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


def _decimate(x: np.ndarray, y: np.ndarray, budget: int) -> tuple[np.ndarray, np.ndarray]:
    idx = minmax_indices(y, budget)
    if len(idx) == len(y):
        return x, y
    return x[idx], y[idx]


def _epoch_x(history: History, series: Series, steps: np.ndarray) -> np.ndarray:
    """Fractional epochs: the last step of epoch e sits at e + 1, its first at e + 1/len."""
    bounds: dict[float, list[int]] = {}
    for s in (history[n] for n in history.names):
        st = s.steps
        runs = s.epoch_runs
        for k, (start, epoch) in enumerate(runs):
            end = (runs[k + 1][0] if k + 1 < len(runs) else len(st)) - 1
            if start > end or start >= len(st):
                continue
            lo, hi = int(st[start]), int(st[end])
            b = bounds.setdefault(epoch, [lo, hi])
            b[0], b[1] = min(b[0], lo, hi), max(b[1], lo, hi)
    epochs = series.epochs
    lo = np.array([bounds[e][0] for e in epochs.tolist()], dtype=np.float64) if len(epochs) else epochs
    hi = np.array([bounds[e][1] for e in epochs.tolist()], dtype=np.float64) if len(epochs) else epochs
    return epochs + (steps - lo + 1) / (hi - lo + 1)


class FrameBuilder:
    """Builds :class:`Frame` objects from a :class:`History`."""

    def __init__(self, history: History) -> None:
        self.history = history
        self._ema: dict[str, EmaState] = {}

    def _smoothed(self, name: str, values: np.ndarray, weight: float) -> np.ndarray:
        state = self._ema.get(name)
        if state is None or state.weight != weight or state.done > len(values):
            state = self._ema[name] = EmaState(weight)
        return state.update(values)

    def build(self, options: FrameOptions) -> Frame:
        if options.x_axis not in X_AXES:
            raise ValueError(f"x_axis must be one of {X_AXES}, got {options.x_axis!r}")
        history = self.history
        with history.lock:
            history.commit()
            names = history.names
            panels = assign_panels(names, options.groups)
            out: dict[str, list[SeriesFrame]] = {}
            stats: dict[str, Stats] = {}
            for title, members in panels.items():
                frames = out[title] = []
                for name in members:
                    s = history[name]
                    stats[name] = s.stats()
                    frames.append(self._series_frame(s, options))
        return Frame(panels=out, x_label=X_LABELS[options.x_axis], stats=stats)

    def _series_frame(self, s: Series, options: FrameOptions) -> SeriesFrame:
        steps, values = s.steps, s.values
        keep = None
        if s.restarts:  # a resumed/repeated step: newer points replace older ones (Series.visible_ranges)
            keep = np.concatenate([np.arange(a, b) for a, b in s.visible_ranges()])
            steps, values = steps[keep], values[keep]
        if options.x_axis == "step":
            x = steps.astype(np.float64)
        elif options.x_axis == "time":
            x = s.times.astype(np.float64) if keep is None else s.times[keep].astype(np.float64)
        else:
            x = _epoch_x(self.history, s, s.steps.astype(np.float64))
            x = x if keep is None else x[keep]
        weight = float(options.smoothing)
        smooth = None
        if weight > 0:
            smooth = self._smoothed(s.name, values, weight) if keep is None else ema_smooth(values, weight)
        y = values
        hidden = 0
        if options.log_y:
            nonpositive = values <= 0
            hidden = int(nonpositive.sum())
            if hidden:
                y = np.where(nonpositive, np.nan, values)
                if smooth is not None:
                    smooth = np.where(smooth <= 0, np.nan, smooth)
        # non-finite values are drawn as gaps (an Inf would break the axis' domain)
        if s.stats().first_nonfinite_step is not None:
            y = np.where(np.isfinite(y), y, np.nan)
            if smooth is not None:
                smooth = np.where(np.isfinite(smooth), smooth, np.nan)
        # the browser's linear scale overflows on a domain wider than the largest double: clip for drawing
        if values.size and (np.nanmax(np.abs(np.where(np.isfinite(y), y, 0.0))) > DRAW_LIMIT):
            clipped = int((np.abs(np.where(np.isfinite(y), y, 0.0)) > DRAW_LIMIT).sum())
            y = np.clip(y, -DRAW_LIMIT, DRAW_LIMIT)
            if smooth is not None:
                smooth = np.clip(smooth, -DRAW_LIMIT, DRAW_LIMIT)
        else:
            clipped = 0
        rx, ry = _decimate(x, y if smooth is None else smooth, options.readout_points)
        dx, dy = _decimate(x, y, options.max_points)
        if smooth is None:
            sx = sy = np.empty(0)
        else:
            sx, sy = _decimate(x, smooth, options.max_points)
        return SeriesFrame(s.name, dx, dy, sx, sy, rx, ry, hidden, len(s), clipped)
