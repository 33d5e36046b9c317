"""Run every tutorial notebook end to end in fast mode, offline, and check what each one teaches.

Each notebook runs once per test session in a kernel started from this interpreter's environment
(kernel ``python3``, which the ``.venv`` provides), with ``LOSSPLOT_FAST=1`` (fewer steps and images)
and ``LOSSPLOT_OFFLINE=1`` (MNIST from the checksum-verified copy in ``notebooks/data/mnist``).
After the last cell a probe cell prints the values the assertions need as JSON.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _frameworks import require

nbformat = require("nbformat")
nbclient = require("nbclient")
require("ipykernel")
require("torch")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
KERNEL = "python3"
#: MNIST validation accuracy every fast run must reach on the offline data (it reaches about 0.89)
MNIST_ACCURACY = 0.85
#: the dashboard's 2-epoch MNIST run on 2,000 images (it reaches about 0.86)
DASHBOARD_ACCURACY = 0.80

def needs_keras() -> None:
    # find_spec, not importorskip: importing keras here would pick its default backend (TensorFlow)
    if importlib.util.find_spec("keras") is None:
        pytest.skip("keras is not installed")


_HEADER = "import json as _json, sys as _sys\n_probe = {'sys_prefix': _sys.prefix}\n"
_FOOTER = "\nprint('PROBE:' + _json.dumps(_probe))"


class Run:
    def __init__(self, nb: Any, probe: dict[str, Any], seconds: float) -> None:
        self.nb, self.probe, self.seconds = nb, probe, seconds

    def outputs(self, output_type: str, name: str | None = None) -> list[Any]:
        return [
            o for cell in self.nb.cells if cell.cell_type == "code" for o in cell.outputs
            if o.output_type == output_type and (name is None or o.get("name") == name)
        ]


def run_notebook(filename: str, probe: str) -> Run:
    """Run ``notebooks/<filename>`` cell by cell, then ``probe`` (filling ``_probe``) in the same kernel."""
    nb = nbformat.read(NOTEBOOKS / filename, as_version=4)
    client = nbclient.NotebookClient(
        nb, kernel_name=KERNEL, timeout=240, resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    env = {**os.environ, "LOSSPLOT_FAST": "1", "LOSSPLOT_OFFLINE": "1"}
    start = time.perf_counter()
    client.reset_execution_trackers()
    with client.setup_kernel(env=env):
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        seconds = time.perf_counter() - start
        probe_cell = nbformat.v4.new_code_cell(_HEADER + probe + _FOOTER)
        nb.cells.append(probe_cell)
        client.execute_cell(probe_cell, len(nb.cells) - 1)
    text = "".join(o.text for o in probe_cell.outputs if o.output_type == "stream" and o.name == "stdout")
    line = next(s for s in text.splitlines() if s.startswith("PROBE:"))
    print(f"\n{filename}: {seconds:.1f} s in fast mode")
    return Run(nb, json.loads(line[len("PROBE:"):]), seconds)


def assert_clean(run: Run) -> None:
    assert run.outputs("error") == []
    views = [o for o in run.outputs("display_data") if "application/vnd.jupyter.widget-view+json" in o.data]
    assert views, "no widget was displayed"
    stderr = "".join(o.text for o in run.outputs("stream", "stderr"))
    for bad in ("Traceback", "Exception in thread", "lossplot_widget: final redraw failed"):
        assert bad not in stderr, stderr
    # the kernel ran in this environment (the venv's python3 kernelspec), not some other Python
    assert Path(run.probe["sys_prefix"]).resolve() == Path(sys.prefix).resolve()


def test_committed_notebooks_are_clean() -> None:
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name} has outputs"
        assert nb.metadata.kernelspec.name == KERNEL, path.name


# ---------------------------------------------------------------------- 01 MSE regression
@pytest.fixture(scope="module")
def mse_run() -> Run:
    needs_keras()
    return run_notebook("01_mse_regression.ipynb", """
