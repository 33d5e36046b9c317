"""Torch tensors: accepted without a host sync per step (read at once on the CPU; a detached device copy,
converted once per frame, elsewhere)."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref

import pytest
from _frameworks import require

torch = require("torch")

from lossplot_widget import LiveLossWidget  # noqa: E402
from lossplot_widget.core import readback  # noqa: E402


def test_import_does_not_import_frameworks():
    code = "import sys, lossplot_widget; print(sorted(m for m in ('torch', 'keras', 'lightning') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_import_without_torch_installed():
    code = "import sys; sys.modules['torch'] = None; import lossplot_widget as m; w = m.LiveLossWidget(); w.log(loss=1); print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_one_transfer_per_frame_not_per_step(monkeypatch, recorder):
    """Device tensors (a GPU's; forced here on the CPU): a detached copy at log(), one transfer per frame."""
    monkeypatch.setattr(readback, "READ_AT_ONCE", frozenset())
    transfers = []
    real_cpu = torch.Tensor.cpu
    scalar_reads = []

    def counting_cpu(self, *a, **k):
        transfers.append(self.shape)
        return real_cpu(self, *a, **k)

    def forbidden(self, *a, **k):
        scalar_reads.append(1)
        raise AssertionError("a per-step host sync (item/float/tolist) happened")

    monkeypatch.setattr(torch.Tensor, "cpu", counting_cpu)
    monkeypatch.setattr(torch.Tensor, "item", forbidden)
    monkeypatch.setattr(torch.Tensor, "__float__", forbidden)
    w = LiveLossWidget(refresh_interval=600)
    w.widget
    n = 3000
    for i in range(n):
        w.log(loss=torch.tensor(float(i)), acc=torch.tensor(i % 7, dtype=torch.int64))
    w.flush()
    assert not scalar_reads
    # one batched transfer per series per commit: commits happen per frame or every COMMIT_EVERY points
    assert 1 <= len(transfers) <= 2 * 2, transfers
    assert w.history["loss"].values[-1] == n - 1
    assert w.history["acc"].values.tolist()[:8] == [0, 1, 2, 3, 4, 5, 6, 0]


def test_cpu_tensors_are_read_at_log_time(monkeypatch):
    """On the CPU reading a tensor is a memory read (no device to wait for): cheaper than a copy, and exact."""
    reads = []
    real_item = torch.Tensor.item

    def counting_item(self):
        reads.append(1)
        return real_item(self)

    monkeypatch.setattr(torch.Tensor, "item", counting_item)
    w = LiveLossWidget()
    t = torch.tensor(1.5)
    w.log(loss=t, n=torch.tensor(3))
    assert reads == [1, 1]
    stored = [row[4][0] for row in w.history._rows]  # the row buffer: (names, step, time, epoch, values, plain)
    assert stored == [1.5] and type(stored[0]) is float


@pytest.mark.parametrize("device_path", [False, True], ids=["cpu", "device copy"])
def test_requires_grad_is_detached_and_graph_freed(device_path, monkeypatch):
    if device_path:
        monkeypatch.setattr(readback, "READ_AT_ONCE", frozenset())
    w = LiveLossWidget()
    x = torch.randn(1000, requires_grad=True)
    y = x.exp()  # saved for backward by exp: alive as long as the graph is
    ref = weakref.ref(y)
    loss = y.sum()
    del y
    w.log(loss=loss)
    stored = w.history._rows[0][4][0]
    if device_path:
        assert not stored.requires_grad and stored.grad_fn is None
    else:
        assert type(stored) is float
    del loss
    gc.collect()
    assert ref() is None, "the autograd graph is kept alive by the history"
    assert w.history["loss"].values.shape == (1,)


def test_bad_tensors():
    w = LiveLossWidget()
    with pytest.raises(ValueError, match="loss.*shape"):
        w.log(loss=torch.ones(3))
    with pytest.raises(TypeError, match="dtype"):
        w.log(loss=torch.tensor(True))
    w.log(loss=torch.tensor([0.5], dtype=torch.float16))
    assert w.history["loss"].values.tolist() == [0.5]
