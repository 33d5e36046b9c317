"""JAX arrays as logged values: accepted, kept on their device, read once per frame in one batched transfer."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from _frameworks import require

jax = require("jax")
import jax.numpy as jnp  # noqa: E402

from lossplot_widget import LiveLossWidget  # noqa: E402
from lossplot_widget.core import values as values_mod  # noqa: E402


def test_zero_d_jax_arrays_are_accepted_without_a_per_step_transfer(monkeypatch, recorder):
    gets = []
    real_get = jax.device_get

    def counting_get(x):
        gets.append(getattr(x, "shape", None))
        return real_get(x)

    monkeypatch.setattr(jax, "device_get", counting_get)
    w = LiveLossWidget(refresh_interval=600)
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
    # one stacked transfer per series per commit (commits per frame or every COMMIT_EVERY points)
    assert 1 <= len(gets) <= 2 * 2, gets
    assert all(shape is not None and shape[0] > 1 for shape in gets)  # batches, not single points
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
