"""Tutorial 05 (an Optuna sweep followed live), run in fast mode offline: the widget holds every trial exactly as
Optuna does, and every claim of its text is checked against what the notebook computed and printed.

The markdown states numbers (the trials, epochs and images of each mode, the sampler's and the pruner's settings,
the learning-rate bands, chance at ln 10, the colours kept) and comparisons (pruned trials ran fewer epochs, the
best learning rate lies in the middle band, the smallest ones are behind after one epoch, the largest end at
chance, the widget's best is Optuna's); each test reads the claim from the text where it is a number, and checks
it against the trials the notebook ran.
"""

from __future__ import annotations

import ast
import inspect
import math
import re

import pytest
from _frameworks import require
from _notebooks import Run, assert_clean, run_notebook, stdout_of

require("optuna")  # the notebook's sweep (torch: required by _notebooks)

FILE = "05_optuna_sweep.ipynb"
#: Optuna's trial states -> the widget's run statuses
STATUS = {"COMPLETE": "finished", "PRUNED": "pruned", "FAIL": "failed", "RUNNING": "running"}

PROBE = """
from lossplot_widget.render.palette import MUTED as _MUTED, PALETTE as _PALETTE
from lossplot_widget.render.runstyle import DISTINCT as _DISTINCT, run_colors as _run_colors
from lossplot_widget.view.run_table import PAGE_ROWS as _PAGE_ROWS
w.flush()
_frame = w._builder.build(w._options())
_table = w._view.run_table
_summaries = list(_frame.runs)
_last = max(_summaries, key=lambda s: s.index)
_status, _last.status = _last.status, "running"  # as while the last trial trained: a running trial keeps a colour
_running_color = _run_colors(_summaries, w.objective)[_last.name]
_saved, _table._table = _table._table, (_table._table[0], _summaries, w.objective)
_running_on_top = _table._ordered()[0].name == _last.name
_table._table, _last.status = _saved, _status
_a, _b = mlp(64), mlp(64)
_probe.update(
    fast=FAST, n_trials=N_TRIALS, epochs=EPOCHS, n_train=len(X_train), n_val=len(X_val), source=data.source,
    sweep_seconds=sweep_seconds,
    trials=[{"number": t.number, "state": t.state.name, "params": t.params, "value": t.value,
             "steps": sorted(t.intermediate_values),
             "values": [t.intermediate_values[s] for s in sorted(t.intermediate_values)]} for t in study.trials],
    runs={name: {"status": r.status, "config": r.config, "score": r.score, "metrics": sorted(r.history.names),
                 "steps": r.history["value"].steps.tolist() if "value" in r.history.names else [],
                 "values": r.history["value"].values.tolist() if "value" in r.history.names else []}
          for name, r in w.runs.items()},
    best_number=study.best_trial.number, best_value=study.best_value, best_params=study.best_params,
    objective=[w.objective.metric, w.objective.maximize],
    order=_table.order, best_line=_table.best.value, page_rows=_PAGE_ROWS,
    colors={s.name: s.color for s in _frame.runs}, muted=_MUTED, palette=len(_PALETTE), distinct=_DISTINCT,
    series_colors={sf.run: [sf.color, sf.muted] for sf in _frame.panels["value"]},
    running_color=_running_color, running_on_top=_running_on_top,
    poll=follower.poll, follower_errors=list(follower.errors),
    draw_error=None if w.draw_error is None else repr(w.draw_error),
    pruner=[type(study.pruner).__name__, type(getattr(study.pruner, "pruner", None)).__name__],
    same_initial_weights=all(bool((p == q).all()) for p, q in zip(_a.parameters(), _b.parameters())),
    defined=sorted(n for n in ("train", "N_TRIALS", "EPOCHS", "LiveLossWidget", "display") if n in globals()),
)
"""


@pytest.fixture(scope="module")
def sweep_run() -> Run:
    return run_notebook(FILE, PROBE)


def _cells(run: Run, kind: str) -> str:
    # the cells as committed (the probe cell appended by run_notebook left out)
    return "\n".join(c.source for c in run.nb.cells[:-1] if c.cell_type == kind)


def _text(run: Run) -> str:
    """The markdown as one line of plain words (line breaks and runs of spaces made single spaces)."""
    return re.sub(r"\s+", " ", _cells(run, "markdown"))


def _number(pattern: str, text: str, group: int = 1) -> float:
    m = re.search(pattern, text)
    assert m, f"the text no longer says {pattern!r}"
    return float(m.group(group).replace(",", ""))


