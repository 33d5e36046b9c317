"""What is drawn of one series, kept up to date incrementally: raw and smoothed min/max pyramids.

A series' drawn sequence is its history minus points replaced by a restart
(:meth:`~lossplot_widget.core.history.Series.visible_ranges`): positions in that
sequence ("drawn positions") map to history indices through a few ranges. A
:class:`SeriesTrack` extends its :class:`~lossplot_widget.render.pyramid.MinMaxPyramid`
of raw values and its :class:`~lossplot_widget.render.smoothing.EmaTrack` (with a pyramid
of smoothed values) by the new points of each frame; only a restart or a new
smoothing weight rebuilds them. Frame cost and memory then do not grow with the
length of the run beyond O(n / BLOCK).

>>> from lossplot_widget.core.history import History
>>> h = History(); _ = [h.append({"loss": float(i % 7)}, None, None) for i in range(1000)]
>>> t = SeriesTrack(); t.update(h["loss"], weight=0.0)
>>> idx, y = t.raw.select(0, t.size, buckets=20)
>>> len(idx) <= 62, float(y[-1]) == 999 % 7
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core.history import Series
from .pyramid import BLOCK, MinMaxPyramid
from .smoothing import EmaTrack

#: points fed per batch when (re)building, to bound temporary memory
_CHUNK = 1 << 18


class SeriesTrack:
    """Incremental, bounded-cost state for drawing one series."""

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int]] = []
        self._starts = np.zeros(1, dtype=np.int64)  # drawn position where each range begins
        self.size = 0  # drawn points
        self._values = np.empty(0)  # the series' value column (refreshed every update)
        self.raw = MinMaxPyramid(self.fetch)
        self.ema: EmaTrack | None = None
        self.smooth: MinMaxPyramid | None = None
        self.huge = 0  # finite values with |v| > huge_limit, counted as they arrive
        self.huge_limit = 1e307

    # ----------------------------------------------------------- positions
    def hist_index(self, pos: np.ndarray) -> np.ndarray:
        """History indices of drawn positions ``pos``."""
        pos = np.asarray(pos, dtype=np.int64)
        if len(self.ranges) == 1:
            return pos + self.ranges[0][0]
        k = np.searchsorted(self._starts, pos, side="right") - 1
        firsts = np.array([a for a, _ in self.ranges], dtype=np.int64)
        return firsts[k] + pos - self._starts[k]

    def fetch(self, lo: int, hi: int) -> np.ndarray:
        """Raw values at drawn positions ``[lo, hi)``."""
        if len(self.ranges) == 1:
            a = self.ranges[0][0]
            return self._values[a + lo : a + hi]
        parts = []
        for (a, b), s in zip(self.ranges, self._starts.tolist()):
            e = s + b - a
            if e > lo and s < hi:
                parts.append(self._values[a + max(lo, s) - s : a + min(hi, e) - s])
        return np.concatenate(parts) if parts else np.empty(0)

    def smooth_fetch(self, lo: int, hi: int) -> np.ndarray:
        """Smoothed values at drawn positions ``[lo, hi)`` (the smoothing must be on)."""
        assert self.smooth is not None
        return self.smooth.values(lo, hi)

    # --------------------------------------------------------------- update
    def update(self, series: Series, weight: float) -> None:
        """Catch up with ``series`` (committed) for smoothing ``weight`` (0 = off)."""
        self._values = series.values
        ranges = series.visible_ranges()
        old_size = self.size
        same_prefix = (
            len(ranges) == len(self.ranges)
            and ranges[:-1] == self.ranges[:-1]
            and ranges[-1][0] == self.ranges[-1][0]
            and ranges[-1][1] >= self.ranges[-1][1]
        )
        self.ranges = ranges or [(0, 0)]
        lengths = [b - a for a, b in self.ranges]
        self._starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        self.size = int(sum(lengths))
        if not same_prefix:  # a restart replaced drawn points: rebuild from scratch
            self.raw = MinMaxPyramid(self.fetch)
            self.ema = self.smooth = None
            self.huge = 0
            old_size = 0
        for lo in range(old_size, self.size, _CHUNK):
            chunk = self.fetch(lo, min(self.size, lo + _CHUNK))
            self.raw.extend(chunk)
            beyond = np.count_nonzero(np.abs(chunk) > self.huge_limit) - np.count_nonzero(np.isinf(chunk))
            self.huge += int(beyond)
        if weight <= 0:
            self.ema = self.smooth = None
            return
        if self.ema is None or self.ema.weight != weight:
            self.ema = EmaTrack(weight, block=BLOCK)
            self.smooth = MinMaxPyramid(self._smooth_source)
        assert self.smooth is not None
        for lo in range(self.ema.done, self.size, _CHUNK):
            self.smooth.extend(self.ema.advance(self.fetch(lo, min(self.size, lo + _CHUNK))))

    def _smooth_source(self, lo: int, hi: int) -> np.ndarray:
        assert self.ema is not None
        return self.ema.values(self.fetch, lo, hi)

    @property
    def constant(self) -> bool:
        """True while every value equals the first (TensorBoard then draws the raw values as smoothed)."""
        return self.ema is not None and self.ema.constant

    @property
    def nbytes(self) -> int:
        extra = 0 if self.ema is None or self.smooth is None else self.ema.nbytes + self.smooth.nbytes
        return self.raw.nbytes + extra


def position_bound(x_at: Callable[[np.ndarray], np.ndarray], size: int, target: float, right: bool) -> int:
    """First drawn position whose x is >= ``target`` (``right``: > ``target``), x non-decreasing.

    O(log size) evaluations of ``x_at`` on small arrays of positions.

    >>> position_bound(lambda p: p * 2.0, 100, 51.0, right=False)
    26
    """
    lo, hi = 0, size  # the answer lies in [lo, hi]
    while hi - lo > 64:
        probe = np.linspace(lo, hi - 1, 33).astype(np.int64)
        xs = x_at(probe)
        k = int(np.searchsorted(xs, target, side="right" if right else "left"))
        new_lo = int(probe[k - 1]) + 1 if k > 0 else lo
        new_hi = int(probe[k]) if k < len(probe) else hi
        lo, hi = new_lo, new_hi
    xs = x_at(np.arange(lo, hi, dtype=np.int64))
    return lo + int(np.searchsorted(xs, target, side="right" if right else "left"))
