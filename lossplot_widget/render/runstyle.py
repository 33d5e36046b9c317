"""How runs look: colour per run, dash per validation series, one legend entry per run; the run table's rows.

With one implicit run a panel looks as it always did: a colour per series, ``val_*`` dashed, the legend
naming series. When runs are compared (:attr:`~lossplot_widget.core.runs.RunSet.comparing`) the colour
is the run's, validation series are dashed, a run's further training series in the same panel are
dotted, and the legend names each run once per panel.

>>> from lossplot_widget.render.frames import FrameBuilder, FrameOptions
>>> from lossplot_widget.core.runs import RunSet
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

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.grouping import higher_is_better, is_validation
from ..core.runs import RUNNING, Run
from ..core.series import Stats

if TYPE_CHECKING:
    from .frames import SeriesFrame

__all__ = ["EXTRA_STYLES", "MAX_LEGEND_RUNS", "RunSummary", "SeriesKey", "best_of", "style_panels", "summarize"]

#: ``(run name, metric)``
SeriesKey = tuple[str, str]
#: a panel drawing more runs than this shows no legend (the run table's colour swatches name the runs)
MAX_LEGEND_RUNS = 5
#: line styles of a run's second, third, ... training series in one panel
EXTRA_STYLES = ("dotted", "dash_dotted")


@dataclass
class RunSummary:
    """One row of the run table: the run's facts and, per metric, its statistics."""

    name: str
    status: str
    error: str | None
    config: dict[str, Any]
    index: int
    hidden: bool
    started: float
    ended: float | None
    stats: dict[str, Stats] = field(default_factory=dict)
    #: steps per second: recent while running, over the whole run once it ended
    rate: float = math.nan
    points: int = 0


def best_of(name: str, st: Stats) -> tuple[float, int]:
    """The best value of metric ``name`` and its step: the max for accuracy-like names, else the min.

    >>> from lossplot_widget.core.series import Series
    >>> s = Series("val_acc"); _ = [s.append(i, v, 0.0, 0.0) for i, v in enumerate([0.5, 0.9, 0.7])]; s.commit()
    >>> best_of("val_acc", s.stats())
    (0.9, 1)
    """
    return (st.max, st.max_step) if higher_is_better(name) else (st.min, st.min_step)


def summarize(run: Run, stats: dict[str, Stats], hidden: bool) -> RunSummary:
    """The run table row of ``run`` (the caller holds its history's lock); ``stats``: its metrics' statistics.

    steps/s is that of its most-logged metric: recent while running, over the whole run once it ended.
    """
    rate = math.nan
    busiest = max(stats, key=lambda name: stats[name].count, default=None)
    if busiest is not None and stats[busiest].count:
        st = stats[busiest]
        times = run.history[busiest].times
        span = float(times[-1] - times[0]) if len(times) > 1 else 0.0
        if run.status == RUNNING:
            rate = st.rate
        elif span > 0:
            rate = (st.count - 1) / span
    return RunSummary(
        name=run.name, status=run.status, error=run.error, config=dict(run.config), index=run.index,
        hidden=hidden, started=run.started, ended=run.ended, stats=stats, rate=rate,
        points=sum(st.count for st in stats.values()),
    )


def style_panels(panels: Mapping[str, list[SeriesFrame]], comparing: bool, run_index: Mapping[str, int]) -> None:
    """Set ``color``, ``style`` and ``legend`` of every series frame (in place)."""
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
