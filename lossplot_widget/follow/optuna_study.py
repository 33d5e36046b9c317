"""Follow an Optuna study (``w.follow(study)``): each trial a run, drawn live from the study's storage.

A daemon thread reads the study's trials every ``poll`` seconds (``study.get_trials``): through the storage, so the
trials of other processes and machines sharing it (an RDB or journal storage) appear too. Each trial is a run
``trial-<number>``:

- its ``config`` is the trial's params;
- its intermediate values (``trial.report(value, step)``) are drawn at their steps under the study's metric name
  (``study.metric_names``, else ``value``). Optuna keeps no time per value: the values first read at one poll are
  spread evenly between the previous read (or the trial's start) and this read (or the trial's end), so a trial's
  clock and steps/s are those of the trial, to within one poll;
- its status follows the trial's state: ``running``, ``finished`` (complete), ``pruned``, ``failed``; a trial that
  Stop pruned is ``stopped``. Waiting trials are not shown until they start;
- its score (:attr:`~lossplot_widget.core.run.Run.score`) is the trial's value, so the run table lists the best
  trials first and the plot gives them the distinct colours.

A multi-objective study (where Optuna takes no intermediate values) draws one panel per objective: a run named
after the study holds, per objective, each complete trial's value at its trial number.

Stop and Pause reach a study that runs in this kernel (its ``optimize`` here, blocking a cell or in a thread):
the follower wraps the study's pruner, so at each ``trial.should_prune()`` a Pause waits until Resume, and a Stop
prunes that trial and calls ``study.stop()`` (no further trial starts; with ask/tell outside ``optimize`` Stop
only prunes). An objective that never calls ``should_prune`` is reached between trials instead when the follower
is one of ``optimize``'s callbacks (``study.optimize(f, callbacks=[follower])``); so is a multi-objective study
(no pruning there) and one with a ``HyperbandPruner``, which is not wrapped (samplers recognise it by its type).
Trials of other processes cannot be paused or stopped from here. Following a study again (a cell run twice)
returns the follower already running.

>>> import optuna
>>> from lossplot_widget import LiveLossWidget
>>> optuna.logging.set_verbosity(optuna.logging.WARNING)
>>> study = optuna.create_study()
>>> def objective(trial):
...     x = trial.suggest_float("x", -1, 1)
...     for step in range(3):
...         trial.report(x * x + 1 / (step + 1), step)
...     return x * x
>>> w = LiveLossWidget(store=None); f = w.follow(study, poll=60)
>>> study.optimize(objective, n_trials=2); _ = f.poll_once(); f.stop()
>>> sorted(w.runs), w.runs["trial-0"].status, len(w.runs["trial-0"].history["value"].values)
(['trial-0', 'trial-1'], 'finished', 3)
"""

from __future__ import annotations

import math
import time
import weakref
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ..core.ranking import Objective
from ..core.run import FAILED, FINISHED, FOLLOWED, PRUNED, RUNNING, STOPPED
from .follower import FollowWarning
from .polling import PolledSource

__all__ = ["StudyFollower", "StudySink", "TrialUpdate", "is_study"]

#: Optuna's trial states (their names) -> run statuses; WAITING trials are not shown
STATES = {"RUNNING": RUNNING, "COMPLETE": FINISHED, "PRUNED": PRUNED, "FAIL": FAILED}


def is_study(obj: object) -> bool:
    """Whether ``obj`` is an ``optuna.Study`` (checked without importing Optuna)."""
    return any(c.__module__.startswith("optuna.") and c.__name__ == "Study" for c in type(obj).__mro__)


class TrialUpdate:
    """What the follower read of one trial since the last poll."""

    __slots__ = ("config", "ended", "error", "points", "score", "scored", "started", "status")

    def __init__(
        self, status: str, config: dict[str, Any], points: dict[str, tuple[list[int], list[float], list[float]]],
        score: float | None, started: float, ended: float | None, error: str | None = None, scored: bool = False,
    ) -> None:
        self.status, self.config, self.points, self.score = status, config, points, score
        self.started, self.ended, self.error = started, ended, error
        #: the engine judges the run (``score`` ``None``: no result yet, not its points)
        self.scored = scored


class StudySink(Protocol):
    """Where a study follower delivers what it reads."""

    def ingest_trial(self, name: str, update: TrialUpdate) -> int:
        """Update run ``name`` (status, config, score) and append its new points (``{metric: (steps, values,
        wall times)}``); return the points appended."""
        ...

    def set_objective(self, objective: Objective) -> None: ...

    def note(self, text: str) -> None: ...

    def request_frame(self) -> None: ...


