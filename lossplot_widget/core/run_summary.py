"""The run table's data: one row per run (status, config, steps/s) and each metric's best value.

Facts about runs, not line styling: the frame builder computes the rows, the run table shows them.

>>> from lossplot_widget.core.runset import RunSet
>>> runs = RunSet(); r = runs.start("a", config={"lr": 0.1}); r.log(loss=1.0); r.log(loss=0.5)
>>> r.history.commit(); row = summarize(r, {"loss": r.history["loss"].stats()}, hidden=False)
>>> row.name, row.config, row.points, best_of("loss", row.stats["loss"])
('a', {'lr': 0.1}, 2, (0.5, 1))
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .grouping import higher_is_better
from .run import RUNNING, Run
from .series import Stats

__all__ = ["RunSummary", "best_of", "summarize"]


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
    #: the score a sweep engine gave the run (see :attr:`~lossplot_widget.core.run.Run.score`)
    score: float | None = None
    #: a sweep engine judges the run (see :attr:`~lossplot_widget.core.run.Run.scored`)
    scored: bool = False
    #: the colour the run is drawn in (its palette index; :data:`~lossplot_widget.render.palette.MUTED`: grey)
    color: int = -2


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
        if busiest in run.history:
            times = run.history[busiest].times
            span = float(times[-1] - times[0]) if len(times) > 1 else 0.0
        else:  # a stored run's statistics, its points not loaded: over its whole time
            span = (run.ended - run.started) if run.ended is not None else 0.0
        if run.status == RUNNING:
            rate = st.rate
        elif span > 0:
            rate = (st.count - 1) / span
    return RunSummary(
        name=run.name, status=run.status, error=run.error, config=dict(run.config), index=run.index,
        hidden=hidden, started=run.started, ended=run.ended, stats=stats, rate=rate,
        points=sum(st.count for st in stats.values()), score=run.score, scored=run.scored,
        color=run.index,
    )
