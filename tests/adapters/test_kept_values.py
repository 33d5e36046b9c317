"""What was logged is what is kept: a torch tensor changed in place after ``log()``, a JAX array the next
jitted step donates, a numpy array mutated later; and one value that cannot be read never freezes the plot.

Torch cases run twice: as on the CPU (the tensor is read at ``log()``: a memory read) and as on a GPU (a
detached device copy, read per frame; forced here by emptying ``READ_AT_ONCE``), where no host read may
happen while logging.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _frameworks import require

torch = require("torch")

from lossplot_widget import LiveLossWidget, UnreadableValueWarning  # noqa: E402
from lossplot_widget.core import readback  # noqa: E402


@pytest.fixture(params=["read at log()", "device copy"])
def path(request, monkeypatch):
    """The CPU path (read at once) or the device path (a clone, read per frame) with host reads forbidden."""
    if request.param == "device copy":
        monkeypatch.setattr(readback, "READ_AT_ONCE", frozenset())
    return request.param


class NoHostRead:
    """While active on the device path, any scalar host read of a tensor fails the test (a per-step sync).

    The widgets here keep no run store and draw no frame during the loop (``refresh_interval=600``): a store batch
    (every 0.5 s) and a frame (every 0.25 s), each written or drawn from a ``log()`` call once due, read the kept
    values once per batch or frame, reads this guard would take for per-step ones whenever the loop runs slower
    than that (as on a loaded CI machine)."""

    def __init__(self, path: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.on, self.mp = path == "device copy", monkeypatch

    def __enter__(self):
        if self.on:
            def forbidden(*a, **k):
                raise AssertionError("a per-step host read (item/float/tolist) happened inside log()")

            self.ctx = self.mp.context()
            m = self.ctx.__enter__()
            for name in ("item", "__float__", "tolist", "cpu", "numpy"):
                m.setattr(torch.Tensor, name, forbidden)
        return self

    def __exit__(self, *exc):
        if self.on:
            self.ctx.__exit__(*exc)


def logged(w, name):
    return w.history[name].values.tolist()


def test_loss_scaled_in_place_after_logging(path, monkeypatch):
    """Gradient accumulation: ``loss /= accum`` after ``w.log(loss=loss)``; every point as logged."""
    torch.manual_seed(0)
    model = torch.nn.Linear(8, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(20, 4, 8), torch.randn(20, 4, 1)
    w, expected = LiveLossWidget(store=None, refresh_interval=600), []
    for i in range(20):
        loss = torch.nn.functional.mse_loss(model(x[i]), y[i])
        expected.append(loss.detach().clone())
        with NoHostRead(path, monkeypatch):
            w.log(loss=loss)
        loss /= 4  # in place, after logging
        loss.backward()
        if i % 4 == 3:
            opt.step()
            opt.zero_grad()
    assert logged(w, "loss") == [float(e) for e in expected]


def test_lr_scheduler_tensor(path, monkeypatch):
    """A tensor learning rate stepped in place by a scheduler: each step's rate, not the final one."""
    p = torch.nn.Parameter(torch.zeros(3))
    opt = torch.optim.SGD([p], lr=torch.tensor(0.05))
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    w, expected = LiveLossWidget(store=None, refresh_interval=600), []
    run = w.run("sched", config={"lr": opt.param_groups[0]["lr"]})  # the config keeps the rate given too
    for _ in range(12):
        lr = opt.param_groups[0]["lr"]
        expected.append(float(lr))
        with NoHostRead(path, monkeypatch):
            w.log(lr=lr)
        opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] is lr  # one tensor, changed in place by the scheduler
    assert float(lr) == pytest.approx(0.05 * 0.5**12)
    assert logged(w, "lr") == expected
    assert run.config["lr"] == float(torch.tensor(0.05))  # a plain number, as given


