"""Tutorial 01 (MSE regression), run in fast mode offline: what it teaches is what its outputs show."""

from __future__ import annotations

import itertools

import pytest
from _notebooks import (
    Run,
    assert_clean,
    needs_keras,
    run_notebook,
    stdout_of,
)


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
    store_runs=[(name, r.status, r.config, len(r.history["loss"]) if "loss" in r.history else 0)
                for name, r in today.runs.items()],
    store_hidden=[row.name for row in today._build().runs if row.hidden],
    yesterday=old.tolist(), today=new.tolist(), reach=reach,
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




def test_yesterday_s_run_comes_back_from_the_store_next_to_today_s(mse_run: Run) -> None:
    p = mse_run.probe
    (old_name, status, config, points), (new_name, new_status, new_config, new_points) = p["store_runs"]
    assert old_name.startswith("lr=0.01 (") and status == "finished" and config == {"lr": 0.01, "steps": 400}
    assert points == 400 and new_name == "lr=0.02" and new_status == "finished" and new_points == 300
    assert p["store_hidden"] == []  # both drawn: yesterday's was ticked
    out = stdout_of(mse_run)
    assert "points read so far: 0" in out  # listed from the store's rows, read when ticked
    # "reaches yesterday's final loss in half the steps"
    assert p["today"][p["reach"]] <= p["yesterday"][-1] < p["today"][p["reach"] - 1]
    assert p["reach"] == pytest.approx(len(p["yesterday"]) / 2, rel=0.05)
