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

import math
from typing import Sequence

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
                if was_constant and not (x == first):
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
