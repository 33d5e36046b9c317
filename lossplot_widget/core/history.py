"""Every logged value of one widget: thread-safe, columnar, nothing ever dropped.

``log()`` appends to small Python lists (the cheapest thing CPython can do); they are moved
into growable numpy columns in batches (:meth:`History.commit`, see :mod:`.series`). Device
copies of tensors and JAX arrays (made at ``log()``, see :mod:`.readback`) wait in those lists
and are converted in one batched transfer per device at commit time: one host sync per frame,
not per step.

The step counter, the current epoch and the clock are the history's own state: callers read
them (:attr:`~History.next_step`, :attr:`~History.epoch`, ...) and change them only through
methods (:meth:`~History.append`, :meth:`~History.advance_epoch`, :meth:`~History.load`,
:meth:`~History.continue_clock`).

>>> h = History()
>>> h.append({"loss": 0.5}, step=None, epoch=None)
0
>>> h["loss"].values
array([0.5])
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .interrupts import defer_interrupts
from .series import Series, Stats

__all__ = ["COMMIT_EVERY", "History", "Series", "Stats"]

#: points buffered in Python lists before they are committed to numpy columns
COMMIT_EVERY = 4096

#: ``{metric: {"step": [...], "epoch": [...], "time": [...], "value": [...]}}``
HistoryDict = dict[str, dict[str, list[float]]]


class History:
    """All series of one widget, thread-safe; nothing logged is ever dropped.

    A call without ``step`` takes the next global step (one more than the largest
    step seen); without ``epoch`` it keeps the current epoch.
    """

    def __init__(self) -> None:
        self._series: dict[str, Series] = {}
        #: held while appending, committing and reading columns (re-entrant)
        self.lock = threading.RLock()
        self._t0: float | None = None
        self._next_step = 0
        self._last_step: int | None = None
        self._epoch = 0.0
        self.version = 0  # bumps on every append call
        #: calls not spread into the series yet: (names, step, time, epoch, values, plain)
        self._rows: list[tuple[tuple[str, ...], int, float, float, tuple[Any, ...], bool]] = []
        self._keys: tuple[str, ...] = ()  # the names of the latest row (their series exist)

    # ------------------------------------------------------------------ state (read-only)
    @property
    def t0(self) -> float | None:
        """Wall-clock time (``time.time()``) the history's clock started at; ``None`` before any point."""
        return self._t0

    @property
    def next_step(self) -> int:
        """The step a call without ``step=`` takes: one more than the largest step so far."""
        return self._next_step

    @property
    def last_step(self) -> int | None:
        """The step of the latest call (``None`` before any point)."""
        return self._last_step

    @property
    def epoch(self) -> float:
        """The current epoch: points logged without ``epoch=`` belong to it."""
        return self._epoch

    # ------------------------------------------------------------------ writing
    def append(
        self, values: Mapping[str, Any], step: int | None, epoch: float | None, plain: bool | None = None
    ) -> int:
        """Append already-validated ``values`` at ``step``; return the step used.

        The call is kept as one row (its names, step, time, epoch and values) and spread into the series'
        columns in batches (:meth:`commit`, any read): the cost of a call barely grows with its number of
        values. ``plain`` says every value is a ``float`` (computed when ``None``): such rows are committed
        as one 2-d array, the others (device values to read back) point by point.
        """
        now = time.time()
        if plain is None:
            plain = all(type(v) is float for v in values.values())
        with self.lock:
            self.version += 1  # first: an interrupted call still reads as "something to draw"
            if self._t0 is None:
                self._t0 = now
            if step is None:
                step = self._next_step
            if step >= self._next_step:
                self._next_step = step + 1
            self._last_step = step
            if epoch is not None:
                self._epoch = epoch
            keys = tuple(values)
            if keys != self._keys:
                self._new_keys(keys)
            rows = self._rows
            # one list.append: atomic, so a KeyboardInterrupt records the whole call or nothing of it
            rows.append((self._keys, step, now - self._t0, self._epoch, tuple(values.values()), plain))
            if len(rows) >= COMMIT_EVERY:  # no frame for a while (no view, a slow frame): commit here
                self.commit()
            return step

    def _new_keys(self, keys: tuple[str, ...]) -> None:
        """The names of the coming rows (the caller holds the lock): their series exist from now on."""
        series = self._series
        for name in keys:
            if name not in series:
                series[name] = Series(name)
        self._keys = keys

    def _spread(self) -> None:
        """Move the buffered rows into their series (the caller holds the lock and defers interrupts).

        Consecutive plain rows with the same names become one 2-d float array (one column per series);
        other rows go point by point to the series' buffers, read back at their commit.
        """
        rows = self._rows
        if not rows:
            return
        self._rows = []
        series = self._series
        start, n = 0, len(rows)
        while start < n:
            keys, plain = rows[start][0], rows[start][5]
            stop = start + 1
            while stop < n and rows[stop][0] is keys and rows[stop][5] == plain:
                stop += 1
            group = rows[start:stop] if start or stop < n else rows
            if plain:
                steps = np.array([r[1] for r in group], dtype=np.int64)
                times = np.array([r[2] for r in group], dtype=np.float32)
                epochs = np.array([r[3] for r in group], dtype=np.float64)
                table = np.array([r[4] for r in group], dtype=np.float64).reshape(len(group), len(keys))
                for j, name in enumerate(keys):
                    series[name].extend(steps, table[:, j], times, epochs)
            else:
                for _, step, t, ep, vals, _ in group:
                    for name, value in zip(keys, vals):
                        series[name].append(step, value, t, ep)
            start = stop

    def advance_epoch(self) -> float:
        """Start the next epoch (what ``log_epoch`` does after logging); return it.

        >>> h = History(); h.advance_epoch(), h.epoch
        (1.0, 1.0)
        """
        with self.lock:
            self._epoch += 1
            return self._epoch

    def start_clock(self) -> float:
        """Start the clock now if no point started it yet; return its start (``time.time()``)."""
        with self.lock:
            if self._t0 is None:
                self._t0 = time.time()
            return self._t0

    def continue_clock(self, elapsed: float, at: float | None = None) -> None:
        """Set the clock so that *now* (or wall time ``at``) is ``elapsed`` seconds after its start
        (a resumed run continues its time axis; a followed run starts at its first point).

        >>> h = History(); h.continue_clock(60.0); round(time.time() - h.t0)
        60
        """
        with self.lock:
            self._t0 = (time.time() if at is None else float(at)) - float(elapsed)

    def load(
        self, name: str, steps: Any, epochs: Any, times: Any, values: Any, *, wall_clock: bool = False
    ) -> None:
        """Append saved points to series ``name`` exactly, as whole arrays (``from_csv``, bulk loads).

        ``times`` are seconds on this history's clock, or with ``wall_clock=True`` absolute
        ``time.time()`` values (a followed log's wall times), converted to it.

        >>> h = History(); h.load("loss", [0, 1, 2], [0, 0, 1], [0.0, 0.1, 0.2], [3.0, 2.0, 1.0])
        >>> h["loss"].epochs.tolist(), h.next_step
        ([0.0, 0.0, 1.0], 3)
        """
        with self.lock:
            t0 = self.start_clock()
            steps = np.asarray(steps, dtype=np.int64).reshape(-1)
            values = np.asarray(values, dtype=np.float64).reshape(-1)
            epochs = np.asarray(epochs, dtype=np.float64).reshape(-1)
            raw_times = np.asarray(times, dtype=np.float64).reshape(-1)
            times = (raw_times - t0 if wall_clock else raw_times).astype(np.float32)
            if not len(steps) == len(values) == len(epochs) == len(times):
                raise ValueError("load(): steps, epochs, times and values must have the same length")
            s = self._series.get(name)
            if s is None:
                s = self._series[name] = Series(name)
            with defer_interrupts():
                self._spread()  # rows logged before come first
                s.extend(steps, values, times, epochs)
            if len(steps):
                self._next_step = max(self._next_step, int(steps.max()) + 1)
                self._last_step = int(steps[-1])
                self._epoch = float(epochs[-1])
            self.version += 1

    def load_dict(self, data: Mapping[str, Mapping[str, Sequence[Any]]]) -> None:
        """Load :meth:`to_dict` output; the clock continues after the latest time in it.

        >>> h = History(); h.append({"loss": 1.0}, 4, 0.0)
        4
        >>> h2 = History(); h2.load_dict(h.to_dict()); h2["loss"].steps.tolist(), h2.next_step
        ([4], 5)
        """
        with self.lock:
            last_time = 0.0
            for name, cols in data.items():
                self.load(name, cols["step"], cols["epoch"], cols["time"], cols["value"])
                if len(cols["time"]):
                    last_time = max(last_time, float(max(cols["time"])))
            self.continue_clock(last_time)

    def commit(self) -> None:
        """Move buffered points (and kept device values) into the numpy columns."""
        with self.lock:
            if not self._rows and not any(s.pending for s in self._series.values()):
                return  # nothing buffered (a finished run of a sweep, every frame)
        with self.lock, defer_interrupts():
            self._spread()
            for s in self._series.values():
                s.commit()

    # ------------------------------------------------------------------ reading
    def __getitem__(self, name: str) -> Series:
        with self.lock:
            s = self._series[name]
            if self._rows or s.pending:
                with defer_interrupts():
                    self._spread()
                    s.commit()
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

    def counts(self) -> dict[str, int]:
        """Points per metric, committed or not."""
        with self.lock:
            if self._rows:
                with defer_interrupts():
                    self._spread()
            return {name: len(s) for name, s in self._series.items()}

    def to_dict(self) -> HistoryDict:
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
