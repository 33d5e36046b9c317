"""Columnar, numpy-backed history of every logged value.

``log()`` appends to small Python lists (the cheapest thing CPython can do);
they are moved into growable numpy columns in batches (``commit``). Torch
tensors wait in those lists, detached, and are converted in one batched
transfer per device at commit time: one host sync per frame, not per step.

>>> h = History()
>>> h.append({"loss": 0.5}, step=None, epoch=None)
0
>>> h["loss"].values
array([0.5])
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

import numpy as np

from .values import torch_tensor_type

#: points buffered in Python lists before they are committed to numpy columns
COMMIT_EVERY = 4096


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


def _to_float_array(values: list[Any]) -> np.ndarray:
    """Convert floats and deferred 0-d tensors to float64, one host transfer per device."""
    tensor_cls = torch_tensor_type()
    if tensor_cls is None:
        return np.array(values, dtype=np.float64)
    tensor_at = [i for i, v in enumerate(values) if isinstance(v, tensor_cls)]
    if not tensor_at:
        return np.array(values, dtype=np.float64)
    import torch  # already imported: a tensor exists

    out = np.array([np.nan if isinstance(v, tensor_cls) else v for v in values], dtype=np.float64)
    groups: dict[Any, list[int]] = {}
    for i in tensor_at:
        v = values[i]
        groups.setdefault((v.device, v.dtype), []).append(i)
    for indices in groups.values():
        # stack first, convert once: one .to() per point cost ~10x more than the stack itself
        stacked = torch.stack([values[i] for i in indices]).to(torch.float64)
        out[indices] = stacked.cpu().numpy()  # the one synchronizing transfer
    return out


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
        self._buf: list[tuple[int, Any, float]] = []
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
        return self._values.size + len(self._buf)

    def _append(self, step: int, value: Any, t: float, epoch: float) -> None:
        if not self.epoch_runs or self.epoch_runs[-1][1] != epoch:
            self.epoch_runs.append((len(self), epoch))
        self._buf.append((step, value, t))

    def _commit(self) -> None:
        """Move the buffer into the columns. Callers defer KeyboardInterrupt around it."""
        if not self._buf:
            return
        buf = self._buf
        items = buf[:]  # a snapshot: the three comprehensions below see the same points
        # three list comprehensions: zip(*buf) over thousands of tuples cost ~3x more per point
        values = _to_float_array([b[1] for b in items])
        steps = np.array([b[0] for b in items], dtype=np.int64)
        times = np.array([b[2] for b in items], dtype=np.float32)
        self._absorb(steps, values, times)
        del buf[: len(steps)]

    def _extend(self, steps: np.ndarray, values: np.ndarray, times: np.ndarray, epochs: np.ndarray) -> None:
        """Append whole columns at once (the bulk path of :meth:`History.load`)."""
        self._commit()
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

    def visible_ranges(self) -> list[tuple[int, int]]:
        """Index ranges ``[start, stop)`` drawn after applying the restart rule.

        When a step arrives that is <= the previous step (a resumed run, a repeated
        step), the new points *replace* the older points from that step on: the
        drawn line holds, for every step, the most recently logged value, and x
        never goes backwards. The history itself keeps every point.

        >>> s = Series("loss")
        >>> for i, st in enumerate([0, 1, 2, 3, 2, 3, 4]): s._append(st, float(i), 0.0, 0.0)
        >>> s._commit(); s.visible_ranges()
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


