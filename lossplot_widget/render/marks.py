"""What a panel marks besides its lines: labelled reference lines and each validation series' best point.

Pure: the frame builder calls these; the live view and the static picture draw what they return.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..core.epochs import fractional_epochs
from ..core.grouping import panel_title
from ..core.run_summary import best_of
from ..core.series import Series
from .frame import BestPoint, FrameOptions, Reference, SeriesFrame

__all__ = ["MAX_BEST_LABELS", "best_point", "label_sides", "panel_references"]

#: a panel labels its best points only up to this many (more overlap; the dots stay, the run table has the values)
MAX_BEST_LABELS = 3


def label_sides(xs: list[float], x0: float, x1: float) -> list[str]:
    """Which way each best point's label grows from its dot, so that the plot's edge never cuts it: ``"start"``
    (rightwards) in the left half of ``[x0, x1]``, ``"end"`` (leftwards) in the right half; none past
    :data:`MAX_BEST_LABELS` points.

    >>> label_sides([0.0, 9.0], 0.0, 10.0), label_sides([1.0] * 4, 0.0, 10.0)
    (['start', 'end'], [])
    """
    if len(xs) > MAX_BEST_LABELS:
        return []
    mid = (x0 + x1) / 2
    return ["start" if x < mid else "end" for x in xs]


def panel_references(
    options: FrameOptions, panels: Mapping[str, list[SeriesFrame]]
) -> tuple[dict[str, list[Reference]], list[str]]:
    """The reference lines of each drawn panel (a key names a panel title or one of its metrics), and a note for
    each one left out because a log y axis cannot show a value <= 0.

    >>> refs, notes = panel_references(FrameOptions(references={"val_loss": {"chance": 2.3}}), {"loss": []})
    >>> refs, notes
    ({'loss': [Reference(value=2.3, label='chance')]}, [])
    """
    drawn: dict[str, list[Reference]] = {}
    skipped = []
    for key, lines in options.references.items():
        title = key if key in panels else panel_title(key, options.groups)
        if title not in panels:
            continue
        for label, value in lines.items():
            if options.log_y and not value > 0:
                skipped.append(f"reference line {label!r} ({value:g}) on {title} is not drawn on a log y axis")
                continue
            reference = Reference(float(value), label)
            if reference not in drawn.setdefault(title, []):
                drawn[title].append(reference)
    return drawn, skipped


def best_point(s: Series, options: FrameOptions, bounds: Mapping[float, tuple[int, int]]) -> BestPoint | None:
    """Where series ``s`` (of two points or more) has its best value (the run table's best: see
    :func:`~lossplot_widget.core.run_summary.best_of`) on the panel's x axis, labelled with its epoch (the
    epochs it ended, as the epoch axis counts them) or, for a run without epochs, its step. The caller holds the
    history's lock.

    >>> from lossplot_widget.core.history import History
    >>> h = History(); _ = [h.append({"val_loss": v}, i, float(i)) for i, v in enumerate([0.5, 0.2, 0.3])]
    >>> h.commit(); best_point(h["val_loss"], FrameOptions(), {})
    BestPoint(x=1.0, y=0.2, label='best 0.2 (epoch 2)')
    """
    st = s.stats()
    if st.count < 2:  # one point is no choice: nothing to mark
        return None
    value, step = best_of(s.name, st)
    if not math.isfinite(value) or (options.log_y and value <= 0):
        return None
    at = np.flatnonzero((s.steps == step) & (s.values == value))
    if not len(at):
        return None
    i = int(at[0])
    if options.x_axis == "time":
        x = float(s.times[i])
    elif options.x_axis == "epoch":
        x = float(fractional_epochs(s, np.array([i]), bounds)[0])
    else:
        x = float(step)
    epoch = float(s.epochs[i])
    with_epochs = len(s.epoch_runs) > 1 or epoch > 0
    where = f"epoch {int(epoch) + 1}" if with_epochs and epoch.is_integer() else f"step {step}"
    return BestPoint(x, value, f"best {value:.4g} ({where})")
