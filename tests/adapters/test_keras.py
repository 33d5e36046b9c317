"""Keras 3 callback under real model.fit (CPU): exact values, steps, panels.

The backend is ``KERAS_BACKEND`` (torch when unset); ``test_keras_backends.py`` runs this module again
on every other backend installed (JAX), in a subprocess, since Keras picks its backend once per process.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from _frameworks import require

os.environ.setdefault("KERAS_BACKEND", "torch")
BACKEND = os.environ["KERAS_BACKEND"]
if BACKEND == "jax":
    require("jax")
keras = require("keras")
assert keras.backend.backend() == BACKEND

from lossplot_widget import LiveLossWidget  # noqa: E402
from lossplot_widget.keras import LiveLossCallback  # noqa: E402

BATCH = 8


class Recorder(keras.callbacks.Callback):
    """What Keras itself hands to callbacks, for comparison."""

    def __init__(self):
        super().__init__()
        self.batches = []  # (epoch, batch, logs)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self.batches.append((self.epoch, batch, {k: float(v) for k, v in logs.items()}))


class _MultiStep(keras.Sequential):
    """Runs all k batches of an execution per call, as the TF and JAX backends do for
    ``steps_per_execution=k`` (Keras 3's torch backend refuses k > 1 in make_train_function)."""

    def make_train_function(self, force=False):
        if self.train_function is None or force:

            def run(data):
                for batch in data:
                    logs = self.train_step(batch)
                return logs

            self.train_function = run
        return self.train_function

    def make_test_function(self, force=False):
        if self.test_function is None or force:
            import torch

            def run(data):
                with torch.no_grad():
                    for batch in data:
                        logs = self.test_step(batch)
                return logs

            self.test_function = run
        return self.test_function


#: a Sequential whose ``steps_per_execution=k`` runs k batches per call on every backend
MultiStep = _MultiStep if BACKEND == "torch" else keras.Sequential


def data(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 1.0]) > 0).astype("float32")
    return x, y


