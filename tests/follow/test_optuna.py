"""``w.follow(study)``: Optuna trials as runs, exact against ``study.trials``, live, across processes; Stop and Pause."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

from lossplot_widget import LiveLossWidget
from tests._frameworks import require

optuna = require("optuna")
optuna.logging.set_verbosity(optuna.logging.WARNING)

STATUS = {"COMPLETE": "finished", "PRUNED": "pruned", "FAIL": "failed", "RUNNING": "running"}


def curve(trial, steps: int = 6) -> float:
    """A deterministic objective: lr far from 0.1 learns slowly (the median pruner prunes those)."""
    lr = trial.suggest_float("lr", 1e-3, 1.0, log=True)
    width = trial.suggest_categorical("width", [16, 64])
    value = 1.0
    for step in range(steps):
        value = 1.0 / (1 + step) + abs(np.log10(lr) + 1) + (0.01 if width == 16 else 0.0)
        trial.report(value, step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return value


def assert_exact(w: LiveLossWidget, study, metric: str = "value") -> None:
    trials = [t for t in study.trials if t.state.name != "WAITING"]
    assert sorted(w.runs, key=lambda n: int(n.split("-")[1])) == [f"trial-{t.number}" for t in trials]
    for t in trials:
        run = w.runs[f"trial-{t.number}"]
        assert run.status == STATUS[t.state.name], t.number
        assert run.config == t.params
        steps = sorted(t.intermediate_values)
        series = run.history[metric]
        assert series.steps.tolist() == steps
        assert series.values.tolist() == [t.intermediate_values[s] for s in steps]  # bit for bit
        assert run.score == (t.value if t.value is not None else None)
        # the trial's own clock: Optuna keeps no time per value, so they are spread over the trial's run
        if steps and t.datetime_complete is not None:
            span = (t.datetime_complete - t.datetime_start).total_seconds()
            assert np.all(np.diff(series.times) >= 0) and 0 <= series.times[-1] <= span + 1e-3


def test_eight_trials_with_pruning_exact():
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=3),
                                pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1))
    w = LiveLossWidget(store=None)
    f = w.follow(study, poll=30)
    study.optimize(curve, n_trials=8)
    f.poll_once()
    f.stop()
    states = {t.state.name for t in study.trials}
    assert {"COMPLETE", "PRUNED"} <= states, states  # the test covers both
    assert_exact(w, study)
    assert w.objective is not None and (w.objective.metric, w.objective.maximize) == ("value", False)
    # the run table lists the best trial first
    w.flush()
    best = min((t for t in study.trials if t.value is not None), key=lambda t: t.value)
    assert w._view.run_table.order[0] == f"trial-{best.number}"


def test_a_trial_is_visible_while_it_runs():
    study = optuna.create_study()
    w = LiveLossWidget(store=None)
    f = w.follow(study, poll=0.05)
    seen = {}

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        for step in range(3):
            trial.report(x + step, step)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the follower's thread reads the storage meanwhile
            run = w.runs.get(f"trial-{trial.number}")
            if run is not None and run.status == "running" and len(run.history["value"].values) == 3:
                seen["values"] = run.history["value"].values.tolist()
                break
            time.sleep(0.02)
        return x

    study.optimize(objective, n_trials=1)
    f.stop()
    x = study.trials[0].params["x"]
    assert seen["values"] == [x, x + 1, x + 2]


WORKER = textwrap.dedent("""
    import sys, time, optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(sys.argv[1]))
    study = optuna.load_study(study_name="shared", storage=storage)
    def objective(trial):
        x = trial.suggest_float("x", -2, 2)
        for step in range(5):
            trial.report((x - 0.5) ** 2 + 1.0 / (step + 1), step)
            time.sleep(0.05)
        return (x - 0.5) ** 2
    study.optimize(objective, n_trials=4)
