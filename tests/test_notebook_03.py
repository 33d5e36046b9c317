"""Tutorial 03 (the Voila dashboard of losses), run in fast mode offline: what it teaches is what its outputs show.

Every number and comparison that the notebook's text states is read from its markdown (regular expressions on
the cell sources) and checked against what the executed notebook computed. The offline-data table of the
cross-entropy item is checked by running the notebook's own ``train_mnist`` on the full offline data in the
same kernel, after the notebook.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from _notebooks import DASHBOARD_ACCURACY, Run, assert_clean, run_notebook, stdout_of

from lossplot_widget.core.grouping import is_validation, panel_of

REGRESSION = ("MSE", "MAE", "Huber")
CE = "Cross-entropy (MNIST)"
YARDSTICK = "line error"
CE_METRICS = {"cross-entropy", "val_cross-entropy", "accuracy", "val_accuracy"}
#: the self-check's keys of the cross-entropy runs, by the learning rate the tables name
CE_KEYS = {"0.01": "Cross-entropy lr=0.01", "0.001": CE, "0.0001": "Cross-entropy lr=0.0001"}

PROBE = """
import threading as _threading
_hist = lambda key, metric: [float(v) for v in app.curve.runs[app_results[key]["run"]].history[metric].values]
_probe.update(
    results=app_results, train=app.train_button.description, stop=app.stop_button.description,
    train_disabled=app.train_button.disabled, stop_disabled=app.stop_button.disabled, running=app.running,
    runs=app_runs, comparing=app.curve._runs.comparing,
    panels={title: sorted([list(key) for key in panel.series]) for title, panel in app.curve._view.panels.items()},
    histories={key: {m: _hist(key, m) for m in (r["loss_name"], "val_" + r["loss_name"], YARDSTICK)}
               for key, r in app_results.items() if r["loss_name"] in REGRESSION_LOSSES},
    limit=dict(lambda_max=mse_lambda_max, lr_limit=mse_lr_limit, below=lr_below, above=lr_above),
    slider=dict(min=app.lr.min, max=app.lr.max, step=app.lr.step, base=app.lr.base),
    app_state=dict(loss=app.loss.value, lr=app.lr.value, epochs=app.epochs.value, outliers=app.outliers.value,
                   delay=app.delay),
    defaults={k: list(v) for k, v in DEFAULTS.items()},
    x_train=[float(v) for v in x_reg[reg_train]], n_points=len(x_reg), n_val=len(reg_val),
    n_outliers=int((y_outliers != y_reg).sum()), mnist_sizes=[len(mnist.x_train), len(mnist.x_val)],
    mnist_description=mnist.description,
)
# the offline-data table: the notebook's own train_mnist on the full offline copy (what runs outside fast mode)
mnist = load_mnist()
mnist_train = (torch.from_numpy(mnist.x_train.astype("float32") / 255), torch.from_numpy(mnist.y_train.astype("int64")))
mnist_val = (torch.from_numpy(mnist.x_val.astype("float32") / 255), torch.from_numpy(mnist.y_val.astype("int64")))
_probe["full_sizes"] = [len(mnist.x_train), len(mnist.x_val)]
_probe["full"] = {lr: train_mnist(float(lr), DEFAULTS[CROSS_ENTROPY][1], LiveLossWidget(), _threading.Event())
                  for lr in ("0.01", "0.001", "0.0001")}
"""


@pytest.fixture(scope="module")
def dashboard_run() -> Run:
    return run_notebook("03_voila_dashboard.ipynb", PROBE)


# ------------------------------------------------------------------ reading the text
def markdown(run: Run) -> str:
    return "\n\n".join(cell.source for cell in run.nb.cells if cell.cell_type == "markdown")


def section(run: Run, start: str, end: str | None = None) -> str:
    """The markdown from the first ``start`` up to the next ``end`` (or to its end)."""
    text = markdown(run)
    assert start in text, f"the text no longer has {start!r}"
    text = text[text.index(start):]
    return text[:text.index(end, len(start))] if end else text


def stated(text: str, pattern: str) -> str:
    """The number that ``pattern``'s group captures in ``text`` (the text must still say it)."""
    match = re.search(pattern, text, re.S)
    assert match, f"the text no longer says {pattern!r}"
    return match.group(1)


