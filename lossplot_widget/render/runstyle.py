"""How runs look: colour per run, dash per validation series, one legend entry per run.

With one implicit run a panel looks as it always did: a colour per series, ``val_*`` dashed, the legend
naming series. When runs are compared (:attr:`~lossplot_widget.core.runset.RunSet.comparing`) the colour
is the run's, validation series are dashed, a run's further training series in the same panel are
dotted, and the legend names each run once per panel.

>>> from lossplot_widget.render.builder import FrameBuilder

>>> from lossplot_widget.render.frame import FrameOptions
>>> from lossplot_widget.core.runset import RunSet
>>> runs = RunSet()
>>> for name in ("a", "b"):
...     r = runs.start(name); r.log(loss=1.0); r.log_epoch(val_loss=2.0); r.finish()
>>> frame = FrameBuilder(runs).build(FrameOptions(smoothing=0.0))
>>> for sf in frame.panels["loss"]:
...     print(sf.run, sf.name, sf.color, sf.style, sf.legend)
a loss 0 solid a
a val_loss 0 dashed None
b loss 1 solid b
b val_loss 1 dashed None
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..core.grouping import is_validation
from ..core.ranking import Objective, ranked, score_of
from ..core.run import RUNNING
from ..core.run_summary import RunSummary
from .frame import SeriesFrame
from .palette import MUTED, PALETTE

__all__ = ["DISTINCT", "EXTRA_STYLES", "MAX_LEGEND_RUNS", "MUTED_POINTS", "run_colors", "style_panels"]

#: once runs outnumber the colours, the best this many keep distinct colours (best: palette 0, ...)
DISTINCT = 5
#: points of a muted run's line (a background curve)
MUTED_POINTS = 200

#: a panel drawing more runs than this shows no legend (the run table's colour swatches name the runs)
MAX_LEGEND_RUNS = 5
#: line styles of a run's second, third, ... training series in one panel
EXTRA_STYLES = ("dotted", "dash_dotted")


def run_colors(summaries: Sequence[RunSummary], objective: Objective | None) -> dict[str, int]:
    """Each run's colour index: its own (the order runs began) while the drawn runs fit the palette; beyond that,
    with an objective, the :data:`DISTINCT` best drawn runs take colours 0, 1, ... by rank, running ones the
    colours after those, and the rest :data:`~lossplot_widget.render.palette.MUTED` (hidden runs keep their own).

    >>> from lossplot_widget.core.run_summary import RunSummary
    >>> rows = [RunSummary(f"t{i}", "finished", None, {}, i, False, 0.0, None, points=1, score=float(i))
    ...         for i in range(9)]
    >>> rows[8].status = "running"
    >>> colors = run_colors(rows, Objective("loss", maximize=True))
    >>> [colors[f"t{i}"] for i in range(9)]
    [-1, -1, -1, 4, 3, 2, 1, 0, 7]
    """
    colors = {s.name: s.index for s in summaries}
    drawn = [s for s in summaries if not s.hidden and s.points]  # lines on screen (a trial just begun has none)
    if objective is None or len(drawn) <= len(PALETTE):
        return colors
    if not any(score_of(s, objective) is not None for s in drawn):
        return colors  # nothing to judge by yet (the objective's metric not logged): no run is the best
    for s in drawn:
        colors[s.name] = MUTED
    best = [s for s in ranked(drawn, objective) if s.status != RUNNING and score_of(s, objective) is not None]
    for rank, s in enumerate(best[:DISTINCT]):
        colors[s.name] = rank
    spare = len(PALETTE) - DISTINCT
    for s in drawn:
        if s.status == RUNNING:
            colors[s.name] = DISTINCT + s.index % spare
    return colors


def style_panels(panels: Mapping[str, list[SeriesFrame]], comparing: bool, run_index: Mapping[str, int]) -> None:
    """Set ``color``, ``style``, ``legend`` and ``muted`` of every series frame (in place); ``run_index``: each
    run's colour (see :func:`run_colors`)."""
    for series in panels.values():
        if not comparing:
            for i, sf in enumerate(series):
                sf.color, sf.style, sf.legend = i, "dashed" if is_validation(sf.name) else "solid", sf.name
                sf.show_legend = True
            continue
        seen: dict[str, int] = {}  # run -> training series so far in this panel
        named: set[str] = set()
        for sf in series:
            sf.color = run_index.get(sf.run, 0)
            sf.muted = sf.color == MUTED
            if is_validation(sf.name):
                sf.style = "dashed"
            else:
                k = seen.get(sf.run, 0)
                seen[sf.run] = k + 1
                sf.style = "solid" if k == 0 else EXTRA_STYLES[(k - 1) % len(EXTRA_STYLES)]
            sf.legend = None if sf.run in named else sf.run
            named.add(sf.run)
        crowded = len(named) > MAX_LEGEND_RUNS  # a legend this long covers the curves: the run table names them
        for sf in series:
            sf.show_legend = not crowded
