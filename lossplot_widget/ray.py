"""Ray Tune callback: every trial of an experiment a live run of the widget.

Importing this module imports Ray Tune; ``import lossplot_widget`` alone never does. The callback runs in the
driver (the notebook's kernel), where Tune hands it each trial's results:

- each trial is a run named with its trial id, its config the trial's config (nested keys joined by ``/``);
- every numeric metric of each result is drawn at its ``training_iteration`` (or the result key ``step`` names);
  Tune's own bookkeeping (times, pid, ...) is left out;
- statuses: ``finished`` when the trainable returned or met its ``stop`` criteria; ``pruned`` when Tune ended it
  (a scheduler such as ASHA, PBT or median stopping) before the furthest step any trial of the experiment reached;
  ``failed`` with its error; ``stopped`` after the widget's Stop;
- with ``metric``, each trial's score is its last value of that metric (Tune's default scope), and the run table
  lists the best trials first.

Stop ends the experiment when the callback's :attr:`~LiveLossCallback.stopper` is the experiment's stopper
(``tune.RunConfig(callbacks=[cb], stop=cb.stopper)``): no trial is started after it, and running trials stop at
their next result. Pause holds the driver at the next result until Resume: Tune then starts no trial and takes no
result; a running trial's ``tune.report`` waits for the driver, so trials pause after at most one more iteration
(their current iteration is not interrupted).

>>> from lossplot_widget import LiveLossWidget
>>> from lossplot_widget.ray import LiveLossCallback
>>> cb = LiveLossCallback(LiveLossWidget(store=None), metric="loss", mode="min")
>>> cb.step, cb.widget.runs.__len__()
('training_iteration', 0)
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

from ray import cloudpickle, tune
from ray.tune.result import AUTO_RESULT_KEYS, DEBUG_METRICS, DONE
from ray.tune.utils import flatten_dict

from .adapters.common import show
from .core.run import FAILED, FINISHED, PRUNED, RUNNING, STOPPED, Run
from .widget import LiveLossWidget

__all__ = ["LiveLossCallback"]

#: result keys never drawn: Tune's bookkeeping
SKIPPED = frozenset((*AUTO_RESULT_KEYS, *DEBUG_METRICS, DONE, "should_checkpoint", "trial_id", "experiment_tag"))


class _WidgetStopper(tune.Stopper):
    """A Tune stopper that says "stop" once the widget's Stop was clicked."""

    def __init__(self, callback: LiveLossCallback) -> None:
        self._callback = callback
        self.asked = 0  # Tune asks its stopper before every step and result: 0 means it is not this experiment's

    def __call__(self, trial_id: str, result: dict[str, Any]) -> bool:
        self.asked += 1
        return self._callback.stop_requested()

    def stop_all(self) -> bool:
        self.asked += 1
        return self._callback.stop_requested()