_probe.update(
    losses=curve.runs["lr=0.025"].history["loss"].values.tolist(), w=float(ws[-1]), b=float(bs[-1]),
    w_best=float(w_best), b_best=float(b_best), loss_best=float(loss_best),
    big=curve.runs["lr=0.031"].history["loss"].values.tolist(), big_log_y=curve.log_y,
    runs=list(curve.runs), statuses=[r.status for r in curve.runs.values()],
    lr_limit=float(2 / lam_max), growth_theory=float((1 - LR_BIG * lam_max) ** 2),
    keras_backend=keras.backend.backend(),
    keras_metrics=sorted(curve_keras.history.names),
    keras_val=curve_keras.history["val_loss"].values.tolist(),
    keras_loss=curve_keras.history["loss"].values.tolist(),
    keras_w=kernel, keras_b=bias,
)
""")


def test_mse_notebook_runs_clean(mse_run: Run) -> None:
    assert_clean(mse_run)


def test_mse_gradient_descent_converges_to_least_squares(mse_run: Run) -> None:
    p = mse_run.probe
    losses = p["losses"]
    assert len(losses) == 300
    assert losses[-1] < losses[0] / 10
    assert losses[-1] < 1.1 * p["loss_best"]
    assert abs(p["w"] - p["w_best"]) < 0.05 and abs(p["b"] - p["b_best"]) < 0.3


def test_mse_large_learning_rate_diverges_on_log_axis(mse_run: Run) -> None:
    p = mse_run.probe
    assert 0.025 < p["lr_limit"] < 0.035  # the notebook's two learning rates straddle the limit
    big = p["big"]
    assert big[-1] > 1e4 * big[0]
    # grows every step once the start transient is over
    assert all(b > a for a, b in itertools.pairwise(big[10:]))
    # at the rate the notebook predicts: (1 - lr * lambda_max)^2 per step
    assert big[-1] / big[-2] == pytest.approx(p["growth_theory"], rel=0.01)
    assert p["big_log_y"] is True
    # the good and the too-large learning rate are two runs of one widget
    assert p["runs"] == ["lr=0.025", "lr=0.031"] and p["statuses"] == ["finished", "finished"]


def test_mse_keras_section_uses_torch_backend_and_learns(mse_run: Run) -> None:
    p = mse_run.probe
    assert p["keras_backend"] == "torch"
    assert {"loss", "val_loss"} <= set(p["keras_metrics"])
    assert p["keras_loss"][-1] < p["keras_loss"][0] / 2  # per batch, from the first batch on
    assert len(p["keras_val"]) == 15 and p["keras_val"][-1] < p["keras_val"][0]  # once per epoch
    assert abs(p["keras_w"] - p["w_best"]) < 0.2


# ------------------------------------------------------------------- 02 MNIST
@pytest.fixture(scope="module")
def mnist_run() -> Run:
    needs_keras()
    return run_notebook("02_mnist_classification.ipynb", """
_probe.update(
    source=data.source, description=data.description, n_train=len(x_train), n_val=len(x_val),
    keras_acc=float(keras_val_acc), torch_acc=float(torch_val_acc),
    keras_metrics=sorted(curve_keras.history.names), torch_metrics=sorted(curve_torch.history.names),
    keras_loss=curve_keras.history["loss"].values.tolist(),
    torch_loss=curve_torch.history["loss"].values.tolist(),
    torch_val=curve_torch.history["val_loss"].values.tolist(),
    wrong=int(len(wrong)), epochs=EPOCHS, runs=list(curve.runs), statuses=[r.status for r in curve.runs.values()],
)
""")


def test_mnist_notebook_runs_clean(mnist_run: Run) -> None:
    assert_clean(mnist_run)


def test_mnist_uses_the_shipped_data_and_says_so(mnist_run: Run) -> None:
    p = mnist_run.probe
    assert p["source"] == "shipped"
    assert (p["n_train"], p["n_val"]) == (4000, 1000)
    stdout = "".join(o.text for o in mnist_run.outputs("stream", "stdout"))
    assert "source: shipped" in stdout and "SHA-256 verified" in stdout


def test_mnist_accuracy_above_threshold(mnist_run: Run) -> None:
    p = mnist_run.probe
    print(f"validation accuracy: Keras {p['keras_acc']:.4f}, PyTorch {p['torch_acc']:.4f}")
    assert p["keras_acc"] > MNIST_ACCURACY
    assert p["torch_acc"] > MNIST_ACCURACY
    # the misclassified count shown to the reader agrees with the accuracy
    assert p["wrong"] == round((1 - p["torch_acc"]) * p["n_val"])


def test_mnist_losses_decrease_per_batch_and_per_epoch(mnist_run: Run) -> None:
    p = mnist_run.probe
    for name in ("keras_metrics", "torch_metrics"):
        assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(p[name]), p[name]
    for losses in (p["keras_loss"], p["torch_loss"]):
        assert len(losses) >= p["epochs"] * 60  # logged per batch (4000 images / 64 = 63 batches an epoch)
        assert sum(losses[-20:]) / 20 < 0.5 * sum(losses[:20]) / 20
    val = p["torch_val"]
    assert len(val) == p["epochs"] and val[-1] < val[0]
    # Keras and PyTorch are two runs of one widget
    assert p["runs"] == ["Keras", "PyTorch"] and p["statuses"] == ["finished", "finished"]


# ------------------------------------------------------------ 03 Voila dashboard
@pytest.fixture(scope="module")
def dashboard_run() -> Run:
    return run_notebook("03_voila_dashboard.ipynb", """