def _trials(run: Run, state: str | None = None) -> list[dict]:
    return [t for t in run.probe["trials"] if state is None or t["state"] == state]


def _band(run: Run, low: float, high: float) -> list[dict]:
    return [t for t in run.probe["trials"] if low <= t["params"]["lr"] < high]


def test_sweep_notebook_runs_clean_and_fast(sweep_run: Run) -> None:
    assert_clean(sweep_run)
    p = sweep_run.probe
    assert p["follower_errors"] == [] and p["draw_error"] is None  # the last frame drew
    # well under a minute in fast mode (about 10 s here, the sweep itself about 6 s); bounds generous for loaded CI
    assert p["sweep_seconds"] < 60, p["sweep_seconds"]
    assert sweep_run.seconds < 120, sweep_run.seconds


def test_every_trial_is_a_run_exactly_as_optuna_has_it(sweep_run: Run) -> None:
    p = sweep_run.probe
    trials = p["trials"]
    assert len(trials) == p["n_trials"]
    assert sorted(p["runs"]) == sorted(f"trial-{t['number']}" for t in trials)  # no other run
    for t in trials:
        run = p["runs"][f"trial-{t['number']}"]
        assert run["status"] == STATUS[t["state"]], t["number"]
        assert run["config"] == t["params"]
        assert run["metrics"] == ["value"]  # drawn under Optuna's name for the objective
        assert run["steps"] == t["steps"] == list(range(1, len(t["steps"]) + 1))  # at their epochs, 1, 2, ...
        assert run["values"] == t["values"]  # bit for bit
        assert run["score"] == t["value"]
    assert p["objective"] == ["value", False]


def test_modes_and_data_are_what_the_text_says(sweep_run: Run) -> None:
    p, t, code = sweep_run.probe, _text(sweep_run), _cells(sweep_run, "code")
    m = re.search(r"runs (\d+) trials of up to (\d+) epochs on ([\d,]+) training images; without it, (\d+) trials "
                  r"of up to (\d+) epochs on ([\d,]+)\.", t)
    assert m, "the intro no longer states both modes"
    fast_trials, fast_epochs, fast_images, full_trials, full_epochs, full_images = (
        int(g.replace(",", "")) for g in m.groups())
    assert p["fast"] is True
    assert (p["n_trials"], p["epochs"], p["n_train"]) == (fast_trials, fast_epochs, fast_images)
    assert re.search(rf"^N_TRIALS = {fast_trials} if FAST else {full_trials}\b", code, re.M)
    assert re.search(rf"^EPOCHS = {fast_epochs} if FAST else {full_epochs}\b", code, re.M)
    assert f"data.subset({fast_images}, 1000) if FAST else data.subset({full_images}, 2000)" in code
    assert p["source"] == "shipped" and p["n_val"] == 1000
    assert "offline, from the copy in `notebooks/data/mnist`" in t
    # "every trial starts from the same initial weights for its width"
    assert "same initial weights for its width" in t and p["same_initial_weights"]
    assert "order_rng = torch.Generator().manual_seed(1)" in code  # "the same batches in the same order"


def test_sampler_and_pruner_settings_match_the_text(sweep_run: Run) -> None:
    p, t, code = sweep_run.probe, _text(sweep_run), _cells(sweep_run, "code")
    random_first = int(_number(r"the first (\d+) trials draw their values at random", t))
    warmup = int(_number(r"judges no report before epoch (\d+)", t))
    startup = int(_number(r"It prunes nothing before (\d+) trials have finished", t))
    assert f"TPESampler(seed=0, n_startup_trials={random_first})" in t and \
        f"TPESampler(seed=0, n_startup_trials={random_first})" in code
    assert f"MedianPruner(n_startup_trials={startup}, n_warmup_steps={warmup})" in t and \
        f"MedianPruner(n_startup_trials={startup}, n_warmup_steps={warmup})" in code
    # Stop and Pause reach the study: the follower wrapped the study's own pruner
    assert p["pruner"] == ["_ControlPruner", "MedianPruner"]
    assert "**Stop** prunes the running trial at its next `should_prune()`" in t
    # "a background thread reads its trials four times a second"
    assert "four times a second" in t and p["poll"] == 0.25