class LiveLossCallback(tune.Callback):
    """Draw a Ray Tune experiment's trials live (see the module docstring).

    Parameters
    ----------
    widget : LiveLossWidget, optional
        Where to draw; if omitted, one is made and displayed when the experiment starts (``callback.widget``).
    metric, mode : str, optional
        The metric the experiment is tuned on and ``"min"``/``"max"`` (as in ``tune.TuneConfig``): the run table
        lists trials best first and the best trials get the distinct colours.
    step : str
        The result key used as the step (default ``training_iteration``).
    metrics : sequence of str, optional
        Draw only these result keys (default: every numeric one but Tune's bookkeeping).
    """

    def __init__(
        self, widget: LiveLossWidget | None = None, *, metric: str | None = None, mode: str | None = None,
        step: str = "training_iteration", metrics: Sequence[str] | None = None,
    ) -> None:
        self.widget = widget
        self.metric = metric
        self.mode = mode
        self.step = step
        self.metrics = None if metrics is None else frozenset(metrics)
        #: the experiment's stopper to pass as ``tune.RunConfig(stop=...)``: the widget's Stop then ends it
        self.stopper = _WidgetStopper(self)
        self.runs: dict[str, Run] = {}
        self._ended_by_tune: set[str] = set()  # trials whose last result Tune marked done (a scheduler, a stopper)
        self._last_step: dict[str, int] = {}
        self.results = 0
        self._checked_stopper = False
        if widget is not None and metric is not None:
            widget.rank_by(metric, mode)

    # ------------------------------------------------------------------ Tune's hooks
    def setup(self, stop: Any = None, num_samples: int | None = None, total_num_samples: int | None = None,
              **info: Any) -> None:
        created = self.widget is None
        w = self.widget = self.widget if self.widget is not None else LiveLossWidget()
        if self.metric is not None:
            w.rank_by(self.metric, self.mode)
        w.should_stop  # noqa: B018 - begins a control scope: Stop and Pause act during tuner.fit() in this cell
        self.stopper.asked = 0
        self._checked_stopper = False
        # a callback used for a second experiment starts over (its trials are new runs; steps compared anew)
        self.runs, self._ended_by_tune, self._last_step, self.results = {}, set(), {}, 0
        if created:
            show(w)

    def on_trial_start(self, iteration: int, trials: list[Any], trial: Any, **info: Any) -> None:
        self._run(trial)

    def on_trial_result(self, iteration: int, trials: list[Any], trial: Any, result: dict[str, Any],
                        **info: Any) -> None:
        run = self._run(trial)
        if not self._checked_stopper:  # Tune asked its stopper about this result before telling the callbacks
            self._checked_stopper = True
            if not self.stopper.asked and self.widget is not None:
                self.widget.add_note(
                    "Stop cannot end this Ray Tune experiment: pass tune.RunConfig(stop=callback.stopper)")
        flat = flatten_dict(result)
        values = {k: v for k, v in flat.items() if self._drawn(k, v)}
        step = flat.get(self.step)
        if values:
            # logging waits here while the widget is paused: the driver (and with it the experiment) holds
            run.log(values, step=None if step is None else int(step))
        if step is not None:
            self._last_step[trial.trial_id] = int(step)
        if self.metric is not None and _number(flat.get(self.metric)):
            run.score = float(flat[self.metric])
        if result.get(DONE):
            criteria = {k: v for k, v in flat.items() if k != DONE}
            if not trial.should_stop(criteria):  # not its own stop criteria: a scheduler's (or a stopper's) call
                self._ended_by_tune.add(trial.trial_id)
        self.results += 1

    def on_trial_complete(self, iteration: int, trials: list[Any], trial: Any, **info: Any) -> None:
        run = self._run(trial)
        if run.status == RUNNING:
            run.finish(STOPPED if self.stop_requested() else FINISHED)
        self._settle()

    def on_trial_error(self, iteration: int, trials: list[Any], trial: Any, **info: Any) -> None:
        self._run(trial).finish(FAILED, _error_of(trial))

    def on_experiment_end(self, trials: list[Any], **info: Any) -> None:
        for trial in trials:  # trials the end of the experiment stopped (Stop, a time budget): Tune says no more
            run = self.runs.get(trial.trial_id)
            if run is not None and run.status == RUNNING:
                if getattr(trial, "status", None) == "ERROR":
                    self.on_trial_error(0, trials, trial)
                else:
                    run.finish(STOPPED if self.stop_requested() else FINISHED)
        self._settle()
        if self.widget is not None:
            self.widget.flush()

    # ------------------------------------------------------------------ Tune saves the experiment's callbacks
    def __getstate__(self) -> dict[str, Any]:
        """Tune pickles its run config with the experiment: the widget (live, not picklable) stays here."""
        state = dict(self.__dict__)
        state.update(widget=None, runs={}, _ended_by_tune=set(), _last_step={})
        return state

    # ------------------------------------------------------------------ helpers
    def stop_requested(self) -> bool:
        """Whether the widget's Stop was clicked during this experiment."""
        return self.widget is not None and self.widget.loop_control.stop_requested()

    def _drawn(self, key: str, value: Any) -> bool:
        if self.metrics is not None:
            return key in self.metrics and _number(value)
        return key not in SKIPPED and key != self.step and not key.startswith("config/") and _number(value)

    def _run(self, trial: Any) -> Run:
        run = self.runs.get(trial.trial_id)
        if run is None:
            assert self.widget is not None
            config = {k: v if isinstance(v, (int, float, str, bool)) or v is None else str(v)
                      for k, v in flatten_dict(dict(trial.config)).items()}
            run = self.runs[trial.trial_id] = self.widget.run(trial.trial_id, config=config)
            run.scored = self.metric is not None  # judged by its last value of the metric once it has one
        return run

    def _settle(self) -> None:
        """Trials Tune ended: ``pruned`` below the furthest step any trial reached, else ``finished``."""
        furthest = max(self._last_step.values(), default=0)
        for trial_id in self._ended_by_tune:
            run = self.runs.get(trial_id)
            if run is None or run.status not in (FINISHED, PRUNED):
                continue
            status = PRUNED if self._last_step.get(trial_id, 0) < furthest else FINISHED
            if run.status != status:
                ended = run.ended  # when it ended, not when another trial went further
                run.finish(status)
                run.ended = ended


def _number(value: Any) -> bool:
    """A number to draw (NaN and inf included: nothing reported is dropped); not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _error_of(trial: Any) -> str | None:
    """``"ValueError: boom"``: the trial's error as Tune saved it beside the driver (its pickle, else the last line of
    its text trace); ``None`` when neither can be read."""
    try:
        with open(trial.pickled_error_file, "rb") as f:
            error = cloudpickle.load(f)
        cause = getattr(error, "cause", None) or error  # a RayTaskError wraps the trainable's own exception
        return f"{type(cause).__name__}: {cause}"[:200]
    except Exception:  # no pickle (an unpicklable error): the text trace
        pass
    try:
        with open(trial.error_file) as f:
            lines = [line.strip() for line in f if line.strip()]
        return lines[-1][:200] if lines else None
    except Exception:  # unreadable: the status still says failed
        return None