""")


def test_two_worker_processes_sharing_a_journal_storage(tmp_path):
    path = str(tmp_path / "journal.log")
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(path))
    optuna.create_study(study_name="shared", storage=storage)
    w = LiveLossWidget(store=None)
    f = w.follow(storage, study="shared", poll=0.05)
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, path]) for _ in range(2)]
    running_seen = False
    while any(p.poll() is None for p in workers):
        running_seen |= any(r.status == "running" and len(r.history) for r in list(w.runs.values()))
        time.sleep(0.02)
    assert [p.returncode for p in workers] == [0, 0]
    f.poll_once()
    f.stop()
    study = optuna.load_study(study_name="shared", storage=storage)
    assert len(study.trials) == 8
    assert_exact(w, study)
    assert running_seen  # trials of other processes were drawn while they ran


def test_storage_url_and_study_name(tmp_path):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    study = optuna.create_study(study_name="by-url", storage=url)
    study.optimize(lambda t: curve(t, steps=3), n_trials=3)
    w = LiveLossWidget(store=None)
    f = w.follow(url, study="by-url", poll=30)
    f.poll_once()
    f.stop()
    assert_exact(w, optuna.load_study(study_name="by-url", storage=url))


def test_stop_ends_the_study_in_this_kernel():
    study = optuna.create_study()
    w = LiveLossWidget(store=None)
    f = w.follow(study, poll=30)

    def objective(trial):
        for step in range(5):
            trial.report(float(step), step)
            if trial.number == 2 and step == 1:
                w.request_stop()  # what the Stop button does
            if trial.should_prune():
                raise optuna.TrialPruned()
        return 1.0

    study.optimize(objective, n_trials=10)
    f.poll_once()
    assert len(study.trials) == 3  # no trial started after Stop
    assert w.runs["trial-2"].status == "stopped"
    assert w.runs["trial-2"].history["value"].values.tolist() == [0.0, 1.0]
    assert study.trials[2].state.name == "PRUNED"
    f.stop()
    assert not type(study.pruner).__name__.startswith("_Control")  # the study's own pruner is back


def test_the_stop_label_names_the_trial_stop_reached():
    """"stopped at step 1 of trial-2": the running trial, not the first run the widget drew."""
    study = optuna.create_study()
    w = LiveLossWidget(store=None)
    w.widget
    f = w.follow(study, poll=30)

    def objective(trial):
        for step in range(5):
            trial.report(float(step), step)
            if trial.number == 2 and step == 1:
                f.poll_once()  # the follower has drawn the running trial (it polls every 0.1 s in a notebook)
                w.request_stop()
            if trial.should_prune():
                raise optuna.TrialPruned()
        return 1.0

    study.optimize(objective, n_trials=10)
    f.stop()
    assert "stopped at step 1 of trial-2" in w._view.control_bar.status.value


def test_pause_holds_the_trial_until_resume():
    study = optuna.create_study()
    w = LiveLossWidget(store=None)
    f = w.follow(study, poll=30)
    waited = {}

    def objective(trial):
        trial.report(1.0, 0)
        w.pause()
        threading.Timer(0.4, w.resume).start()
        t = time.monotonic()
        trial.should_prune()  # Pause waits here
        waited["s"] = time.monotonic() - t
        return 1.0

    study.optimize(objective, n_trials=1)
    f.stop()
    assert waited["s"] >= 0.3


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_multi_objective_one_panel_per_objective():
    study = optuna.create_study(directions=["minimize", "maximize"])
    study.set_metric_names(["error", "speed"])
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=3)
    w = LiveLossWidget(store=None)
    f = w.follow(study, poll=30)
    f.poll_once()
    f.stop()
    run = w.runs[f"study {study.study_name}"]
    for i, name in enumerate(["error", "speed"]):
        assert run.history[name].steps.tolist() == [0, 1, 2]
        assert run.history[name].values.tolist() == [t.values[i] for t in study.trials]
    assert [w.runs[f"trial-{t.number}"].status for t in study.trials] == ["finished"] * 3
    w.flush()
    assert {"error", "speed"} <= set(w._view.panels)


def test_a_bad_source_says_so():
    w = LiveLossWidget(store=None)
    with pytest.raises(TypeError, match="optuna.Study"):
        from lossplot_widget.follow.optuna_study import StudyFollower

        StudyFollower(w._study_sink, object())


def test_two_widgets_follow_one_study_and_either_one_stops_it():
    study = optuna.create_study()
    first, second = LiveLossWidget(store=None), LiveLossWidget(store=None)
    f1, f2 = first.follow(study, poll=30), second.follow(study, poll=30)
    f1.stop()  # the first stops following: the second still reaches the study

    def objective(trial):
        trial.report(1.0, 0)
        if trial.number == 1:
            second.request_stop()
        if trial.should_prune():
            raise optuna.TrialPruned()
        return 1.0

    study.optimize(objective, n_trials=5)
    f2.poll_once()
    f2.stop()
    assert len(study.trials) == 2 and second.runs["trial-1"].status == "stopped"
    assert not type(study.pruner).__name__.startswith("_Control")  # the study's own pruner is back


def test_ask_and_tell_stop_prunes_without_an_error_and_a_running_trial_is_not_the_best():
    study = optuna.create_study()
    w = LiveLossWidget(store=None)
    f = w.follow(study, poll=30)
    done = study.ask()
    done.suggest_float("x", 0, 1)
    done.report(0.5, 0)
    study.tell(done, 0.5)
    running = study.ask()
    running.report(0.1, 0)  # better so far, but no result yet
    f.poll_once()
    w.flush()
    assert w._view.run_table.best.value.count("trial-0") == 1  # Optuna's best_trial, not the running trial
    lr = running.suggest_float("lr", 1e-3, 1.0)  # params suggested after a poll: the config follows
    f.poll_once()
    assert w.runs["trial-1"].config == {"lr": lr}
    w.request_stop()
    assert running.should_prune() is True  # Stop outside optimize(): Optuna refuses study.stop(); the trial is pruned
    f.stop()


def test_following_again_returns_the_same_follower_and_hyperband_is_left_alone():
    study = optuna.create_study(pruner=optuna.pruners.HyperbandPruner())
    w = LiveLossWidget(store=None)
    f = w.follow(study, poll=30)
    assert w.follow(study, poll=30) is f  # a cell run twice logs nothing twice
    assert isinstance(study.pruner, optuna.pruners.HyperbandPruner)  # samplers filter trials by its type
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2, callbacks=[f])
    assert w.runs["trial-1"].history.counts() == {} and w.runs["trial-1"].status == "finished"
    f.stop()


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_multi_objective_values_in_trial_order_when_trials_end_out_of_order():
    study = optuna.create_study(directions=["minimize", "minimize"])
    w = LiveLossWidget(store=None)
    f = w.follow(study, poll=30)
    trials = [study.ask() for _ in range(3)]
    study.tell(trials[1], (1.0, 1.5))
    f.poll_once()  # trial 0 still runs: trial 1's values wait for it
    study.tell(trials[2], (2.0, 2.5))
    study.tell(trials[0], (0.0, 0.5))
    f.poll_once()
    f.stop()
    run = w.runs[f"study {study.study_name}"]
    assert run.history["value_0"].steps.tolist() == [0, 1, 2]
    assert run.history["value_1"].values.tolist() == [0.5, 1.5, 2.5]
    assert run.score is None and run.scored  # never "the best": it is every trial


def test_a_storage_error_is_reported_once_and_polling_goes_on():
    from lossplot_widget import FollowWarning

    study = optuna.create_study()
    w = LiveLossWidget(store=None)
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("database is gone")

    with pytest.warns(FollowWarning, match="database is gone"):
        f = w.follow(study, poll=0.02)
        study.get_trials = broken  # the storage fails from now on
        deadline = time.monotonic() + 20
        while len(calls) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    f.stop()
    assert len(calls) >= 3  # polling went on after the failure
    assert len(f.errors) == 1 and "database is gone" in f.errors[0]  # reported once
    assert any("database is gone" in n for n in w._notes)
