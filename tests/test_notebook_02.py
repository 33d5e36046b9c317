"""Tutorial 02 (MNIST, cross-entropy), run in fast mode offline: every claim of its text is checked on its outputs.

The markdown states numbers and comparisons (chance at ln 10, "more than ten times smaller", a U of the
validation loss, "more than 100 times chance", "about 4 times"); each test reads the claim from the text where
it is a number, and checks it against what the notebook computed and printed.
"""

from __future__ import annotations

import math
import re

import nbformat
import numpy as np
import pytest
from _notebooks import MNIST_ACCURACY, NOTEBOOKS, Run, assert_clean, needs_keras, run_notebook, stdout_of

FILE = "02_mnist_classification.ipynb"


def text() -> str:
    """The notebook's markdown, as a learner reads it."""
    nb = nbformat.read(NOTEBOOKS / FILE, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.fixture(scope="module")
def mnist_run() -> Run:
    needs_keras()
    return run_notebook(FILE, """
def _epoch_means(run):
    s = run.history["loss"]
    e = np.floor(s.epochs).astype(int)
    return [float(s.values[e == k].mean()) for k in range(int(e.max()) + 1)]
_probe.update(
    source=data.source, description=data.description, n_train=len(x_train), n_val=len(x_val), n_test=len(x_test),
    test_is_official=bool(np.array_equal(data.x_test, load_mnist("shipped").x_test)),
    keras_acc=float(keras_val_acc), torch_acc=float(torch_val_acc), test_acc=float(test_acc),
    keras_metrics=sorted(curve_keras.history.names), torch_metrics=sorted(curve_torch.history.names),
    keras_loss=curve_keras.history["loss"].values.tolist(),
    torch_loss=curve_torch.history["loss"].values.tolist(),
    torch_val=curve_torch.history["val_loss"].values.tolist(), torch_train_epochs=_epoch_means(curve_torch),
    wrong=int(len(wrong)), epochs=EPOCHS, runs=list(curve.runs), statuses=[r.status for r in curve.runs.values()],
    references=curve.references, rate_refs=rates.references, rates_whole_y=not rates.ignore_outliers,
    grad_ce=ce_norm, grad_mse=mse_norm,
    over_val=overfit_run.history["val_loss"].values.tolist(), over_train=_epoch_means(overfit_run),
    over_config=overfit_run.config,
    under_config=underfit_run.config, under_train=_epoch_means(underfit_run),
    under_val=underfit_run.history["val_loss"].values.tolist(),
    lr_runs={str(k): v for k, v in lr_runs.items()}, rates_log_y=rates.log_y,
    lr_losses={name: r.history["loss"].values.tolist() for name, r in rates.runs.items()},
    spread={str(k): v for k, v in spread.items()},
    noise_counts={name: len(r.history["loss"]) for name, r in noise.runs.items()},
)
from lossplot_widget.render.static import frame_to_svg
_frame = curve._builder.build(curve._options())
_probe["best_labels"] = {sf.run: sf.best.label for sf in _frame.panels["loss"] if sf.best is not None}
_probe["svg_has_reference"] = ">chance: ln 10<" in frame_to_svg(_frame)
_lesson = lessons._builder.build(lessons._options())
_probe["lesson_best"] = [sf.best.label for sf in _lesson.panels["loss"] if sf.best is not None]
""")


def test_mnist_notebook_runs_clean(mnist_run: Run) -> None:
    assert_clean(mnist_run)


def test_data_parts_are_kept_apart_and_named(mnist_run: Run) -> None:
    p = mnist_run.probe
    assert p["source"] == "shipped"
    assert (p["n_train"], p["n_val"], p["n_test"]) == (4000, 1000, 10_000)
    assert p["test_is_official"]
    out = stdout_of(mnist_run)
    assert "source: shipped" in out and "SHA-256 verified" in out and "official training set" in out
    # the text's description of the shipped copy is what the loader does
    t = text()
    assert "10,000 for training and 2,000 for validation" in t and "10,000 official test images" in t
    # the final number names its data
    assert re.search(r"validation accuracy [\d.]+ \(1000 validation images\), test accuracy [\d.]+ "
                     r"\(10000 official test images\)", out)


def test_accuracy_above_threshold_and_test_within_a_few_points(mnist_run: Run) -> None:
    p = mnist_run.probe
    print(f"validation accuracy: Keras {p['keras_acc']:.4f}, PyTorch {p['torch_acc']:.4f}; test {p['test_acc']:.4f}")
    assert p["keras_acc"] > MNIST_ACCURACY and p["torch_acc"] > MNIST_ACCURACY
    assert "within a few points of the validation" in text()
    assert abs(p["test_acc"] - p["torch_acc"]) < 0.05
    # the misclassified count shown to the reader agrees with the accuracy
    assert p["wrong"] == round((1 - p["torch_acc"]) * p["n_val"])


def test_first_loss_is_chance_ln10_with_a_labelled_line(mnist_run: Run) -> None:
    p = mnist_run.probe
    assert "within 0.1 of\n  $\\ln 10 = 2.303$" in text()
    for losses in (p["keras_loss"], p["torch_loss"]):
        assert abs(losses[0] - math.log(10)) < 0.1
    assert p["references"] == {"loss": {"chance: ln 10": math.log(10)}, "accuracy": {"chance: 10%": 0.1}}
    assert p["rate_refs"] == {"loss": {"chance: ln 10": math.log(10)}}
    assert p["svg_has_reference"]
    out = stdout_of(mnist_run)
    assert "cross-entropy of a uniform prediction: 2.3026 = ln 10 = 2.3026" in out


def test_mse_gradient_on_a_confident_mistake_is_more_than_ten_times_smaller(mnist_run: Run) -> None:
    p = mnist_run.probe
    assert "more than ten\ntimes smaller" in text()
    assert p["grad_ce"] / p["grad_mse"] > 10
    # cross-entropy's gradient is q - p: its norm is known in closed form for this prediction
    assert p["grad_ce"] == pytest.approx(math.hypot(0.99, 0.98, 0.01), rel=1e-5)


def test_losses_decrease_and_validation_starts_below_the_first_epochs_training_mean(mnist_run: Run) -> None:
    p = mnist_run.probe
    for name in ("keras_metrics", "torch_metrics"):
        assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(p[name]), p[name]
    for losses in (p["keras_loss"], p["torch_loss"]):
        assert len(losses) >= p["epochs"] * 60  # logged per batch (4000 images / 64 = 63 batches an epoch)
        assert sum(losses[-20:]) / 20 < 0.5 * sum(losses[:20]) / 20
    val = p["torch_val"]
    assert len(val) == p["epochs"] and val[-1] < val[0]
    # "After the first epoch the validation loss is even below that epoch's mean training loss"
    assert val[0] < p["torch_train_epochs"][0]
    # the best validation epoch is marked, with its epoch number, as the run table's best
    best = int(np.argmin(val))
    assert p["best_labels"]["PyTorch"] == f"best {val[best]:.4g} (epoch {best + 1})"
    assert p["runs"] == ["Keras", "PyTorch", "PyTorch, 2 hidden units"]
    assert p["statuses"] == ["finished"] * 3


def test_overfitting_shows_a_u_with_at_least_ten_percent_rise(mnist_run: Run) -> None:
    p = mnist_run.probe
    t = text()
    assert "trained on only **500** training images for 60 epochs (Adam, learning rate\n0.003, batches of 50)" in t
    assert p["over_config"] == {"images": 500, "hidden": 128, "lr": 3e-3, "epochs": 60}
    val, train = np.array(p["over_val"]), np.array(p["over_train"])
    assert len(val) == len(train) == 60
    k = int(np.argmin(val))
    assert 0 < k < 40  # a minimum well inside the run, then the rise
    assert val[-1] >= 1.10 * val[k]  # the U: at least 10 % above the minimum
    assert train[-1] < train[k] / 5  # while the training loss keeps falling
    assert p["lesson_best"] == [f"best {val[k]:.4g} (epoch {k + 1})"]
    assert f"lowest {val[k]:.3f} after epoch {k + 1}" in stdout_of(mnist_run)


def test_underfitting_both_curves_high_and_close(mnist_run: Run) -> None:
    p = mnist_run.probe
    assert "**2 hidden units instead of 128**" in text()
    assert p["under_config"]["hidden"] == 2
    under_train, under_val = p["under_train"][-1], p["under_val"][-1]
    good_train, good_val = p["torch_train_epochs"][-1], p["torch_val"][-1]
    assert under_train > 3 * good_train and under_val > 3 * good_val  # both stay high
    assert abs(under_val - under_train) < 0.15 * under_train  # close together


def test_too_high_learning_rate_jumps_above_100x_chance_then_sits_at_chance(mnist_run: Run) -> None:
    p = mnist_run.probe
    t = text()
    assert "at three\nlearning rates: 0.1, 1 and 10" in t and "more than 100 times chance" in t
    runs = p["lr_runs"]
    assert set(runs) == {"0.1", "1.0", "10.0"}
    assert p["rates_log_y"] is True and p["rates_whole_y"]  # the spikes are drawn whole, not clipped
    for r in runs.values():  # the same initial weights and batches: the same first loss
        assert r["first"] == pytest.approx(runs["0.1"]["first"], rel=1e-6)
    assert runs["10.0"]["max"] > 100 * math.log(10)
    assert abs(runs["10.0"]["last10"] - math.log(10)) < 0.15
    # "At 0.1 the loss falls slowly, at 1 it falls fastest"
    assert runs["1.0"]["last10"] < runs["0.1"]["last10"] < runs["0.1"]["first"]


def test_noise_ratio_is_about_sqrt_of_the_batch_ratio(mnist_run: Run) -> None:
    p = mnist_run.probe
    assert "about $\\sqrt{256 / 16} = 4$ times more" in text()
    assert p["noise_counts"] == {"batch 16": 200, "batch 256": 200}
    ratio = p["spread"]["16"] / p["spread"]["256"]
    assert 3.0 < ratio < 5.0, ratio
    assert f"ratio of the standard deviations: {ratio:.1f}" in stdout_of(mnist_run)
