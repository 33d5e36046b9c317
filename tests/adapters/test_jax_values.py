"""JAX arrays as logged values: accepted, copied on their device at log() (a later donation or delete cannot
change what was logged), read once per frame in one batched transfer."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings

import numpy as np
import pytest
from _frameworks import require

jax = require("jax")
import jax.numpy as jnp  # noqa: E402

from lossplot_widget import DrawWarning, LiveLossWidget, UnreadableValueWarning  # noqa: E402
from lossplot_widget.core import values as values_mod  # noqa: E402


def logged(w, name):
    return w.history[name].values.tolist()


def test_zero_d_jax_arrays_are_accepted_without_a_per_step_transfer(monkeypatch, recorder):
    gets = []
    real_get = jax.device_get

    def counting_get(x):
        gets.append([getattr(c, "shape", None) for c in x] if isinstance(x, list) else getattr(x, "shape", None))
        return real_get(x)

    monkeypatch.setattr(jax, "device_get", counting_get)
    # no frame and no run store write (each reads the batch back) while logging: only log() itself is watched
    w = LiveLossWidget(refresh_interval=600, store=None)
    w.widget
    n = 2000
    losses = [jnp.float32(1.0 / (i + 1)) for i in range(n)]
    accs = [jnp.asarray([i % 3], dtype=jnp.int32) for i in range(n)]  # one-element, not 0-d
    # any host read of a logged array during log() would be a per-step sync: make each one an error
    # (JAX's transfer guard does not fire for CPU arrays, so the reads are patched out)
    reads = []

    def forbidden(self, *a, **k):
        reads.append(1)
        raise AssertionError("a per-step host read of a JAX array happened")

    with monkeypatch.context() as m:
        for name in ("__float__", "__int__", "__index__", "__array__", "item", "tolist"):
            m.setattr(type(losses[0]), name, forbidden)
        for loss, acc in zip(losses, accs):
            w.log(loss=loss, acc=acc)
    assert reads == [] and gets == []  # nothing read or transferred while logging
    w.flush()
    # one device_get per series per commit (commits per frame or every COMMIT_EVERY points), of stacked
    # chunks of a fixed width (a jitted stack compiled once, not per count): batches, not single points
    assert 1 <= len(gets) <= 2 * 2, gets
    assert all(isinstance(g, list) and set(g) <= {(8,), (64,)} for g in gets), gets
    assert sum(len(g) for g in gets) == 2 * -(-n // 64)
    np.testing.assert_array_equal(w.history["loss"].values, np.float32(1.0) / np.arange(1, n + 1, dtype=np.float32))
    assert w.history["acc"].values[:6].tolist() == [0, 1, 2, 0, 1, 2]


def test_bad_jax_values_are_rejected_with_the_metric_named():
    w = LiveLossWidget()
    with pytest.raises(ValueError, match="loss.*shape"):
        w.log(loss=jnp.ones(3))
    with pytest.raises(TypeError, match="loss.*dtype"):
        w.log(loss=jnp.asarray(True))
    with pytest.raises(TypeError, match="loss.*dtype"):
        w.log(loss=jnp.asarray(1 + 2j))
    assert len(w.history) == 0  # rejected calls record nothing


def test_bfloat16_and_mixed_dtypes_convert():
    w = LiveLossWidget()
    w.log(loss=jnp.asarray(0.5, dtype=jnp.bfloat16))
    w.log(loss=jnp.float32(0.25))
    w.log(loss=0.125)
    w.flush()
    assert w.history["loss"].values.tolist() == [0.5, 0.25, 0.125]


def test_any_one_element_array_like_is_read():
    class Wrapped:  # an array type the widget does not know (TensorFlow, CuPy, ... expose __array__)
        def __init__(self, v):
            self.v = v

        def __array__(self, dtype=None, copy=None):
            return np.asarray(self.v, dtype=dtype)

    w = LiveLossWidget()
    w.log(loss=Wrapped([0.75]))
    assert w.history["loss"].values.tolist() == [0.75]
    with pytest.raises(ValueError, match="shape"):
        w.log(loss=Wrapped([1.0, 2.0]))
    with pytest.raises(TypeError, match="dtype"):
        w.log(loss=Wrapped("x"))


def test_jax_is_never_imported_by_the_package():
    code = (
        "import sys, lossplot_widget as m; w = m.LiveLossWidget(); w.log(loss=1.0); w.flush();"
        " print('jax' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert values_mod.jax_array_type() is jax.Array  # here jax is imported: its class is found


def _train_state_steps(n: int, donate: bool):
    """A jitted train step over a dict state (params, step counter, loss EMA), the state donated each step."""
    key = jax.random.PRNGKey(0)
    x = jax.random.normal(key, (64, 8))
    y = jnp.sin(x[:, :1])

    def step(state):
        def loss_fn(w):
            return jnp.mean((jnp.tanh(x @ w) - y) ** 2)

        loss, g = jax.value_and_grad(loss_fn)(state["w"])
        return {"w": state["w"] - 0.1 * g, "count": state["count"] + 1,
                "ema": 0.9 * state["ema"] + 0.1 * loss}, loss

    fn = jax.jit(step, donate_argnums=0 if donate else ())
    state = {"w": jnp.full((8, 1), 0.1), "count": jnp.asarray(0, jnp.int32), "ema": jnp.asarray(1.0)}
    for _ in range(n):
        state, loss = fn(state)
        yield state, loss


def test_a_donated_train_state_is_recorded_exactly_over_50_steps(recorder):
    expected = [(float(s["ema"]), int(s["count"]), float(loss)) for s, loss in _train_state_steps(50, donate=False)]
    w = LiveLossWidget(refresh_interval=0.001)
    w.widget
    first = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for state, loss in _train_state_steps(50, donate=True):
            w.log(ema=state["ema"], count=state["count"], loss=loss)
            first = state["ema"] if first is None else first
        w.flush()
    assert first.is_deleted()  # the next step did donate (delete) what was logged
    assert [c for c in caught if issubclass(c.category, (UnreadableValueWarning, DrawWarning))] == []
    assert logged(w, "ema") == [e[0] for e in expected]
    assert logged(w, "count") == list(range(1, 51)) == [e[1] for e in expected]
    assert logged(w, "loss") == [e[2] for e in expected]
    out = io.StringIO()
    w.to_csv(out)  # exports read the same kept copies
    assert len(out.getvalue().splitlines()) == 1 + 3 * 50


def test_a_deleted_array_is_nan_at_its_step_with_one_warning_and_later_frames_drawn(recorder):
    w = LiveLossWidget(refresh_interval=0.001)
    w.widget
    with warnings.catch_warnings(record=True) as caught:  # frames (which read the history) may come from log()
        warnings.simplefilter("always")
        for i in range(10):
            a = jnp.asarray(float(i))
            if i == 5:
                a.delete()  # e.g. donated before it was logged
            w.log(loss=a, acc=float(i))
        loss = logged(w, "loss")  # reading the history never raises
        w.flush()
        frames = w.frames_sent
        w.log(loss=jnp.asarray(10.0), acc=10.0)
        w.log(loss=11.0, acc=11.0)
        w.flush()
    msgs = [str(c.message) for c in caught if c.category is UnreadableValueWarning]
    assert len(msgs) == 1 and "metric 'loss' at step 5 could not be read" in msgs[0] and "deleted" in msgs[0]
    assert [c for c in caught if c.category is DrawWarning] == []
    assert np.isnan(loss[5]) and loss[:5] + loss[6:] == [0.0, 1, 2, 3, 4, 6, 7, 8, 9]
    assert logged(w, "acc") == [float(i) for i in range(11 + 1)]  # the rest of that call is kept
    assert w.frames_sent > frames  # the plot did not freeze
    assert logged(w, "loss")[-2:] == [10.0, 11.0]


def test_a_kept_copy_unreadable_at_frame_time_costs_only_its_own_point(recorder):
    w = LiveLossWidget(refresh_interval=600)
    w.widget
    for i in range(6):
        w.log(loss=jnp.asarray(float(i)))
    w.history._rows[2][4][0].delete()  # the kept device copy itself (in the history's row buffer) becomes unreadable
    with pytest.warns(UnreadableValueWarning, match="'loss' at step 2 could not be read"):
        loss = logged(w, "loss")
    assert np.isnan(loss[2]) and loss[:2] + loss[3:] == [0.0, 1.0, 3.0, 4.0, 5.0]


def test_logging_a_traced_value_inside_jit_is_a_clear_error():
    w = LiveLossWidget()

    @jax.jit
    def step(x):
        w.log(loss=x)
        return x

    with pytest.raises(TypeError, match="'loss'.*inside a JAX transformation"):
        step(jnp.asarray(1.0))
    assert len(w.history) == 0