def model(lr=0.1, cls=keras.Sequential, **compile_kw):
    keras.utils.set_random_seed(0)
    m = cls([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer=keras.optimizers.SGD(lr), loss="binary_crossentropy", metrics=["accuracy"], **compile_kw)
    return m


def col(w, name, key="value"):
    return w.history.to_dict()[name][key]


def test_fit_validation_split_per_batch_exact(recorder):
    x, y = data(60)  # validation_split=0.2: 48 training samples, 6 steps of 8
    w = LiveLossWidget()
    w.widget
    rec = Recorder()
    h = model().fit(
        x, y, batch_size=BATCH, epochs=3, validation_split=0.2, verbose=0, shuffle=False,
        callbacks=[LiveLossCallback(w, instantaneous=False), rec],
    )
    steps = 6
    assert col(w, "loss", "step") == [e * steps + b for e in range(3) for b in range(steps)]
    assert col(w, "loss", "epoch") == [float(e) for e in range(3) for _ in range(steps)]
    # per-batch values are Keras' running means, exactly as Keras handed them over
    assert col(w, "loss") == [logs["loss"] for _, _, logs in rec.batches]
    assert col(w, "accuracy") == [logs["accuracy"] for _, _, logs in rec.batches]
    # the last batch of each epoch is the epoch's mean: exactly History's value
    assert col(w, "loss")[steps - 1 :: steps] == h.history["loss"]
    assert col(w, "accuracy")[steps - 1 :: steps] == h.history["accuracy"]
    # validation at the last step of each epoch, exactly History's values
    for name in ("val_loss", "val_accuracy"):
        assert col(w, name) == h.history[name]
        assert col(w, name, "step") == [steps - 1, 2 * steps - 1, 3 * steps - 1]
        assert col(w, name, "epoch") == [0.0, 1.0, 2.0]
    # panels: loss with val_loss, accuracy with val_accuracy
    panels = {title: {m for _r, m in p.series} for title, p in w._view.panels.items()}
    assert panels == {"loss": {"loss", "val_loss"}, "accuracy": {"accuracy", "val_accuracy"}}
    # epoch boundaries visible on the step axis: a rule half a step before each epoch's first batch
    assert w._view.panels["loss"].rules.x[:, 0].tolist() == [steps - 0.5, 2 * steps - 0.5]
    # progress: epochs x steps
    assert (w.progress.total, w.progress.done) == (18, 18)
    assert w._view.progress.bar.value == 18


def test_fit_validation_data_epoch_only_and_created_widget(monkeypatch):
    import lossplot_widget.keras as adapter

    shown = []
    monkeypatch.setattr(adapter, "show", shown.append)  # IPython's display, when under IPython
    x, y = data(40)
    xv, yv = data(16, seed=1)
    cb = LiveLossCallback(per_batch=False)
    h = model().fit(x, y, batch_size=BATCH, epochs=2, validation_data=(xv, yv), verbose=0, callbacks=[cb])
    w = cb.widget
    assert isinstance(w, LiveLossWidget) and shown == [w]  # created and displayed at train start
    assert sorted(w.history.names) == sorted(h.history)
    for name, values in h.history.items():
        assert col(w, name) == values
        assert col(w, name, "step") == [4, 9]  # 5 steps per epoch; the epoch's last step
    assert not w.dirty  # flushed at train end


def test_instantaneous_values_match_a_manual_computation():
    # learning rate 0: the weights never change, so each batch's loss can be recomputed afterwards
    x, y = data(55)  # validation_split=0.2 -> 44 training samples: 5 batches of 8 and one of 4
    m = model(lr=0.0)
    cb = LiveLossCallback()  # instantaneous by default
    rec = Recorder()
    m.fit(x, y, batch_size=BATCH, epochs=2, validation_split=0.2, verbose=0, shuffle=False, callbacks=[cb, rec])
    xt, yt = x[:44], y[:44]
    losses, accs = [], []
    for b in range(6):
        xb, yb = xt[b * BATCH : (b + 1) * BATCH], yt[b * BATCH : (b + 1) * BATCH]
        p = keras.ops.convert_to_numpy(m(xb))
        losses.append(float(keras.ops.convert_to_numpy(keras.ops.mean(keras.losses.binary_crossentropy(yb[:, None], p)))))
        accs.append(float(np.mean((p[:, 0] > 0.5) == yb)))
    w = cb.widget
    np.testing.assert_allclose(col(w, "loss"), losses * 2, rtol=1e-5)
    np.testing.assert_allclose(col(w, "accuracy"), accs * 2, atol=1e-6)
    # the partial last batch is weighted by its 4 samples: equal weights per batch would be wrong
    means = [logs["loss"] for _, _, logs in rec.batches[:6]]
    naive_last = 6 * means[5] - 5 * means[4]
    assert abs(naive_last - losses[5]) > 100 * abs(col(w, "loss")[5] - losses[5])


def test_default_per_batch_values_have_no_cliff_at_epoch_starts():
    # a model that learns fast: Keras' running mean restarts at every epoch, so the last point of an epoch
    # (the mean over the whole epoch) sits far above the next epoch's first point; per-batch values do not
    x, y = data(128)
    rec = Recorder()
    cb = LiveLossCallback()
    model(lr=0.5).fit(x, y, batch_size=BATCH, epochs=3, verbose=0, shuffle=False, callbacks=[cb, rec])
    steps = 16
    inst = np.array(col(cb.widget, "loss"))
    running = np.array([logs["loss"] for _, _, logs in rec.batches])
    assert len(inst) == len(running) == 3 * steps
    for e in (1, 2):
        last, first = e * steps - 1, e * steps
        cliff = running[last] - running[first]
        assert cliff > 0.05  # the running mean's drop at the epoch start: what the default used to draw
        assert abs(inst[last] - inst[first]) < 0.5 * cliff
    # and each point is that batch's own loss: the running mean of the first batch is the batch itself
    assert inst[0] == running[0] and inst[steps] == running[steps]


def test_steps_per_execution_batch_indices_and_values():
    x, y = data(48)  # 6 steps of 8; k=3: Keras calls the callback after batches 2 and 5
    rec = Recorder()
    cb = LiveLossCallback(instantaneous=False)
    cb_inst = LiveLossCallback()
    m = model(lr=0.0, cls=MultiStep, steps_per_execution=3)
    h = m.fit(x, y, batch_size=BATCH, epochs=2, verbose=0, shuffle=False, callbacks=[cb, cb_inst, rec])
    assert [b for _, b, _ in rec.batches] == [2, 5, 2, 5]
    w = cb.widget
    assert col(w, "loss", "step") == [2, 5, 8, 11]
    assert col(w, "loss") == [logs["loss"] for _, _, logs in rec.batches]
    assert col(w, "loss")[1::2] == h.history["loss"]
    # instantaneous: the mean over the k batches of each execution
    per_batch = [
        float(keras.ops.convert_to_numpy(keras.ops.mean(keras.losses.binary_crossentropy(
            y[b * BATCH : (b + 1) * BATCH, None], m(x[b * BATCH : (b + 1) * BATCH])))))
        for b in range(6)
    ]
    expected = [np.mean(per_batch[0:3]), np.mean(per_batch[3:6])] * 2
    np.testing.assert_allclose(col(cb_inst.widget, "loss"), expected, rtol=1e-5)


def test_steps_per_execution_overrunning_the_epoch_is_clamped():
    x, y = data(40)  # 5 steps, k=3: executions end at batch 2 and (reported) 5, which is clamped to 4
    cb = LiveLossCallback()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Your input ran out of data", UserWarning)
        model(cls=MultiStep, steps_per_execution=3).fit(x, y, batch_size=BATCH, epochs=2, verbose=0, callbacks=[cb])
    assert col(cb.widget, "loss", "step") == [2, 4, 7, 9]
    assert cb.widget.progress.done == 10


def test_second_fit_with_the_same_run_name_continues_the_curves():
    x, y = data(32)  # 4 steps
    w = LiveLossWidget()
    m = model()
    m.fit(x, y, batch_size=BATCH, epochs=2, verbose=0, callbacks=[LiveLossCallback(w, run="adam")])
    m.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, callbacks=[LiveLossCallback(w, run="adam")])
    assert list(w.runs) == ["adam"] and w.runs["adam"].status == "finished"
    assert col(w, "loss", "step") == list(range(12))
    assert col(w, "loss", "epoch") == [0.0] * 4 + [1.0] * 4 + [2.0] * 4