def test_some_trials_pruned_early_and_the_epochs_saved(sweep_run: Run) -> None:
    p, t = sweep_run.probe, _text(sweep_run)
    finished, pruned = _trials(sweep_run, "COMPLETE"), _trials(sweep_run, "PRUNED")
    assert finished and pruned  # the sweep shows both
    assert len(finished) + len(pruned) == p["n_trials"]
    warmup = int(_number(r"every \*\*pruned\*\* trial ran at least (\d+) epochs \(`n_warmup_steps=(\d+)`\)", t))
    startup = int(_number(r"no trial was pruned before (\d+) trials had finished", t))
    # finished trials ran every epoch, pruned ones at least `warmup` and fewer than the finished
    assert {len(x["steps"]) for x in finished} == {p["epochs"]}
    assert all(warmup <= len(x["steps"]) < p["epochs"] for x in pruned)
    # trials run one after another: a pruned trial had `startup` finished trials before it
    for x in pruned:
        assert sum(f["number"] < x["number"] for f in finished) >= startup, x["number"]
    # "Optuna keeps that [the last loss a pruned trial reported] as its value"
    assert "for a pruned trial the last loss it reported" in t
    assert all(x["value"] == x["values"][-1] for x in pruned)
    out = stdout_of(sweep_run)
    assert f"\n{len(finished)} finished, {len(pruned)} pruned\n" in out
    assert (f"epochs run: finished trials [{p['epochs']}], pruned trials "
            f"{sorted({len(x['steps']) for x in pruned})}") in out
    trained = sum(len(x["steps"]) for x in p["trials"])
    total = p["n_trials"] * p["epochs"]
    assert trained < total
    assert (f"the sweep trained {trained} epochs instead of {p['n_trials']} * {p['epochs']} = {total} "
            f"({1 - trained / total:.0%} fewer)") in out
    # the table printed each trial with its run's status and epochs
    for x in p["trials"]:
        assert re.search(rf"^\s*{x['number']}\s+\S+\s+{x['params']['hidden']}\s+{STATUS[x['state']]}\s+"
                         rf"{len(x['steps'])}\s+{x['value']:.4f}$", out, re.M), x["number"]


def test_the_best_learning_rate_lies_in_the_middle_band(sweep_run: Run) -> None:
    p, t = sweep_run.probe, _text(sweep_run)
    assert "the best trial's learning rate lies between $10^{-3}$ and $10^{-2}$" in t
    best = next(x for x in p["trials"] if x["number"] == p["best_number"])
    assert 1e-3 <= best["params"]["lr"] < 1e-2
    assert f"the best trial, trial {best['number']}, has learning rate {best['params']['lr']:.2g}: in the middle band" \
        in stdout_of(sweep_run)
    # the search space the text describes is the one searched
    code = _cells(sweep_run, "code")
    assert 'trial.suggest_float("lr", 1e-4, 1.0, log=True)' in t and 'trial.suggest_float("lr", 1e-4, 1.0, log=True)' in code
    assert all(1e-4 <= x["params"]["lr"] <= 1.0 and x["params"]["hidden"] in (32, 64, 128, 256) for x in p["trials"])


def test_small_learning_rates_are_behind_after_one_epoch_and_mostly_pruned(sweep_run: Run) -> None:
    t = _text(sweep_run)
    assert ("below $10^{-3}$ the steps are too small**: after the first epoch every one of these trials is behind "
            "the best trial of the middle band, and the pruner stopped most of them") in t
    small, middle = _band(sweep_run, 0, 1e-3), _band(sweep_run, 1e-3, 1e-2)
    assert small and middle
    lead = min(x["values"][0] for x in middle)
    assert all(x["values"][0] > lead for x in small)
    assert 2 * sum(x["state"] == "PRUNED" for x in small) > len(small)  # most of them
    out = stdout_of(sweep_run)
    assert f"after epoch 1 the best loss of the middle band is {lead:.3f}; every trial below 1e-3 is behind it" in out
    assert f"below 1e-3: {sum(x['state'] == 'PRUNED' for x in small)} of {len(small)} pruned" in out


def test_large_learning_rates_end_at_chance(sweep_run: Run) -> None:
    t = _text(sweep_run)
    assert "from $0.3$ up the steps are too large**: the loss ends at about chance, $\\ln 10 = 2.303$" in t
    chance = _number(r"\$\\ln 10 = ([\d.]+)\$", t)
    assert chance == round(math.log(10), 3)
    large = _band(sweep_run, 0.3, math.inf)
    assert large
    out = stdout_of(sweep_run)
    for x in large:
        assert abs(x["values"][-1] - math.log(10)) < 0.1, x  # about chance
        losses = ", ".join(f"{v:.3f}" for v in x["values"])
        assert f"trial {x['number']}, lr {x['params']['lr']:.2f}: losses {losses} (chance: ln 10 = 2.303)" in out