def test_batchnorm_counter_ema_and_0d_parameter(path, monkeypatch):
    """BatchNorm's ``num_batches_tracked``, an in-place EMA and a 0-d ``nn.Parameter`` an optimizer updates."""
    torch.manual_seed(1)
    bn = torch.nn.BatchNorm1d(4)
    scale = torch.nn.Parameter(torch.tensor(1.0))
    opt = torch.optim.SGD([scale, *bn.parameters()], lr=0.1)
    ema = torch.zeros(())
    w = LiveLossWidget(store=None, refresh_interval=600)
    want: dict[str, list[float]] = {"batches": [], "ema": [], "scale": []}
    for _ in range(15):
        loss = (bn(torch.randn(8, 4)) * scale).pow(2).mean()
        ema.mul_(0.9).add_(0.1 * loss.detach())
        for name, v in (("batches", bn.num_batches_tracked), ("ema", ema), ("scale", scale)):
            want[name].append(float(v.detach()))
        with NoHostRead(path, monkeypatch):
            w.log(batches=bn.num_batches_tracked, ema=ema, scale=scale)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert logged(w, "batches") == list(range(1, 16))
    assert logged(w, "ema") == want["ema"]
    assert logged(w, "scale") == want["scale"]
    assert len(set(want["scale"])) == 15  # the parameter did move every step


def test_device_copies_are_detached_and_keep_no_storage_alive(monkeypatch):
    monkeypatch.setattr(readback, "READ_AT_ONCE", frozenset())
    big = torch.arange(1000.0, requires_grad=True) * 2
    w = LiveLossWidget(store=None, refresh_interval=600)
    w.log(loss=big[7])  # a view into a 1000-element graph output
    kept = w.history._rows[0][4][0]  # the kept copy, in the history's row buffer until a frame commits it
    assert kept.shape == () and not kept.requires_grad and kept.grad_fn is None
    assert kept.untyped_storage().nbytes() == 4  # its own storage, not the big tensor's
    assert logged(w, "loss") == [14.0]


def test_numpy_values_mutated_after_logging_are_kept_as_logged():
    w = LiveLossWidget(store=None, refresh_interval=600)
    one, zero_d, big = np.array([0.5]), np.array(0.25), np.arange(10.0)
    w.log(a=one, b=zero_d, c=big[3:4], d=np.float32(0.125))
    one[0], zero_d[()], big[3] = 9.0, 9.0, 9.0
    w.log(a=one, b=zero_d, c=big[3:4], d=np.float32(2))
    assert [logged(w, k) for k in "abcd"] == [[0.5, 9.0], [0.25, 9.0], [3.0, 9.0], [0.125, 2.0]]


def test_a_failing_array_is_nan_with_one_warning_and_the_rest_kept(recorder):
    class Broken:  # e.g. an array of a library whose buffer was freed
        def __array__(self, dtype=None, copy=None):
            raise RuntimeError("buffer was freed")

    w = LiveLossWidget(store=None, refresh_interval=600)
    w.widget
    w.log(loss=0.5, acc=0.1)
    w.log(loss=Broken(), acc=0.2)
    w.log(loss=0.25, acc=0.3)
    with pytest.warns(UnreadableValueWarning, match=r"'loss' at step 1 could not be read \(RuntimeError: buffer"):
        w.flush()
    loss = logged(w, "loss")
    assert loss[0] == 0.5 and np.isnan(loss[1]) and loss[2] == 0.25
    assert logged(w, "acc") == [0.1, 0.2, 0.3]


def test_a_device_value_unreadable_at_frame_time_costs_only_its_own_point(monkeypatch, recorder):
    """A kept device value whose read fails (a device error) is NaN; the rest of its batch is read."""
    monkeypatch.setattr(readback, "READ_AT_ONCE", frozenset())
    w = LiveLossWidget(store=None, refresh_interval=600)
    w.widget
    for i in range(6):
        w.log(loss=torch.tensor(float(i)))
    bad = w.history._rows[3][4][0]  # its kept copy, in the history's row buffer
    real_stack = torch.stack

    def stack(tensors, *a, **k):  # reading that one tensor fails, as after a device fault
        if any(t is bad for t in tensors):
            raise RuntimeError("CUDA error: an illegal memory access was encountered")
        return real_stack(tensors, *a, **k)

    monkeypatch.setattr(torch, "stack", stack)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values = logged(w, "loss")
    assert [str(c.message) for c in caught if c.category is UnreadableValueWarning] == [
        "lossplot_widget: metric 'loss' at step 3 could not be read (RuntimeError: CUDA error: an illegal memory "
        "access was encountered); recorded as NaN"
    ]
    assert values[:3] == [0.0, 1.0, 2.0] and np.isnan(values[3]) and values[4:] == [4.0, 5.0]
