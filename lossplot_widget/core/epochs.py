"""Where epochs lie on the step axis: one walk over every series' epoch runs.

Pure: reads the history, knows nothing about widgets. :func:`epoch_step_bounds` is the one
walk; the epoch x axis (:func:`fractional_epochs`) and the faint epoch rules (:func:`epoch_boundaries`)
both read it.

>>> from lossplot_widget.core.history import History
>>> h = History()
>>> for step in range(6):
...     _ = h.append({"loss": 1.0}, step, step // 3)
>>> _ = h.append({"val_loss": 0.5}, 2, 0)
>>> epoch_boundaries(h, "step"), epoch_boundaries(h, "epoch")
([2.5], [1.0])
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .history import History
from .series import Series

__all__ = ["MAX_RULES", "epoch_boundaries", "epoch_step_bounds", "fractional_epochs", "shared_epoch_boundaries"]

#: at most this many rules per panel (every k-th boundary beyond that): more reads as a grey hatch
MAX_RULES = 30


def epoch_step_bounds(history: History) -> dict[float, tuple[int, int]]:
    """``{epoch: (smallest step, largest step)}`` over all series (O(epoch runs), not O(points)).

    >>> h = History(); _ = [h.append({"loss": 1.0}, s, float(s // 2)) for s in range(4)]
    >>> epoch_step_bounds(h)
    {0.0: (0, 1), 1.0: (2, 3)}
    """
    bounds: dict[float, tuple[int, int]] = {}
    with history.lock:
        for name in history.names:
            for epoch, first, last in history[name].epoch_spans():
                lo, hi = min(first, last), max(first, last)
                old = bounds.get(epoch)
                bounds[epoch] = (lo, hi) if old is None else (min(old[0], lo), max(old[1], hi))
    return bounds


def fractional_epochs(series: Series, index: np.ndarray, bounds: Mapping[float, tuple[int, int]]) -> np.ndarray:
    """x on the epoch axis of points ``index`` of ``series``: epoch e's last step sits at e + 1, its first at
    e + 1/len (``bounds``: :func:`epoch_step_bounds` of the series' history).

    >>> h = History(); _ = [h.append({"loss": 1.0}, s, float(s // 2)) for s in range(4)]
    >>> fractional_epochs(h["loss"], np.arange(4), epoch_step_bounds(h)).tolist()
    [0.5, 1.0, 1.5, 2.0]
    """
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


def epoch_boundaries(history: History, x_axis: str) -> list[float]:
    """x of each boundary between consecutive epochs: half a step before an epoch's first step on the
    step axis, the epoch number on the epoch axis (where the end of epoch *e* is *e + 1*); none on time."""
    if x_axis not in ("step", "epoch"):
        return []
    version = history.version  # read first: a point logged while this computes makes the next call compute again
    cached = history.__dict__.get("_boundaries")  # the same until the history changes (a sweep's finished runs)
    if cached is not None and cached[0] == (version, x_axis):
        return list(cached[1])
    firsts = {epoch: lo for epoch, (lo, _hi) in epoch_step_bounds(history).items()}
    epochs = sorted(firsts)[1:]
    if x_axis == "epoch":
        bounds = [float(e) for e in epochs]
    else:
        bounds = [firsts[e] - 0.5 for e in epochs]
    if len(bounds) > MAX_RULES:
        stride = -(-len(bounds) // MAX_RULES)
        bounds = bounds[stride - 1 :: stride]
    history.__dict__["_boundaries"] = ((version, x_axis), list(bounds))
    return bounds


def shared_epoch_boundaries(histories: list[History], x_axis: str) -> list[float]:
    """The epoch boundaries of several runs drawn in one panel: those of the run with the most epochs
    when every run's boundaries begin the same way (a sweep with one epoch length); else none.

    >>> a, b = History(), History()
    >>> for step in range(6):
    ...     _ = a.append({"loss": 1.0}, step, step // 3)
    >>> _ = b.append({"loss": 1.0}, 0, 0)
    >>> shared_epoch_boundaries([a, b], "step")
    [2.5]
    """
    lists = [epoch_boundaries(h, x_axis) for h in histories]
    longest = max(lists, key=len, default=[])
    if all(bounds == longest[: len(bounds)] for bounds in lists):
        return longest
    return []
