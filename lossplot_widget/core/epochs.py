"""Where epochs lie on the step axis: one walk over every series' epoch runs.

Pure: reads the history, knows nothing about widgets. :func:`epoch_step_bounds` is the one
walk; the epoch x axis (fractional epochs, :mod:`lossplot_widget.render.builder`) and the faint
epoch rules (:func:`epoch_boundaries`) both read it.

>>> from lossplot_widget.core.history import History
>>> h = History()
>>> for step in range(6):
...     _ = h.append({"loss": 1.0}, step, step // 3)
>>> _ = h.append({"val_loss": 0.5}, 2, 0)
>>> epoch_boundaries(h, "step"), epoch_boundaries(h, "epoch")
([2.5], [1.0])
"""

from __future__ import annotations

from .history import History

__all__ = ["MAX_RULES", "epoch_boundaries", "epoch_step_bounds"]

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


def epoch_boundaries(history: History, x_axis: str) -> list[float]:
    """x of each boundary between consecutive epochs: half a step before an epoch's first step on the
    step axis, the epoch number on the epoch axis (where the end of epoch *e* is *e + 1*); none on time."""
    if x_axis not in ("step", "epoch"):
        return []
    firsts = {epoch: lo for epoch, (lo, _hi) in epoch_step_bounds(history).items()}
    epochs = sorted(firsts)[1:]
    if x_axis == "epoch":
        bounds = [float(e) for e in epochs]
    else:
        bounds = [firsts[e] - 0.5 for e in epochs]
    if len(bounds) > MAX_RULES:
        stride = -(-len(bounds) // MAX_RULES)
        bounds = bounds[stride - 1 :: stride]
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