_probe.update(
    results=app_results, train=app.train_button.description, stop=app.stop_button.description,
    train_disabled=app.train_button.disabled, stop_disabled=app.stop_button.disabled, running=app.running,
    runs=app_runs, comparing=app.curve._runs.comparing, panels=list(app.curve._view.panels),
    loss_runs=sorted({r for r, _m in app.curve._view.panels["loss"].series}),
)
""")


def test_dashboard_runs_clean(dashboard_run: Run) -> None:
    assert_clean(dashboard_run)
    p = dashboard_run.probe
    assert (p["train"], p["stop"]) == ("Train", "Stop")
    assert (p["train_disabled"], p["stop_disabled"], p["running"]) == (False, True, False)


def test_dashboard_every_loss_trains(dashboard_run: Run) -> None:
    results = dashboard_run.probe["results"]
    assert set(results) == {"MSE", "MAE", "Huber", "Cross-entropy (MNIST)", "stopped", "widget stop"}
    for name, r in results.items():
        assert "error" not in r, r
        assert r["final_loss"] < r["first_loss"], r
    for name in ("MSE", "MAE", "Huber"):
        assert results[name]["epochs_run"] == 60 and not results[name]["stopped"]
    # without outliers MSE finds the slope; with outliers the robust losses still come close to it
    assert abs(results["MSE"]["w"] - 1.0) < 0.1
    assert abs(results["Huber"]["w"] - 1.0) < 0.2 and abs(results["MAE"]["w"] - 1.0) < 0.2
    ce = results["Cross-entropy (MNIST)"]
    assert ce["epochs_run"] == 2 and ce["val_accuracy"] > DASHBOARD_ACCURACY
    # every Train is a run of one widget: MSE, MAE and Huber overlaid in one loss panel
    p = dashboard_run.probe
    assert p["runs"] == {
        "MSE lr=0.02": "finished", "MAE lr=0.02 +outliers": "finished", "Huber lr=0.02 +outliers": "finished",
        "Cross-entropy lr=0.001": "finished", "MSE lr=0.02 #2": "stopped", "MSE lr=0.02 #3": "stopped",
    }
    assert {results[k]["run"] for k in results} == set(p["runs"])
    assert p["comparing"] and p["loss_runs"] == sorted(p["runs"])


def test_dashboard_stop_button_ends_training_early(dashboard_run: Run) -> None:
    # the app's Stop button, and the widget's own Stop (request_stop), each end a 20 s run after ~0.5 s
    for key in ("stopped", "widget stop"):
        r = dashboard_run.probe["results"][key]
        assert r["stopped"] is True
        assert 0 < r["epochs_run"] < r["epochs"] == 2000
        assert r["seconds"] < 10


# ------------------------------------------------------------ 04 loss landscape
@pytest.fixture(scope="module")
def landscape_run() -> Run:
    return run_notebook("04_loss_landscape.ipynb", """
