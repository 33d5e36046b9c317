"""A :class:`~lossplot_widget.follow.follower.FollowSink` that stores followed points in runs.

Each followed run (a run directory, a CSV log) becomes a run of the :class:`~lossplot_widget.core.runset.RunSet`
with status ``followed``; its tags are its series. Times are the writer's wall-clock times, put on the
run's own clock, which starts at the run's first point (``time`` is relative to each run's start).

>>> from lossplot_widget.core.runset import RunSet
>>> runs = RunSet()
>>> sink = HistorySink(runs, note=print, request_frame=lambda: None)
>>> sink.ingest({("run1", "val_loss"): [(0, 0.0, 1000.0, 0.5), (1, 0.0, 1002.0, 0.4)]})
2
>>> runs["run1"].history["val_loss"].times.tolist(), runs["run1"].status
([0.0, 2.0], 'followed')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..core.ranking import Objective
from ..core.runset import FOLLOWED, RunSet
from ..store.db import Columns, StoredRun
from .logruns import Batch

if TYPE_CHECKING:
    from .optuna_study import TrialUpdate

__all__ = ["HistorySink"]


class HistorySink:
    """Followed points into ``runs``: one run per followed run, one series per tag."""

    def __init__(
        self, runs: RunSet, note: Callable[[str], None], request_frame: Callable[[], None],
        owns: Callable[[str, int], bool] = lambda path, run_id: False,
    ) -> None:
        self.runs = runs
        self.note = note
        self.request_frame = request_frame
        #: ``owns(store path, run id)``: a row of the widget's own store that it shows already (not followed)
        self.owns = owns

    def ingest(self, batch: Batch) -> int:
        """Load every series of ``batch``; return the number of points."""
        n = 0
        by_run: dict[str, list[tuple[str, list[tuple[int, float, float, float]]]]] = {}
        for (run_name, tag), points in batch.items():
            by_run.setdefault(run_name, []).append((tag, points))
        for run_name, series in by_run.items():
            run = self.runs.adopt(run_name, status=FOLLOWED)
            run.source = "follow"
            h = run.history
            with h.lock:
                if h.t0 is None:
                    h.continue_clock(0.0, at=min(p[2] for _, points in series for p in points))
                for tag, points in series:
                    steps, epochs, walls, values = zip(*points)
                    h.load(tag, steps, epochs, walls, values, wall_clock=True)
                    n += len(points)
        return n

    def ingest_stored(self, name: str, stored: StoredRun, series: dict[str, list[Columns]]) -> int:
        """Run ``name``: row ``stored`` of a followed run store, with its stored status, and its new points (exact,
        on its own clock); return the number of points."""
        run = self.runs.adopt(name, status=stored.status)
        run.source = "store"
        run.config.update(stored.config)
        facts = (stored.status, stored.ended, stored.error, stored.score, stored.scored)
        if (run.status, run.ended, run.error, run.score, run.scored) != facts:  # the run table shows them
            run.status, run.ended, run.error, run.score, run.scored = facts
            self.runs.changed()
        run.started = stored.started
        h = run.history
        n = 0
        with h.lock:
            if h.t0 is None and stored.t0 is not None:
                h.continue_clock(0.0, at=stored.t0)
            for tag, parts in series.items():
                for steps, epochs, times, values in parts:
                    h.load(tag, steps, epochs, times, values)
                    n += len(values)
        return n

    def ingest_trial(self, name: str, update: TrialUpdate) -> int:
        """Run ``name``: a sweep's trial with its status, config and score, and its new points (``{metric: (steps,
        values, wall times)}``, on the run's clock, which starts when the trial did); return the number of points."""
        run = self.runs.adopt(name, status=update.status)
        run.source = "follow"
        run.config.update(update.config)
        run.score = update.score
        run.scored = update.scored
        if (run.status, run.ended, run.error) != (update.status, update.ended, update.error):
            run.status, run.ended, run.error = update.status, update.ended, update.error
            self.runs.changed()
        h = run.history
        n = 0
        with h.lock:
            if h.t0 is None:  # the first update: the run's start (a later one must not move it)
                run.started = update.started
                h.continue_clock(0.0, at=update.started)
            for metric, (steps, values, walls) in update.points.items():
                h.load(metric, steps, [0.0] * len(steps), walls, values, wall_clock=True)
                n += len(values)
        return n

    def set_objective(self, objective: Objective) -> None:
        """What the runs are judged by (the run table's order, the best runs' colours)."""
        self.runs.objective = objective
        self.runs.changed()
