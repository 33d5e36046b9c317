"""Where epochs begin, as x positions of the step or epoch axis (drawn as faint vertical rules).

Pure: reads the history, knows nothing about widgets.

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

#: at most this many rules per panel (every k-th boundary beyond that): more reads as a grey hatch
MAX_RULES = 30


def epoch_starts(history: History) -> dict[float, int]:
    """``{epoch: first step logged in it}`` over all series."""
    firsts: dict[float, int] = {}
    with history.lock:
        for name in history.names:
            series = history[name]
            steps = series.steps
            for start, epoch in series.epoch_runs:
                if start < len(steps):
                    step = int(steps[start])
                    if step < firsts.get(epoch, step + 1):
                        firsts[epoch] = step
    return firsts


def epoch_boundaries(history: History, x_axis: str) -> list[float]:
    """x of each boundary between consecutive epochs: half a step before an epoch's first step on the
    step axis, the epoch number on the epoch axis (where the end of epoch *e* is *e + 1*); none on time."""
    if x_axis not in ("step", "epoch"):
        return []
    firsts = epoch_starts(history)
    epochs = sorted(firsts)[1:]
    if x_axis == "epoch":
        bounds = [float(e) for e in epochs]
    else:
        bounds = [firsts[e] - 0.5 for e in epochs]
    if len(bounds) > MAX_RULES:
        stride = -(-len(bounds) // MAX_RULES)
        bounds = bounds[stride - 1 :: stride]
    return bounds