@contextmanager
def defer_interrupts() -> Iterator[None]:
    """Hold a KeyboardInterrupt (SIGINT) that arrives inside the block until the block is done.

    Only the main thread receives SIGINT; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        previous = signal.getsignal(signal.SIGINT)
    except ValueError:  # pragma: no cover - no signal support here
        yield
        return
    if previous is not signal.default_int_handler:
        # someone else handles SIGINT (e.g. a debugger): leave it alone
        yield
        return
    received: list[Any] = []
    signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            raise KeyboardInterrupt


def _readonly(a: np.ndarray) -> np.ndarray:
    a = a.view()
    a.flags.writeable = False
    return a


class History:
    """All series of one widget, thread-safe; nothing logged is ever dropped.

    A call without ``step`` takes the next global step (one more than the largest
    step seen); without ``epoch`` it keeps the current epoch.
    """

    def __init__(self) -> None:
        self._series: dict[str, Series] = {}
        self.lock = threading.RLock()
        self.t0: float | None = None
        self.next_step = 0
        self.last_step: int | None = None
        self.epoch = 0.0
        self.version = 0  # bumps on every append call

    def append(self, values: Mapping[str, Any], step: int | None, epoch: float | None) -> int:
        """Append already-validated ``values`` at ``step``; return the step used."""
        now = time.time()
        with self.lock:
            self.version += 1  # first: an interrupted call still reads as "something to draw"
            if self.t0 is None:
                self.t0 = now
            if step is None:
                step = self.next_step
            if step >= self.next_step:
                self.next_step = step + 1
            self.last_step = step
            if epoch is not None:
                self.epoch = epoch
            t = now - self.t0
            ep = self.epoch
            series = self._series
            for name, value in values.items():
                s = series.get(name)
                if s is None:
                    s = series[name] = Series(name)
                # Series._append, inlined (this loop is the hot path of log())
                runs = s.epoch_runs
                if not runs or runs[-1][1] != ep:
                    runs.append((len(s), ep))
                s._buf.append((step, value, t))
                if len(s._buf) >= COMMIT_EVERY:
                    with defer_interrupts():
                        s._commit()
            return step

    def load(self, name: str, steps: Any, epochs: Any, times: Any, values: Any) -> None:
        """Append saved points to series ``name`` exactly, as whole arrays (``from_csv``, bulk loads).

        >>> h = History(); h.load("loss", [0, 1, 2], [0, 0, 1], [0.0, 0.1, 0.2], [3.0, 2.0, 1.0])
        >>> h["loss"].epochs.tolist(), h.next_step
        ([0.0, 0.0, 1.0], 3)
        """
        with self.lock:
            if self.t0 is None:
                self.t0 = time.time()
            s = self._series.get(name)
            if s is None:
                s = self._series[name] = Series(name)
            steps = np.asarray(steps, dtype=np.int64).reshape(-1)
            values = np.asarray(values, dtype=np.float64).reshape(-1)
            epochs = np.asarray(epochs, dtype=np.float64).reshape(-1)
            times = np.asarray(times, dtype=np.float32).reshape(-1)
            if not len(steps) == len(values) == len(epochs) == len(times):
                raise ValueError("load(): steps, epochs, times and values must have the same length")
            with defer_interrupts():
                s._extend(steps, values, times, epochs)
            if len(steps):
                self.next_step = max(self.next_step, int(steps.max()) + 1)
                self.last_step = int(steps[-1])
                self.epoch = float(epochs[-1])
            self.version += 1

    def commit(self) -> None:
        """Move buffered points (and deferred tensors) into the numpy columns."""
        with self.lock, defer_interrupts():
            for s in self._series.values():
                s._commit()

    def __getitem__(self, name: str) -> Series:
        with self.lock:
            s = self._series[name]
            if s._buf:
                with defer_interrupts():
                    s._commit()
            return s

    def __contains__(self, name: object) -> bool:
        return name in self._series

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._series))

    def __len__(self) -> int:
        return len(self._series)

    @property
    def names(self) -> list[str]:
        """Metric names in the order they were first logged."""
        return list(self._series)

    def to_dict(self) -> dict[str, dict[str, list]]:
        """``{name: {"step": [...], "epoch": [...], "time": [...], "value": [...]}}``."""
        self.commit()
        with self.lock:
            return {
                name: {
                    "step": s.steps.tolist(),
                    "epoch": s.epochs.tolist(),
                    "time": s.times.astype(np.float64).tolist(),
                    "value": s.values.tolist(),
                }
                for name, s in self._series.items()
            }