def agrees(number: str, value: float) -> bool:
    """``number`` as written (e.g. ``0.059``) is ``value`` rounded to the digits it shows."""
    digits = len(number.split(".")[1]) if "." in number else 0
    return abs(float(number.replace(",", "")) - value) <= 0.51 * 10.0 ** -digits


def assert_agrees(number: str, value: float, what: str) -> None:
    assert agrees(number, value), f"{what}: the text says {number}, the notebook computed {value:.6g}"


def table(text: str, title: str) -> dict[str, list[str]]:
    """The markdown table whose header starts with ``| title``: ``{row label: cells}``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {title}"))
    rows = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        label, *cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows[label] = cells
    header = [c.strip() for c in lines[start].strip().strip("|").split("|")]
    rows["_header"] = header[1:]
    return rows


def ranking(values: dict[str, float]) -> list[str]:
    return sorted(values, key=values.get)


def rose_at(losses: list[float]) -> list[int]:
    """The epochs (1-based) in which the validation loss went up."""
    return [e + 1 for e in range(1, len(losses)) if losses[e] > losses[e - 1]]


def direction_changes(values: list[float]) -> int:
    signs = np.sign(np.diff(values))
    return int((signs[1:] != signs[:-1]).sum())


def results(run: Run) -> dict[str, Any]:
    return run.probe["results"]


# ------------------------------------------------------------------ the app
def test_dashboard_runs_clean_and_fast(dashboard_run: Run) -> None:
    assert_clean(dashboard_run)
    p = dashboard_run.probe
    assert (p["train"], p["stop"]) == ("Train", "Stop")
    assert (p["train_disabled"], p["stop_disabled"], p["running"]) == (False, True, False)
    # the self-check leaves the app as it started: MSE at its defaults, clean data, the 20 ms pause back on
    assert p["app_state"] == {"loss": "MSE", "lr": 0.02, "epochs": 200, "outliers": False, "delay": 0.02}
    assert dashboard_run.seconds < 90


def test_dashboard_every_run_trains_and_is_a_run(dashboard_run: Run) -> None:
    res, p = results(dashboard_run), dashboard_run.probe
    assert set(res) >= {"MSE", "MAE", "Huber", CE, "stopped", "widget stop"}
    for key, r in res.items():
        assert "error" not in r, r
        diverging = key == f"MSE lr={p['limit']['above']:.3g}"
        assert (r["final_loss"] > r["first_loss"]) == diverging, r
    for name in REGRESSION:
        assert res[name]["epochs_run"] == p["defaults"][name][1] == 200 and not res[name]["stopped"]
    ce = res[CE]
    assert ce["epochs_run"] == p["defaults"][CE][1] == 5 and ce["val_accuracy"] > DASHBOARD_ACCURACY
    # every Train is a run of one widget; all finished but the two that were stopped
    assert {r["run"] for r in res.values()} == set(p["runs"])
    assert {res[k]["run"]: res[k]["status"] for k in res} == p["runs"]
    assert {k for k, r in res.items() if r["status"] != "finished"} == {"stopped", "widget stop"}
    assert p["comparing"]


def test_dashboard_stop_button_ends_training_early(dashboard_run: Run) -> None:
    # the app's Stop button, and the widget's own Stop (request_stop), each end a 40 s run after ~0.5 s
    for key in ("stopped", "widget stop"):
        r = results(dashboard_run)[key]
        assert r["stopped"] is True and r["status"] == "stopped"
        assert 0 < r["epochs_run"] < r["epochs"] == 2000
        assert r["seconds"] < 10


# ------------------------------------------------------------------ panels: each loss on its own axis
def test_each_loss_has_its_own_panel_and_cross_entropy_never_shares_one(dashboard_run: Run) -> None:
    panels = {title: [tuple(key) for key in keys] for title, keys in dashboard_run.probe["panels"].items()}
    metrics = {title: {m for _run, m in keys} for title, keys in panels.items()}
    for name in REGRESSION:   # each regression loss: its panel holds it and its dashed validation twin, nothing else
        assert metrics[name] == {name, f"val_{name}"}
        assert panel_of(f"val_{name}") == name and is_validation(f"val_{name}") and not is_validation(name)
    assert metrics["cross-entropy"] == {"cross-entropy", "val_cross-entropy"}
    assert metrics["accuracy"] == {"accuracy", "val_accuracy"}
    assert metrics[YARDSTICK] == {YARDSTICK}
    assert set(panels) == {*REGRESSION, "cross-entropy", "accuracy", YARDSTICK}
    for title, names in metrics.items():   # no panel mixes a regression metric with a cross-entropy one
        assert not (names & CE_METRICS and names - CE_METRICS), (title, names)
    # a loss's panel holds the runs trained with that loss, and only those; the yardstick panel every regression run
    res = results(dashboard_run)
    for name in REGRESSION:
        assert {run for run, _m in panels[name]} == {r["run"] for r in res.values() if r["loss_name"] == name}
    regression_runs = {r["run"] for r in res.values() if r["loss_name"] in REGRESSION}
    assert {run for run, _m in panels[YARDSTICK]} == regression_runs
    assert {run for run, _m in panels["cross-entropy"]} == {r["run"] for r in res.values() if r["loss_name"] == CE}


def test_line_error_is_the_mean_distance_from_the_true_line(dashboard_run: Run) -> None:
    grid = np.linspace(0.0, 10.0, 200_001)
    for key, r in results(dashboard_run).items():
        if r["loss_name"] in REGRESSION:
            assert r["line_error"] == pytest.approx(np.mean(np.abs((r["w"] - 1) * grid + r["b"])), rel=1e-4, abs=1e-6)
            assert dashboard_run.probe["histories"][key][YARDSTICK][-1] == pytest.approx(r["line_error"])


# ------------------------------------------------------------------ the text's numbers
def test_raw_values_of_different_losses_differ_on_the_same_line(dashboard_run: Run) -> None:
    text = section(dashboard_run, "## Why the losses")
    res = results(dashboard_run)
    assert_agrees(stated(text, r"first MSE is (\d+(?:\.\d+)?)"), res["MSE"]["first_loss"], "first MSE")
    assert_agrees(stated(text, r"first MAE (\d+(?:\.\d+)?)"), res["MAE"]["first_loss"], "first MAE")


def test_data_sizes_the_text_states(dashboard_run: Run) -> None:
    p, text = dashboard_run.probe, markdown(dashboard_run)
    assert int(stated(text, r"\((\d+) points")) == p["n_points"]
    assert int(stated(text, r"(\d+) for\s+training")) == len(p["x_train"])
    assert int(stated(text, r"(\d+) for validation")) == p["n_val"]
    assert stated(text, r"Tick \*\*outliers\*\* to move (\w+) points") == "ten" and p["n_outliers"] == 10
    assert int(stated(text, r"over the (\d+) training points")) == len(p["x_train"])
    fast = re.search(r"In fast mode \(([\d,]+) training and ([\d,]+) validation images\)", text)
    assert fast and [int(n.replace(",", "")) for n in fast.groups()] == p["mnist_sizes"]
    full = re.search(r"offline copy of MNIST \(([\d,]+) training and ([\d,]+) validation images\)", text)
    assert full and [int(n.replace(",", "")) for n in full.groups()] == p["full_sizes"]
    # the validation images come from the official training set; the test images are not used
    assert "official MNIST *training* set, not the test" in text
    assert "validating on its last" in p["mnist_description"] and "kept apart" in p["mnist_description"]


def test_yardstick_table_and_rankings_are_what_the_runs_measured(dashboard_run: Run) -> None:
    text = section(dashboard_run, "**1. Outliers", "**2.")
    res = results(dashboard_run)
    rows = table(text, "after 200 epochs at lr 0.02")
    assert rows["_header"] == list(REGRESSION)
    for label, what in (("loss", "final_loss"), ("line error", "line_error")):
        for data, suffix in (("clean data", ""), ("with outliers", " +outliers")):
            for name, cell in zip(REGRESSION, rows[f"{label}, {data}"], strict=True):
                r = res[name + suffix]
                assert r["epochs_run"] == 200 and r["lr"] == 0.02 and r["outliers"] == bool(suffix)
                assert_agrees(cell, r[what], f"{label} of {name} on {data}")
    errors = {name: res[f"{name} +outliers"]["line_error"] for name in REGRESSION}
    losses = {name: res[f"{name} +outliers"]["final_loss"] for name in REGRESSION}
    assert stated(text, r"the line errors rank ([\w <]+?),").split(" < ") == ranking(errors)
    assert stated(text, r"the loss values rank\s+([\w <]+?):").split(" < ") == ranking(losses)
    assert ranking(losses)[0] == "Huber" and ranking(errors)[0] == "MAE"   # "the lowest loss is not the closest line"
    # on clean data MAE's loss is below MSE's while its line error after 200 epochs is higher
    assert res["MAE"]["final_loss"] < res["MSE"]["final_loss"] and res["MAE"]["line_error"] > res["MSE"]["line_error"]
    assert_agrees(stated(text, r"MAE's loss\s+\((\d+(?:\.\d+)?)\)"), res["MAE"]["final_loss"], "MAE's clean loss")
    assert_agrees(stated(text, r"below MSE's \((\d+(?:\.\d+)?)\)"), res["MSE"]["final_loss"], "MSE's clean loss")
    assert_agrees(stated(text, r"is higher \((\d+(?:\.\d+)?) against"), res["MAE"]["line_error"], "MAE's clean line error")
    assert_agrees(stated(text, r"against (\d+(?:\.\d+)?)\)\."), res["MSE"]["line_error"], "MSE's clean line error")


def test_outliers_tilt_mse_and_barely_move_mae_and_huber(dashboard_run: Run) -> None:
    text = section(dashboard_run, "**1. Outliers", "**2.")
    res = results(dashboard_run)
    assert_agrees(stated(text, r"slope w = (\d+(?:\.\d+)?) instead"), res["MSE +outliers"]["w"], "MSE's slope")
    assert abs(res["MSE"]["w"] - 1) < 0.05 and res["MSE +outliers"]["w"] < 0.6   # "instead of about 1"
    assert_agrees(stated(text, r"grows from (\d+(?:\.\d+)?) to"), res["MSE"]["line_error"], "MSE clean")
    assert_agrees(stated(text, r"grows from \d+(?:\.\d+)? to (\d+(?:\.\d+)?)"), res["MSE +outliers"]["line_error"], "MSE outliers")
    slopes = re.search(r"stay near 1 \((\d+(?:\.\d+)?) and (\d+(?:\.\d+)?)\)", text)
    assert slopes, "the text no longer states MAE's and Huber's slopes"
    for name, number in zip(("MAE", "Huber"), slopes.groups(), strict=True):
        assert_agrees(number, res[f"{name} +outliers"]["w"], f"{name}'s slope")
        assert abs(res[f"{name} +outliers"]["w"] - 1) < 0.1
    bound = float(stated(text, r"line\s+errors stay below (\d+(?:\.\d+)?)"))
    assert max(res[f"{name} +outliers"]["line_error"] for name in ("MAE", "Huber")) < bound
    assert res["MSE +outliers"]["line_error"] > 5 * bound


def test_mse_learning_rate_limit_and_slider_steps(dashboard_run: Run) -> None:
    text = section(dashboard_run, "**2. MSE", "**3.")
    p, res = dashboard_run.probe, results(dashboard_run)
    limit = p["limit"]
    # recompute the limit from the training points: 2 / largest eigenvalue of (2/n) X^T X, X = [x, 1]
    x = np.array(p["x_train"])
    design = np.stack([x, np.ones_like(x)], axis=1)
    lambda_max = np.linalg.eigvalsh(2 / len(x) * design.T @ design).max()
    assert limit["lambda_max"] == pytest.approx(lambda_max) and limit["lr_limit"] == pytest.approx(2 / lambda_max)
    assert_agrees(stated(text, r"\$\\lambda_\{max\}\$ = (\d+(?:\.\d+)?)"), lambda_max, "lambda_max")
    assert_agrees(stated(text, r"here lr < (\d+(?:\.\d+)?)"), 2 / lambda_max, "the learning-rate limit")
    # the two steps the text names are neighbouring slider values on either side of the limit
    slider = p["slider"]
    assert float(stated(text, r"steps of (\d+(?:\.\d+)?) in")) == slider["step"]
    steps = slider["base"] ** np.arange(slider["min"], slider["max"] + slider["step"] / 2, slider["step"])
    below, above = steps[steps < 2 / lambda_max].max(), steps[steps > 2 / lambda_max].min()
    assert (limit["below"], limit["above"]) == pytest.approx((below, above))
    named = re.search(r"the steps on either side of the limit are (\d+(?:\.\d+)?) and (\d+(?:\.\d+)?)", text)
    assert named, "the text no longer names the slider steps"
    assert_agrees(named.group(1), below, "slider step below")
    assert_agrees(named.group(2), above, "slider step above")
    # converges below: the loss the text states; diverges above: grows more than the stated factor (and > 100x)
    converge, diverge, mae = (res[f"{loss} lr={lr:.3g}"] for loss, lr in (("MSE", below), ("MSE", above), ("MAE", above)))
    for r, lr in ((converge, below), (diverge, above), (mae, above)):
        assert r["lr"] == lr and r["epochs_run"] == 200 and not r["outliers"]
    assert_agrees(stated(text, r"At \d+(?:\.\d+)? MSE converges \(loss (\d+(?:\.\d+)?)"), converge["first_loss"], "first loss")
    assert_agrees(stated(text, r"MSE converges \(loss \d+(?:\.\d+)? → (\d+(?:\.\d+)?)"), converge["final_loss"], "final loss")
    assert converge["final_loss"] < converge["first_loss"] / 10
    factor = 10.0 ** int(stated(text, r"more than\s+\$10\^(\d+)\$-fold"))
    assert diverge["final_loss"] / diverge["first_loss"] > max(factor, 100)
    history = p["histories"][f"MSE lr={above:.3g}"]["MSE"]
    assert all(b > a for a, b in zip(history[10:], history[11:], strict=False))   # it keeps growing
    assert_agrees(stated(text, r"does not explode \(loss (\d+(?:\.\d+)?)"), mae["first_loss"], "MAE first loss")
    assert_agrees(stated(text, r"does not explode \(loss \d+(?:\.\d+)? → (\d+(?:\.\d+)?)"), mae["final_loss"], "MAE final loss")
    assert mae["final_loss"] < mae["first_loss"]


def test_mae_never_settles_while_mse_and_huber_do(dashboard_run: Run) -> None:
    text = section(dashboard_run, "**3. MAE", "**4.")
    hist = dashboard_run.probe["histories"]
    mae_loss, mae_error = hist["MAE"]["MAE"][-20:], hist["MAE"][YARDSTICK][-20:]
    loss_range = re.search(r"stays between (\d+(?:\.\d+)?) and (\d+(?:\.\d+)?)\)", text)
    error_range = re.search(r"line error jumps between (\d+(?:\.\d+)?)\s+and (\d+(?:\.\d+)?)", text)
    assert loss_range and error_range
    assert_agrees(loss_range.group(1), min(mae_loss), "MAE's lowest loss, last 20 epochs")
    assert_agrees(loss_range.group(2), max(mae_loss), "MAE's highest loss, last 20 epochs")
    assert_agrees(error_range.group(1), min(mae_error), "MAE's lowest line error, last 20 epochs")
    assert_agrees(error_range.group(2), max(mae_error), "MAE's highest line error, last 20 epochs")
    # the loss looks flat, the line error does not: its swing is far larger, relative to its level
    assert (max(mae_loss) - min(mae_loss)) / min(mae_loss) < 0.01 < 0.2 < (max(mae_error) - min(mae_error)) / min(mae_error)
    assert int(stated(text, r"changes direction (\d+) times")) == direction_changes(hist["MAE"][YARDSTICK][-51:]) >= 10
    still = int(stated(text, r"MSE and Huber change\s+direction (\d+) times"))
    for name in ("MSE", "Huber"):
        errors = hist[name][YARDSTICK][-51:]
        assert direction_changes(errors) == still and errors[-1] < errors[0]   # "still creep down smoothly"
    assert_agrees(stated(text, r"below MSE's (\d+(?:\.\d+)?)\."), results(dashboard_run)["MSE"]["line_error"], "MSE's line error")
    assert min(mae_error) < results(dashboard_run)["MSE"]["line_error"]


def check_ce_table(rows: dict[str, list[str]], runs: dict[str, dict[str, Any]]) -> None:
    """The cross-entropy table against the runs (by learning rate), and the sentences the text says for it."""
    assert rows["_header"] == ["lr 0.01", "lr 0.001 (default)", "lr 0.0001"]
    columns = dict(zip(CE_KEYS, zip(*(rows[k] for k in rows if k != "_header"), strict=True), strict=True))
    labels = [k for k in rows if k != "_header"]
    assert labels == ["validation accuracy after epoch 1", "validation accuracy after epoch 5",
                      "training loss in epoch 5 (mean over its batches)", "validation loss after epoch 5",
                      "epochs in which the validation loss rose"]
    for lr, cells in columns.items():
        r = runs[lr]
        assert r["epochs_run"] == 5 and len(r["val_losses"]) == 5
        for cell, value in zip(cells[:4], (r["val_accuracies"][0], r["val_accuracies"][4], r["train_losses"][4],
                                           r["val_losses"][4]), strict=True):
            assert_agrees(cell, value, f"lr {lr}")
        assert cells[4] == (", ".join(map(str, rose_at(r["val_losses"]))) or "none"), (lr, r["val_losses"])
    fast, slow = runs["0.01"], runs["0.0001"]
    # "0.01 learns fastest": the highest validation accuracy after every epoch
    assert all(fast["val_accuracies"][e] == max(runs[lr]["val_accuracies"][e] for lr in runs) for e in range(5))
    # "its training loss ends far below its validation loss (less than half of it)" and "it rose at some epochs"
    assert fast["train_losses"][-1] < fast["val_losses"][-1] / 2 and rose_at(fast["val_losses"])
    # 0.0001: "in its last epoch its training loss is within 20% of its validation loss", "falls every epoch",
    # "after 5 epochs its validation accuracy is still below what 0.01 reached after one"
    assert abs(slow["train_losses"][-1] - slow["val_losses"][-1]) < 0.2 * slow["val_losses"][-1]
    assert rose_at(slow["val_losses"]) == []
    assert slow["val_accuracies"][-1] < fast["val_accuracies"][0]


def test_cross_entropy_learning_rates_fast_mode(dashboard_run: Run) -> None:
    text = section(dashboard_run, "**4. Cross-entropy")
    for sentence in ("training loss is within 20% of its validation loss", "less than half of it", "falls every epoch", "below what 0.01 reached after one"):
        assert sentence in text
    res = results(dashboard_run)
    runs = {lr: res[key] for lr, key in CE_KEYS.items()}
    for lr, r in runs.items():
        assert r["lr"] == float(lr) and r["epochs"] == 5
    check_ce_table(table(text, "cross-entropy, 5 epochs, fast mode"), runs)


def test_cross_entropy_learning_rates_offline_data(dashboard_run: Run) -> None:
    # outside fast mode: the same code on the full offline copy; the text's second table and "the same sentences hold"
    text = section(dashboard_run, "**4. Cross-entropy")
    check_ce_table(table(text, "cross-entropy, 5 epochs, offline data"), dashboard_run.probe["full"])


def test_self_check_prints_what_the_text_states(dashboard_run: Run) -> None:
    out, p, res = stdout_of(dashboard_run), dashboard_run.probe, results(dashboard_run)
    rows = table(section(dashboard_run, "**1. Outliers", "**2."), "after 200 epochs at lr 0.02")
    for label in ("loss, clean data", "line error, clean data", "loss, with outliers", "line error, with outliers"):
        assert re.search(rf"{label}\s+" + r"\s+".join(map(re.escape, rows[label])) + r"\n", out), label
    assert f"lr < 2 / lambda_max = {p['limit']['lr_limit']:.4f}" in out
    assert f"slider steps around it: {p['limit']['below']:.4f} and {p['limit']['above']:.4f}" in out
    for name in REGRESSION:
        assert re.search(rf"{name}\s+last 20 epochs: .* turned \d+ times in the last 50 epochs", out)
    ce_rows = table(section(dashboard_run, "**4. Cross-entropy"), "cross-entropy, 5 epochs, fast mode")
    for lr, key in CE_KEYS.items():
        i = list(CE_KEYS).index(lr)
        line = next(s for s in out.splitlines() if s.strip().startswith(f"lr {res[key]['lr']:g} "))
        for label in ("validation accuracy after epoch 1", "validation accuracy after epoch 5",
                      "training loss in epoch 5 (mean over its batches)"):
            assert ce_rows[label][i] in line, (label, line)