_probe.update(
    initial_loss=initial_loss, final_loss=final_loss, live_slices=list(live_slices), steps=step,
    line_x=line_slice.x.tolist(), line_values=line_slice.values.tolist(), line_val=line_slice.val_values.tolist(),
    monotonic=monotonic,
    path=path_slice.path.tolist(), path_start=list(path_slice.start), explained=list(path_slice.explained),
    path_center=path_slice.center_loss, path_grid=[path_slice.x.tolist(), path_slice.y.tolist()],
    snapshots=len(path.trajectory), plane_center=plane_slice.center_loss, plane_probe=probe_loss(net),
    plane_shape=list(plane_slice.values.shape), plane_centre_value=float(plane_slice.values[RES // 2, RES // 2]),
    runs={str(k): v for k, v in runs.items()}, sharper=sharper, res=RES,
)
""")


def test_landscape_notebook_runs_clean_and_fast(landscape_run: Run) -> None:
    assert_clean(landscape_run)
    assert landscape_run.seconds < 60
    svgs = [o for o in landscape_run.outputs("display_data") if "image/svg+xml" in o.data
            and "lossplot-landscape-static" in o.data["image/svg+xml"]]
    # the plane displayed on its own leaves its static picture (widgets inside an HBox have none, as for
    # LiveLossWidget: the box's output is the box's)
    assert len(svgs) == 1 and "2-D filter-normalized slice" in svgs[0].data["image/svg+xml"]


def test_landscape_slices_were_drawn_live_during_training(landscape_run: Run) -> None:
    p = landscape_run.probe
    # every=50 steps over ~190 steps: the line and the plane were recomputed while the loop ran
    assert p["live_slices"][0] >= 3 and p["live_slices"][1] >= 2, p["live_slices"]


def test_landscape_line_runs_from_the_initial_to_the_trained_network(landscape_run: Run) -> None:
    p = landscape_run.probe
    x, v = np.array(p["line_x"]), np.array(p["line_values"])
    assert x[0] == pytest.approx(-0.5) and x[-1] == pytest.approx(1.5)
    assert v[np.argmin(abs(x))] == pytest.approx(p["initial_loss"], rel=1e-5)
    assert v[np.argmin(abs(x - 1))] == pytest.approx(p["final_loss"], rel=1e-5)
    assert p["final_loss"] < 0.5 * p["initial_loss"]
    inside = (x >= 0) & (x <= 1)
    assert p["monotonic"] == bool(np.all(np.diff(v[inside]) < 0))  # the printed verdict is what the data says
    assert len(p["line_val"]) == len(x)


def test_landscape_pca_path_starts_at_the_initial_weights(landscape_run: Run) -> None:
    p = landscape_run.probe
    path = np.array(p["path"])
    assert len(path) == p["snapshots"] >= 10
    assert np.allclose(path[0], p["path_start"], atol=1e-6)
    assert 0.5 < p["explained"][0] <= 1 and p["explained"][0] > p["explained"][1] > 0
    assert sum(p["explained"]) <= 1 + 1e-6
    gx, gy = p["path_grid"]
    assert gx[0] < path[:, 0].min() and gx[-1] > path[:, 0].max() and gy[0] < path[:, 1].min() <= path[:, 1].max() < gy[-1]
    assert p["path_center"] == pytest.approx(p["final_loss"], rel=1e-5)


def test_landscape_centre_of_the_slice_is_the_models_loss(landscape_run: Run) -> None:
    p = landscape_run.probe
    assert p["plane_shape"] == [p["res"], p["res"]]
    assert p["plane_center"] == pytest.approx(p["plane_probe"], rel=1e-6)
    assert p["plane_centre_value"] == pytest.approx(p["plane_probe"], rel=1e-5)  # the grid's middle point


def test_landscape_small_and_large_batch_reach_the_same_loss(landscape_run: Run) -> None:
    runs = landscape_run.probe["runs"]
    small, large = runs["32"], runs["1000"]
    target = 0.2  # TARGET in fast mode
    assert small["train_loss"] <= target and large["train_loss"] <= target
    assert large["steps"] < small["steps"] / 5
    for r in (small, large):
        assert np.isfinite(r["sharpness"]) and r["sharpness"] > 0  # the centre is a minimum of the slice
    assert landscape_run.probe["sharper"] == (1000 if large["sharpness"] > small["sharpness"] else 32)
