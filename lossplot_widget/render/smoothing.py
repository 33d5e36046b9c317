"""TensorBoard's debiased exponential moving average, computed incrementally.

TensorBoard (``vz_line_chart2``) smooths with::

    last = last * w + (1 - w) * x          # for finite x
    smoothed = last / (1 - w ** n)         # n = finite points seen so far
    smoothed = x                           # for non-finite x, or a constant series

This module reproduces that arithmetic operation for operation on IEEE doubles
(the same as JavaScript numbers), and carries ``(last, n)`` between frames so
each frame only smooths the points that are new.

>>> ema_smooth([1.0, 2.0, 3.0], 0.5).round(4).tolist()
[1.0, 1.6667, 2.4286]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np


class EmaState:
    """Smoothing state of one series for one weight."""

    __slots__ = ("weight", "last", "count", "done", "first", "constant", "out")

    def __init__(self, weight: float) -> None:
        if not 0.0 <= weight <= 1.0:
            raise ValueError(f"smoothing weight must be in [0, 1], got {weight!r}")
        self.weight = weight
        self.last = 0.0
        self.count = 0
        self.done = 0  # points consumed
        self.first: float | None = None
        self.constant = True
        self.out: list[float] = []

    def update(self, values: np.ndarray) -> np.ndarray:
        """Smooth ``values[self.done:]`` and return the smoothed series for all of ``values``."""
        new = values[self.done :].tolist()
        if new:
            if self.first is None:
                self.first = new[0]
            w = self.weight
            first = self.first
            last, count, out = self.last, self.count, self.out
            was_constant = self.constant
            for x in new:
                if was_constant and not (x == first):  # noqa: SIM201 - as TensorBoard writes it
                    was_constant = False
                if not math.isfinite(x):
                    out.append(x)
                    continue
                last = last * w + (1 - w) * x
                count += 1
                debias = 1.0 if w == 1 else 1 - math.pow(w, count)
                out.append(last / debias)
            self.last, self.count, self.constant = last, count, was_constant
            self.done = len(values)
        if self.constant:
            # TensorBoard returns a constant series unchanged (no rounding drift)
            return np.asarray(values, dtype=np.float64).copy()
        return np.array(self.out, dtype=np.float64)


def ema_smooth(values: Sequence[float] | np.ndarray, weight: float) -> np.ndarray:
    """Smooth a whole series at once (see :class:`EmaState` for the formula)."""
    return EmaState(weight).update(np.asarray(values, dtype=np.float64))


def _debias(counts: np.ndarray, weight: float) -> np.ndarray | None:
    """``1 - weight ** count`` exactly as TensorBoard computes it; ``None`` where it is 1.0 throughout."""
    if weight == 1 or weight == 0 or not len(counts):
        return None
    # past this count, weight ** count < 2**-60 and 1 - weight ** count rounds to exactly 1.0
    limit = 60 * math.log(2) / -math.log(weight) + 1
    if counts[0] > limit:
        return None
    pw = math.pow
    return np.array([1 - pw(weight, k) for k in counts.tolist()]) if counts[-1] <= limit else np.array(
        [1 - pw(weight, k) if k <= limit else 1.0 for k in counts.tolist()]
    )


class EmaTrack:
    """The smoothed series of a growing series, without storing it.

    Same arithmetic as :class:`EmaState` (bit-identical), but the smoothed values
    are handed out as they are computed (:meth:`advance`) and only recomputed on
    demand (:meth:`values`) from checkpoints of the state taken every ``block``
    points, so memory stays O(n / block). The first ``dense`` smoothed values are
    kept, so short series never recompute.

    >>> x = np.array([1.0, 2.0, 3.0])
    >>> t = EmaTrack(0.5, block=2, dense=0)
    >>> t.advance(x).round(4).tolist()
    [1.0, 1.6667, 2.4286]
    >>> t.values(lambda a, b: x[a:b], 2, 3).round(4).tolist()
    [2.4286]
    """

    def __init__(self, weight: float, block: int = 128, dense: int = 1 << 17) -> None:
        if not 0.0 <= weight <= 1.0:
            raise ValueError(f"smoothing weight must be in [0, 1], got {weight!r}")
        self.weight = weight
        self.block = block
        self.dense = dense
        self.last = 0.0
        self.count = 0
        self.done = 0
        self.first: float | None = None
        self.constant = True
        self._check = np.empty((0, 2))  # (last, count) before each block
        self._nchecks = 0
        self._head = np.empty(0)

    def _run(self, x: np.ndarray, last: float, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Smooth ``x`` from state (last, count): (smoothed, state lasts per finite point, finite mask)."""
        w = self.weight
        c = 1 - w
        finite = np.isfinite(x)
        xf = x if finite.all() else x[finite]
        lasts = np.fromiter(
            itertools.accumulate(xf.tolist(), lambda acc, v: acc * w + c * v, initial=last),
            dtype=np.float64, count=len(xf) + 1,
        )
        out = x.copy()
        smoothed = lasts[1:]
        d = _debias(np.arange(count + 1, count + 1 + len(xf)), w)
        out[finite] = smoothed if d is None else smoothed / d
        return out, lasts, finite

    def advance(self, new: np.ndarray) -> np.ndarray:
        """Smooth the series' next points ``new`` and return their smoothed values."""
        x = np.asarray(new, dtype=np.float64)
        if not len(x):
            return x
        if self.first is None:
            self.first = float(x[0])
        if self.constant and not bool(np.all(x == self.first)):
            self.constant = False
        out, lasts, finite = self._run(x, self.last, self.count)
        # checkpoints: the state just before every block start in [done, done + len(x))
        starts = np.arange(-(-self.done // self.block) * self.block, self.done + len(x), self.block)
        if len(starts):
            nfin = np.concatenate([[0], np.cumsum(finite)])[starts - self.done]
            rows = np.column_stack([lasts[nfin], self.count + nfin])
            need = self._nchecks + len(rows)
            if need > len(self._check):
                grown = np.empty((max(need, int(len(self._check) * 1.25) + 64), 2))
                grown[: self._nchecks] = self._check[: self._nchecks]
                self._check = grown
            self._check[self._nchecks : need] = rows
            self._nchecks = need
        if len(self._head) < self.dense:
            self._head = np.concatenate([self._head, out[: self.dense - len(self._head)]])
        self.last = float(lasts[-1])
        self.count += int(np.count_nonzero(finite))
        self.done += len(x)
        return out

    def values(self, fetch: Callable[[int, int], np.ndarray], lo: int, hi: int) -> np.ndarray:
        """Smoothed ``[lo, hi)`` (``hi <= done``), recomputed from ``fetch(a, b)`` (raw values ``[a, b)``)."""
        if hi <= len(self._head):
            return self._head[lo:hi]
        b = lo // self.block
        last, count = self._check[b]
        start = b * self.block
        out, _, _ = self._run(np.asarray(fetch(start, hi), dtype=np.float64), float(last), int(count))
        return out[lo - start :]

    @property
    def nbytes(self) -> int:
        return self._check.nbytes + self._head.nbytes
