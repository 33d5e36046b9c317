"""One metric's points: growable numpy columns fed from a cheap Python buffer.

``log()`` appends ``(step, value, time)`` tuples to :attr:`Series.pending` (one ``list.append``,
atomic even under ``KeyboardInterrupt``); :meth:`Series.commit` moves them into the columns in
batches, reading kept device values once per batch (:func:`~lossplot_widget.core.readback.to_float_array`).

>>> s = Series("loss")
>>> s.append(0, 1.5, 0.0, 0.0); s.append(1, 1.0, 0.1, 0.0); s.commit()
>>> s.values.tolist(), s.stats().min_step
([1.5, 1.0], 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .readback import to_float_array, warn_unreadable

__all__ = ["Series", "Stats"]


class _Column:
    """A growable 1-d numpy array (amortized O(1) append of a batch)."""

    __slots__ = ("data", "size")

    def __init__(self, dtype: Any) -> None:
        self.data = np.empty(0, dtype=dtype)
        self.size = 0

    def extend(self, values: np.ndarray) -> None:
        need = self.size + len(values)
        if need > len(self.data):
            # grow by 1.125x: at most 12.5% slack keeps memory per point low at 10^7 points
            # (amortized, each point is copied ~8 times: ~20 ns, against ~1 us for the log() call)
            grown = np.empty(max(need, int(len(self.data) * 1.125) + 4096), dtype=self.data.dtype)
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size : need] = values
        self.size = need

    def view(self) -> np.ndarray:
        return self.data[: self.size]


@dataclass(frozen=True)
class Stats:
    """Summary of one series: count, last value, extrema with their steps, first non-finite."""

    count: int
    last: float
    last_step: int
    min: float
    min_step: int
    max: float
    max_step: int
    first_nonfinite_step: int | None
    first_nonfinite_value: float | None
    rate: float  # points per second over the recent window


class Series:
    """Everything logged for one metric, in logged order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._steps = _Column(np.int64)
        self._values = _Column(np.float64)
        self._times = _Column(np.float32)  # seconds since the history started
        # (step, value, time) tuples: one list.append per point is atomic even under KeyboardInterrupt
        #: points not committed yet: (step, value, time); History appends here on the hot path
        self.pending: list[tuple[int, Any, float]] = []
        #: indices where a point's step is <= the step before it (a restarted or repeated step)
        self.restarts: list[int] = []
        self._last_step: int | None = None
        #: run-length encoded epochs: (index of first point, epoch)
        self.epoch_runs: list[tuple[int, float]] = []
        self._min = (np.inf, 0)
        self._max = (-np.inf, 0)
        self._nonfinite: tuple[int, float] | None = None
        self.version = 0  # bumps on every commit that adds points

    def __len__(self) -> int:
        return self._values.size + len(self.pending)

    def append(self, step: int, value: Any, t: float, epoch: float) -> None:
        """Buffer one point (the caller holds the history lock)."""
        if not self.epoch_runs or self.epoch_runs[-1][1] != epoch:
            self.epoch_runs.append((len(self), epoch))
        self.pending.append((step, value, t))

    def commit(self) -> None:
        """Move the buffer into the columns. Callers defer KeyboardInterrupt around it."""
        if not self.pending:
            return
        buf = self.pending
        items = buf[:]  # a snapshot: the three comprehensions below see the same points
        # three list comprehensions: zip(*buf) over thousands of tuples cost ~3x more per point
        values, failed = to_float_array([b[1] for b in items])  # never raises: unreadable values are NaN
        steps = np.array([b[0] for b in items], dtype=np.int64)
        times = np.array([b[2] for b in items], dtype=np.float32)
        self._absorb(steps, values, times)
        del buf[: len(steps)]
        if failed:  # last: the points are in, whatever the warning filter does
            warn_unreadable(self.name, steps, failed)

    def extend(self, steps: np.ndarray, values: np.ndarray, times: np.ndarray, epochs: np.ndarray) -> None:
        """Append whole columns at once (the bulk path of :meth:`History.load`)."""
        self.commit()
        if not len(values):
            return
        change = np.flatnonzero(epochs[1:] != epochs[:-1]) + 1
        base = len(self)
        if not self.epoch_runs or self.epoch_runs[-1][1] != epochs[0]:
            self.epoch_runs.append((base, float(epochs[0])))
        self.epoch_runs.extend(zip((change + base).tolist(), epochs[change].tolist()))
        self._absorb(steps, values, times)

    def _absorb(self, steps: np.ndarray, values: np.ndarray, times: np.ndarray) -> None:
        base = self._values.size
        self._values.extend(values)
        self._steps.extend(steps)
        self._times.extend(times)
        back = np.flatnonzero(np.diff(steps) <= 0) + 1
        if self._last_step is not None and steps[0] <= self._last_step:
            self.restarts.append(base)
        self.restarts.extend((back + base).tolist())
        self._last_step = int(steps[-1])
        finite = np.isfinite(values)
        if self._nonfinite is None and not finite.all():
            i = int(np.argmin(finite))
            self._nonfinite = (int(steps[i]), float(values[i]))
        if finite.any():
            lo = np.where(finite, values, np.inf).argmin()
            hi = np.where(finite, values, -np.inf).argmax()
            if values[lo] < self._min[0]:
                self._min = (float(values[lo]), int(steps[lo]))
            if values[hi] > self._max[0]:
                self._max = (float(values[hi]), int(steps[hi]))
        self.version += 1

    # Read access (callers hold the history lock or accept a racy snapshot).
    @property
    def steps(self) -> np.ndarray:
        """Steps as int64 (a read-only view)."""
        return _readonly(self._steps.view())

    @property
    def values(self) -> np.ndarray:
        """Values as float64, exactly as logged (NaN/Inf included; a read-only view)."""
        return _readonly(self._values.view())

    @property
    def times(self) -> np.ndarray:
        """Wall-clock seconds since the history started (float32)."""
        return _readonly(self._times.view())

    @property
    def epochs(self) -> np.ndarray:
        """The epoch of every point (float64, expanded from the run-length table)."""
        n = self._values.size
        starts = [i for i, _ in self.epoch_runs if i < n] or [0]
        ends = starts[1:] + [n]
        labels = [e for _, e in self.epoch_runs][: len(starts)]
        return np.repeat(np.array(labels, dtype=np.float64), np.subtract(ends, starts))

    @property
    def nbytes(self) -> int:
        """Bytes held by the columns (their capacity, growth slack included)."""
        return self._steps.data.nbytes + self._values.data.nbytes + self._times.data.nbytes

    def epoch_spans(self) -> list[tuple[float, int, int]]:
        """``(epoch, first step, last step)`` of every run of consecutive points in one epoch.

        >>> s = Series("loss")
        >>> for step in range(5): s.append(step, 1.0, 0.0, float(step // 2))
        >>> s.commit(); s.epoch_spans()
        [(0.0, 0, 1), (1.0, 2, 3), (2.0, 4, 4)]
        """
        steps = self._steps.data
        n = self._steps.size
        runs = self.epoch_runs
        out = []
        for k, (start, epoch) in enumerate(runs):
            end = (runs[k + 1][0] if k + 1 < len(runs) else n) - 1
            if start <= end and start < n:
                out.append((epoch, int(steps[start]), int(steps[min(end, n - 1)])))
        return out

    def visible_ranges(self) -> list[tuple[int, int]]:
        """Index ranges ``[start, stop)`` drawn after applying the restart rule.

        When a step arrives that is <= the previous step (a resumed run, a repeated
        step), the new points *replace* the older points from that step on: the
        drawn line holds, for every step, the most recently logged value, and x
        never goes backwards. The history itself keeps every point.

        >>> s = Series("loss")
        >>> for i, st in enumerate([0, 1, 2, 3, 2, 3, 4]): s.append(st, float(i), 0.0, 0.0)
        >>> s.commit(); s.visible_ranges()
        [(0, 2), (4, 7)]
        """
        n = self._values.size
        if not self.restarts:
            return [(0, n)] if n else []
        starts = [0, *self.restarts]
        stops = [*self.restarts, n]
        steps = self._steps.data
        ranges: list[tuple[int, int]] = []
        cut: int | None = None
        for start, stop in zip(reversed(starts), reversed(stops)):
            if cut is not None:
                # steps are increasing within a segment: keep the prefix below the cut
                stop = start + int(np.searchsorted(steps[start:stop], cut, side="left"))
            if stop > start:
                ranges.append((start, stop))
            first = int(steps[start])
            cut = first if cut is None else min(cut, first)
        return ranges[::-1]

    def stats(self) -> Stats:
        n = self._values.size
        if n == 0:
            nan = float("nan")
            return Stats(0, nan, 0, nan, 0, nan, 0, None, None, nan)
        times = self._times.data[max(0, n - 64) : n]
        span = float(times[-1] - times[0]) if len(times) > 1 else 0.0
        rate = (len(times) - 1) / span if span > 0 else float("nan")
        nonfinite = self._nonfinite
        return Stats(
            count=n,
            last=float(self._values.data[n - 1]),
            last_step=int(self._steps.data[n - 1]),
            min=self._min[0] if np.isfinite(self._min[0]) else float("nan"),
            min_step=self._min[1],
            max=self._max[0] if np.isfinite(self._max[0]) else float("nan"),
            max_step=self._max[1],
            first_nonfinite_step=None if nonfinite is None else nonfinite[0],
            first_nonfinite_value=None if nonfinite is None else nonfinite[1],
            rate=rate,
        )


def _readonly(a: np.ndarray) -> np.ndarray:
    a = a.view()
    a.flags.writeable = False
    return a


