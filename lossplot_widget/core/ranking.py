"""What runs are judged by: a metric and its direction (a sweep's objective), and the runs ranked by it.

A sweep engine names its objective (an Optuna study's metric and direction, a Ray Tune experiment's
``metric``/``mode``) and gives each trial its score (:attr:`~lossplot_widget.core.run.Run.score`). A run without
a score is judged by its own points: the best value of the metric (the min, or the max when maximizing).
The run table lists the best runs first and the plot gives them the distinct colours; a run cut short (pruned,
stopped, ...) or failed is never the best (it ranks after the others).

>>> from lossplot_widget.core.run_summary import RunSummary
>>> from lossplot_widget.core.series import Series
>>> def row(name, values, score=None):
...     s = Series("loss"); _ = [s.append(i, v, 0.0, 0.0) for i, v in enumerate(values)]; s.commit()
...     return RunSummary(name, "finished", None, {}, 0, False, 0.0, None, {"loss": s.stats()}, score=score)
>>> rows = [row("a", [3.0, 2.0]), row("b", [1.0, 5.0]), row("c", [9.0], score=0.5), row("d", [])]
>>> rows.append(row("p", [0.1])); rows[-1].status = "pruned"  # cut short: never the best
>>> [r.name for r in ranked(rows, Objective("loss"))]
['c', 'b', 'a', 'p', 'd']
>>> [r.name for r in ranked(rows, Objective("loss", maximize=True))]
['b', 'a', 'c', 'p', 'd']
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .grouping import higher_is_better

if TYPE_CHECKING:
    from .run_summary import RunSummary

__all__ = ["UNRANKED", "Objective", "eligible", "ranked", "score_of"]


@dataclass(frozen=True)
class Objective:
    """A metric and whether higher is better (``maximize``)."""

    metric: str
    maximize: bool = False

    @classmethod
    def of(cls, metric: str, mode: str | None = None) -> Objective:
        """``mode``: ``"min"``, ``"max"`` (also Optuna's ``"minimize"``/``"maximize"``), or ``None`` for the
        direction its name suggests (accuracy-like names: max).

        >>> Objective.of("val_acc"), Objective.of("loss", "maximize").maximize
        (Objective(metric='val_acc', maximize=True), True)
        """
        if not isinstance(metric, str) or not metric:
            raise ValueError(f"the objective's metric must be a non-empty string, got {metric!r}")
        if mode is None:
            return cls(metric, higher_is_better(metric))
        mode = str(mode).lower()
        if mode not in ("min", "max", "minimize", "maximize"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        return cls(metric, mode.startswith("max"))

    @property
    def mode(self) -> str:
        return "max" if self.maximize else "min"

    def better(self, a: float, b: float) -> bool:
        """Whether score ``a`` is better than ``b``."""
        return a > b if self.maximize else a < b


def score_of(summary: RunSummary, objective: Objective) -> float | None:
    """The run's score (``None``: nothing to judge it by yet): its own, else (unless a sweep engine judges it) the
    best value of the metric."""
    if summary.score is not None and not math.isnan(summary.score):
        return float(summary.score)
    if summary.scored:  # the engine has no result for it yet (a running trial): its intermediate values do not count
        return None
    st = summary.stats.get(objective.metric)
    if st is None or not st.count:
        return None
    value = st.max if objective.maximize else st.min
    return None if value is None or math.isnan(value) else float(value)


#: statuses of runs that are never "the best": cut short (a pruned trial's value is where it was cut, and Optuna's
#: ``best_trial`` counts complete trials only; stopped, interrupted or crashed runs alike) or failed
UNRANKED = ("pruned", "stopped", "interrupted", "crashed", "failed")


def eligible(summary: RunSummary) -> bool:
    """Whether the run can be the best (it ran to its end, or still runs)."""
    return summary.status not in UNRANKED


def ranked(summaries: Iterable[RunSummary], objective: Objective) -> list[RunSummary]:
    """``summaries`` best first (ties: the order the runs began); runs cut short or failed (:data:`UNRANKED`) after
    the others, runs without a score last, in order."""
    rows = list(summaries)
    scores = [score_of(s, objective) for s in rows]
    sign = -1.0 if objective.maximize else 1.0
    order = sorted(range(len(rows)),
                   key=lambda i: (scores[i] is None, not eligible(rows[i]), sign * (scores[i] or 0.0), i))
    return [rows[i] for i in order]