class _ControlPruner:
    """The study's own pruner, asked through the widget's Pause and Stop first (see the module docstring)."""

    def __init__(self, pruner: Any, control: Callable[[], bool], stopped: set[int]) -> None:
        self.pruner = pruner
        self._control = control
        self._stopped = stopped
        #: False once its follower stopped: it then only asks the pruner it wraps (another widget's, or the study's)
        self.active = True

    def prune(self, study: Any, trial: Any) -> bool:
        if self.active and self._control():  # waits while paused; True once Stop was clicked
            self._stopped.add(trial.number)
            try:
                study.stop()  # inside optimize(): no further trial
            except RuntimeError:  # ask/tell outside optimize(): Optuna refuses; pruning this trial is all Stop does
                pass
            return True
        return bool(self.pruner.prune(study, trial))

    def __getattr__(self, name: str) -> Any:  # the wrapped pruner's own attributes (n_startup_trials, ...)
        if name.startswith("__") or name in ("pruner", "_control", "_stopped", "active"):
            raise AttributeError(name)  # copy/pickle probe dunders before __init__ ran: no recursion
        return getattr(self.pruner, name)


class StudyFollower(PolledSource):
    """Polls an Optuna study from a background thread (see the module docstring); :meth:`stop` ends it.

    A storage error is reported once per message (a :class:`~lossplot_widget.FollowWarning` and a note) and polling
    goes on.

    Parameters
    ----------
    sink : StudySink
        Where the trials go (the widget).
    study : optuna.Study
        The study; ``optuna.load_study(study_name=..., storage=...)`` for one run elsewhere.
    poll : float
        Seconds between reads of the storage.
    control : callable, optional
        ``control()`` waits while the widget is paused and returns whether Stop was clicked: given, the study's
        pruner is wrapped so Pause and Stop reach trials run in this kernel (restored by :meth:`stop`).
    """

    warning = FollowWarning

    def __init__(
        self, sink: StudySink, study: Any, *, poll: float = 0.5, control: Callable[[], bool] | None = None,
        start: bool = True,
    ) -> None:
        if poll <= 0:
            raise ValueError(f"poll must be > 0 seconds, got {poll!r}")
        if not is_study(study):
            raise TypeError(f"follow() takes an optuna.Study here, got {type(study).__name__}")
        self.study = study
        self.poll = float(poll)
        self._sink = weakref.ref(sink)
        directions = [d.name.lower() for d in study.directions]
        names = study.metric_names or (["value"] if len(directions) == 1 else
                                       [f"value_{i}" for i in range(len(directions))])
        #: the metric name of each objective, and its direction (``"minimize"``/``"maximize"``)
        self.metrics: list[str] = list(names)
        self.directions = directions
        self.multi = len(directions) > 1
        #: trial numbers pruned because Stop was clicked (shown ``stopped``)
        self.stopped_trials: set[int] = set()
        self._steps: dict[int, set[int]] = {}  # trial number -> steps already delivered
        self._read_until: dict[int, float] = {}  # trial number -> the wall time its last delivered value got
        self._seen: dict[int, tuple[object, ...]] = {}  # trial number -> (state, value, #steps) last delivered
        self._multi_next = 0  # the next trial number whose values the multi-objective run takes (in number order)
        self._control = control
        self._pruner: _ControlPruner | None = None
        super().__init__(f"optuna:{study.study_name}")
        #: what ``follow()`` was given (a study, or a storage and a name): following it again returns this follower
        self.key: tuple[object, ...] | None = None
        sink.set_objective(Objective.of(self.metrics[0], directions[0]))
        if control is not None and not self.multi and _wrappable(study.pruner):
            # last: nothing after it can fail and leave the study wrapped. A second widget following the study
            # wraps the first one's wrapper
            self._pruner = _ControlPruner(study.pruner, control, self.stopped_trials)
            study.pruner = self._pruner
        if start:
            self.start()

    # ------------------------------------------------------------------ Optuna's callback protocol
    def __call__(self, study: Any, trial: Any) -> None:
        """As one of ``study.optimize(callbacks=[...])``: between trials, wait while paused; Stop ends the study."""
        if self._control is not None and self._control():
            study.stop()
        self.poll_once()

    # ------------------------------------------------------------------ polling
    def stop(self, timeout: float = 5.0) -> None:
        """Stop following (the trials read stay in the widget) and give the study its own pruner back."""
        if self._pruner is not None:
            self._pruner.active = False
            if self.study.pruner is self._pruner:  # the outermost: unwrap it and the stopped ones under it
                inner = self._pruner.pruner
                while isinstance(inner, _ControlPruner) and not inner.active:
                    inner = inner.pruner
                self.study.pruner = inner
        self._pruner = None
        super().stop(timeout)

    def _failure(self, exc: BaseException) -> str:  # a storage error
        return f"follow(study {self.study.study_name!r}): {type(exc).__name__}: {exc}"

    def _poll(self, sink: StudySink) -> int:
        now = time.time()
        n = 0
        changed = False
        trials = self.study.get_trials(deepcopy=False)
        for trial in trials:
            status = STATES.get(trial.state.name)
            if status is None:  # waiting: not started
                continue
            if status == PRUNED and trial.number in self.stopped_trials:
                status = STOPPED
            values = trial.values
            facts = (status, tuple(values) if values else None, len(trial.intermediate_values), repr(trial.params))
            if self._seen.get(trial.number) == facts:
                continue
            self._seen[trial.number] = facts
            changed = True
            n += sink.ingest_trial(f"trial-{trial.number}", self._update(trial, status, now))
        if self.multi:
            n += self._multi_values(sink, trials, now)
        if changed:
            sink.request_frame()
        return n

    def _multi_values(self, sink: StudySink, trials: list[Any], now: float) -> int:
        """The multi-objective run: each complete trial's values at its trial number, in number order (a trial that
        ends before a lower-numbered one waits for it: the steps of a series only grow)."""
        by_number = {t.number: t for t in trials}
        points: dict[str, tuple[list[int], list[float], list[float]]] = {m: ([], [], []) for m in self.metrics}
        first = None
        while (t := by_number.get(self._multi_next)) is not None and t.state.name not in ("RUNNING", "WAITING"):
            if t.state.name == "COMPLETE" and t.values:
                first = first if first is not None else _stamp(t.datetime_start)
                for m, v in zip(self.metrics, t.values):
                    points[m][0].append(t.number)
                    points[m][1].append(float(v))
                    points[m][2].append(now)
            self._multi_next += 1
        if not points[self.metrics[0]][0]:
            return 0
        return sink.ingest_trial(f"study {self.study.study_name}", TrialUpdate(
            FOLLOWED, {}, points, None, now if first is None else first, None, scored=True))

    def _update(self, trial: Any, status: str, now: float) -> TrialUpdate:
        done = self._steps.setdefault(trial.number, set())
        new = sorted(s for s in trial.intermediate_values if s not in done)
        done.update(new)
        points: dict[str, tuple[list[int], list[float], list[float]]] = {}
        started = _stamp(trial.datetime_start)
        if new and not self.multi:
            values = [float(trial.intermediate_values[s]) for s in new]
            ended = _stamp(trial.datetime_complete)
            until = min(now, ended) if ended is not None else now
            since = self._read_until.get(trial.number, until if started is None else started)
            since = min(since, until)
            times = [since + (until - since) * (k + 1) / len(new) for k in range(len(new))]
            self._read_until[trial.number] = until
            points[self.metrics[0]] = (new, values, times)
        score = None
        if trial.values:
            first = float(trial.values[0])
            score = None if math.isnan(first) else first
        return TrialUpdate(
            status, _plain(trial.params), points, score, now if started is None else started,
            _stamp(trial.datetime_complete),
            "failed (Optuna keeps no reason: see the log of the process that ran it)" if status == FAILED else None,
            scored=True,
        )

    def __repr__(self) -> str:
        return f"StudyFollower({self.study.study_name!r}, running={self.running})"


def _wrappable(pruner: Any) -> bool:
    """Whether Pause and Stop may wrap ``pruner``: not a ``HyperbandPruner``, which samplers recognise by its type
    (they then see only the trials of each trial's bracket); a wrapper would hide it."""
    return not any(c.__name__ == "HyperbandPruner" for c in type(pruner).__mro__)


def _stamp(moment: Any) -> float | None:
    return None if moment is None else float(moment.timestamp())


def _plain(params: Mapping[str, Any]) -> dict[str, Any]:
    """A trial's params as a run config (numbers and strings as they are, other choices as text)."""
    return {k: v if isinstance(v, (int, float, str, bool)) or v is None else str(v) for k, v in params.items()}