def test_each_fit_is_a_fresh_run_by_default():
    x, y = data(32)  # 4 steps
    w = LiveLossWidget()
    cb = LiveLossCallback(w)
    model().fit(x, y, batch_size=BATCH, epochs=2, verbose=0, callbacks=[cb])
    assert not w._runs.comparing  # one fit: drawn as a one-run widget
    model().fit(x, y, batch_size=BATCH, epochs=1, verbose=0, callbacks=[cb])
    assert list(w.runs) == ["run-1", "run-2"] and w._runs.comparing
    assert w.runs["run-1"].history["loss"].steps.tolist() == list(range(8))
    assert w.runs["run-2"].history["loss"].steps.tolist() == list(range(4))  # each run starts at step 0
    assert {r.status for r in w.runs.values()} == {"finished"}
    w.flush()
    panel = w._view.panels["loss"]
    assert {r for r, _m in panel.series} == {"run-1", "run-2"}
    assert panel.marks("loss", run="run-1").raw.colors != panel.marks("loss", run="run-2").raw.colors


def test_import_lossplot_widget_does_not_import_keras():
    import subprocess
    import sys

    code = "import sys, lossplot_widget; print('keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_jax_counts_come_from_the_trainer_state_else_batches_weigh_alike(monkeypatch):
    # what the JAX trainer hands over: metric variables are not readable from the model during fit,
    # their values are in ``model._jax_state["metrics_variables"]`` (in ``model.metrics_variables`` order)
    import types

    import lossplot_widget.keras as adapter

    monkeypatch.setattr(adapter.keras.backend, "backend", lambda: "jax")
    mean = keras.metrics.Mean(name="loss")
    batch_values, sizes = [1.0, 3.0, 10.0], [32, 32, 6]  # a smaller last batch
    counts = np.cumsum(sizes).tolist()
    running = (np.cumsum(np.multiply(batch_values, sizes)) / counts).tolist()

    def fit(with_state):
        m = types.SimpleNamespace(metrics=[mean], metrics_variables=[mean.total, mean.count], stop_training=False)
        cb = LiveLossCallback()
        cb.set_model(m)
        cb.set_params({"epochs": 1, "steps": 3, "verbose": 0})
        cb.on_train_begin()
        cb.on_epoch_begin(0)
        for b in range(3):
            if with_state:
                m._jax_state = {"metrics_variables": [np.float32(running[b] * counts[b]), np.float32(counts[b])]}
            cb.on_train_batch_end(b, {"loss": running[b]})
        return col(cb.widget, "loss")

    np.testing.assert_allclose(fit(with_state=True), batch_values, rtol=1e-6)  # exact, last batch included
    # a Keras without that state: every batch weighs alike; exact but for the smaller last batch
    fallback = fit(with_state=False)
    np.testing.assert_allclose(fallback[:2], batch_values[:2], rtol=1e-6)
    assert fallback[2] == pytest.approx(3 * running[2] - 2 * running[1])


def test_batch_hooks_without_known_steps_count_calls():
    # a generator of unknown length: params["steps"] is None, so batches are counted
    cb = LiveLossCallback()
    cb.set_params({"epochs": 2, "steps": None, "verbose": 0})
    cb.on_train_begin()
    for epoch in range(2):
        cb.on_epoch_begin(epoch)
        for b in range(3):
            cb.on_train_batch_end(b, {"loss": float(10 * epoch + b)})
        cb.on_epoch_end(epoch, {"loss": float(10 * epoch + 2), "val_loss": 1.0 + epoch})
    w = cb.widget
    assert col(w, "loss", "step") == [0, 1, 2, 3, 4, 5]
    assert col(w, "val_loss", "step") == [2, 5]
    assert w.progress.total is None
