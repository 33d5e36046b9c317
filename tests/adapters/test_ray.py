"""``lossplot_widget.ray.LiveLossCallback`` on a local Ray: trials exact against Tune's own results, ASHA's early
stops ``pruned``, an error ``failed``, the widget's Stop ends the experiment."""

from __future__ import annotations

import os
import sys

import pytest

from lossplot_widget import LiveLossWidget
from tests._frameworks import require

ray = require("ray")
tune = require("ray.tune")
from ray.tune.schedulers import ASHAScheduler  # noqa: E402

from lossplot_widget.ray import LiveLossCallback  # noqa: E402

# Ray's workers cannot import this test module: its trainables travel by value
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def decaying(config):
    for i in range(8):
        tune.report({"loss": config["lr"] * (10 - i), "acc": i / 8, "note": "text is not drawn"})


def test_four_trials_with_asha_exact_and_pruned(tmp_path):
    w = LiveLossWidget(store=None)
    cb = LiveLossCallback(w, metric="loss", mode="min")
    tuner = tune.Tuner(
        decaying, param_space={"lr": tune.grid_search([0.1, 0.2, 0.3, 0.4])},
        tune_config=tune.TuneConfig(metric="loss", mode="min", max_concurrent_trials=2,
                                    scheduler=ASHAScheduler(max_t=8, grace_period=2, reduction_factor=2)),
        run_config=tune.RunConfig(callbacks=[cb], stop=cb.stopper, storage_path=str(tmp_path), verbose=0),
    )
    grid = tuner.fit()
    assert len(grid) == 4 and not grid.errors
    lengths = []
    for result in grid:
        frame = result.metrics_dataframe
        trial_id = result.metrics["trial_id"]
        run = w.runs[trial_id]
        assert run.config == {"lr": result.config["lr"]}
        for metric in ("loss", "acc"):
            series = run.history[metric]
            assert series.values.tolist() == frame[metric].tolist()  # bit for bit
            assert series.steps.tolist() == frame["training_iteration"].tolist()
        assert "note" not in run.history and "time_this_iter_s" not in run.history  # text and Tune's bookkeeping
        assert run.score == frame["loss"].tolist()[-1]
        lengths.append(len(frame))
        assert run.status == ("finished" if len(frame) == 8 else "pruned"), (trial_id, len(frame))
    assert min(lengths) < 8 == max(lengths)  # ASHA stopped some trials early, one ran its budget
    assert w.objective is not None and w.objective.metric == "loss"
    assert cb.results == sum(lengths)


def stoppable(config):
    import time

    for i in range(400):
        if config["kind"] == "boom" and i == 2:
            raise ValueError("boom")
        tune.report({"loss": 1.0 / (i + 1)})
        time.sleep(0.05)


class ClickStop(tune.Callback):
    """Clicks Stop (what the button does) once the failing trial failed and another reached iteration 3."""

    def __init__(self, w: LiveLossWidget) -> None:
        self.w = w

    def __getstate__(self):  # Tune saves its callbacks with the experiment: the widget stays here
        return {"w": None}

    def on_trial_result(self, iteration, trials, trial, result, **info):
        failed = any(r.status == "failed" for r in self.w.runs.values())
        if failed and result["training_iteration"] >= 3 and not self.w.loop_control.stop_requested():
            self.w.request_stop()


def test_stop_ends_the_experiment_and_an_error_fails_its_trial(tmp_path):
    w = LiveLossWidget(store=None)
    cb = LiveLossCallback(w)
    tuner = tune.Tuner(
        stoppable, param_space={"kind": tune.grid_search(["boom", "ok", "ok2", "ok3"])},
        tune_config=tune.TuneConfig(max_concurrent_trials=2),
        run_config=tune.RunConfig(callbacks=[cb, ClickStop(w)], stop=cb.stopper, storage_path=str(tmp_path),
                                  verbose=0, failure_config=tune.FailureConfig(fail_fast=False)),
    )
    tuner.fit()
    statuses = {r.config["kind"]: r.status for r in w.runs.values()}
    assert statuses.get("boom") == "failed"
    boom = next(r for r in w.runs.values() if r.config["kind"] == "boom")
    assert boom.error is not None and "boom" in boom.error
    ok = [r for r in w.runs.values() if r.config["kind"] != "boom"]
    assert ok and {r.status for r in ok} == {"stopped"}
    assert all(len(r.history["loss"]) < 400 for r in ok if len(r.history))  # none ran to its end
    assert len(w.runs) < 4  # the last trials never started


def test_a_missing_stopper_is_said_once_and_the_callback_pickles_without_its_widget():
    import pickle

    from ray.tune.experiment import Trial

    trial = Trial("fn", config={"lr": 0.1, "opt": {"name": "adam"}}, stub=True)
    for asked in (False, True):
        w = LiveLossWidget(store=None)
        cb = LiveLossCallback(w, metric="loss", mode="min")
        cb.setup(stop={})  # what Ray 2.60 hands setup(), whatever the experiment's stopper
        cb.on_trial_start(0, [trial], trial)
        if asked:
            cb.stopper.stop_all()  # Tune asks its stopper before each step: this is the experiment's stopper
        cb.on_trial_result(0, [trial], trial, {"loss": 0.5, "training_iteration": 1, "flag": True, "done": False})
        cb.on_trial_result(0, [trial], trial, {"loss": 0.25, "training_iteration": 2, "done": False})
        notes = [n for n in w._notes if "Stop cannot end" in n]
        assert len(notes) == (0 if asked else 1)
    run = w.runs[trial.trial_id]
    assert run.config == {"lr": 0.1, "opt/name": "adam"}  # nested config keys joined by "/"
    assert run.history["loss"].values.tolist() == [0.5, 0.25] and "flag" not in run.history  # a bool is no metric
    assert run.score == 0.25
    copy = pickle.loads(pickle.dumps(cb))  # Tune saves its callbacks with the experiment
    assert copy.widget is None and copy.runs == {} and copy.metric == "loss"


def test_a_callback_reused_for_a_second_experiment_starts_over_and_settling_keeps_end_times():
    from ray.tune.experiment import Trial

    w = LiveLossWidget(store=None)
    cb = LiveLossCallback(w, metric="loss", mode="min")

    ended_at = {}

    def experiment(steps_by_trial):
        trials = [Trial("fn", config={"k": k}, stub=True) for k in range(len(steps_by_trial))]
        cb.setup(stop={})
        cb.stopper.stop_all()
        for trial, steps in zip(trials, steps_by_trial):
            cb.on_trial_start(0, trials, trial)
            for step in range(1, steps + 1):
                done = step == steps and steps < max(steps_by_trial)  # Tune ended it early
                cb.on_trial_result(0, trials, trial, {"loss": 1.0 / step, "training_iteration": step, "done": done})
            cb.on_trial_complete(0, trials, trial)
            ended_at[trial.trial_id] = w.runs[trial.trial_id].ended
        cb.on_experiment_end(trials)
        return trials

    first = experiment([2, 20])
    early = w.runs[first[0].trial_id]
    assert early.status == "pruned"  # settled when the second trial went further
    assert early.ended == ended_at[first[0].trial_id]  # and it keeps the time it ended
    second = experiment([5])  # one trial, run to its end: compared with this experiment only
    assert w.runs[second[0].trial_id].status == "finished"