def test_the_widgets_best_is_optunas_best(sweep_run: Run) -> None:
    p, t = sweep_run.probe, _text(sweep_run)
    finished = _trials(sweep_run, "COMPLETE")
    best = min(finished, key=lambda x: x["value"])  # "the finished trial with the lowest value"
    assert p["best_number"] == best["number"] and p["best_value"] == best["value"] == min(x["value"] for x in finished)
    assert p["best_params"] == best["params"]
    name = f"trial-{best['number']}"
    assert p["runs"][name]["score"] == p["best_value"]
    assert "the run's score is Optuna's best value: True" in stdout_of(sweep_run)
    # "it heads the run table, its name is on the Best so far line"
    assert "it heads the run table, its name is on the **Best so far** line" in t
    assert p["order"][0] == name
    assert f"Best so far: <b>{name}</b>" in p["best_line"]
    assert f"{p['n_trials']} runs: " in p["best_line"]
    # "the run table lists the running trial on top and the others best first, 20 rows a page"
    rows = int(_number(r"lists the running trial on top and the others best first, (\d+) rows a page", t))
    assert rows == p["page_rows"]
    assert len(p["order"]) == min(rows, p["n_trials"])
    by_value = [f"trial-{x['number']}" for x in sorted(finished, key=lambda x: x["value"])]
    assert [n for n in p["order"] if n in by_value] == by_value[:len([n for n in p["order"] if n in by_value])]
    assert p["running_on_top"]  # as while the last trial trained


def test_five_best_keep_colours_the_rest_grey(sweep_run: Run) -> None:
    p, t = sweep_run.probe, _text(sweep_run)
    more_than = int(_number(r"With more than (\d+) runs the widget keeps distinct colours for the (\d+) best", t))
    kept = int(_number(r"With more than (\d+) runs the widget keeps distinct colours for the (\d+) best", t, 2))
    assert (more_than, kept) == (p["palette"], p["distinct"])
    assert p["n_trials"] > more_than  # the fast run shows it
    colors = p["colors"]
    coloured = [name for name, c in colors.items() if c != p["muted"]]
    assert len(coloured) == kept and len({colors[n] for n in coloured}) == kept
    assert set(coloured) == set(p["order"][:kept])  # the best, by the run table's order
    name = f"trial-{p['best_number']}"
    assert colors[name] == 0  # "the best trial in the first colour"
    for run, (color, muted) in p["series_colors"].items():  # the curves drawn: the same colours, the rest grey
        assert color == colors[run] and muted == (color == p["muted"])
    assert "for trials still running" in t and p["running_color"] != p["muted"]


def test_the_ray_tune_block_uses_the_callback_as_documented(sweep_run: Run) -> None:
    md = _cells(sweep_run, "markdown")
    assert "## The same sweep on Ray Tune" in md
    blocks = re.findall(r"```python\n(.*?)```", md, re.S)
    assert len(blocks) == 1
    block = blocks[0]
    ast.parse(block)  # valid Python, pasted as it is
    assert 'cb = LiveLossCallback(ray_w, metric="val_loss", mode="min")' in block
    assert "run_config=tune.RunConfig(callbacks=[cb], stop=cb.stopper)" in block
    assert "scheduler=ASHAScheduler(max_t=EPOCHS, grace_period=2)" in block
    # what the block takes from the notebook's cells is defined there
    assert sweep_run.probe["defined"] == sorted(["train", "N_TRIALS", "EPOCHS", "LiveLossWidget", "display"])
    require("ray.tune")
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler

    from lossplot_widget.ray import LiveLossCallback

    inspect.signature(LiveLossCallback).bind(None, metric="val_loss", mode="min")
    assert hasattr(LiveLossCallback(None, metric="val_loss", mode="min"), "stopper")
    inspect.signature(ASHAScheduler).bind(max_t=6, grace_period=2)
    inspect.signature(tune.TuneConfig).bind(metric="val_loss", mode="min", num_samples=12, scheduler=None)
    inspect.signature(tune.RunConfig).bind(callbacks=[], stop=None)
    inspect.signature(tune.report).bind({"val_loss": 1.0})
    assert callable(tune.loguniform) and callable(tune.choice)
