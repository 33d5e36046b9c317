"""A plain PyTorch loop: two lines (w.log per step, w.log_epoch per epoch), exact values, no per-step sync."""

from __future__ import annotations

from _frameworks import require

torch = require("torch")

from lossplot_widget import LiveLossWidget  # noqa: E402
from lossplot_widget.core import readback  # noqa: E402

EPOCHS, BATCHES = 3, 5


def run_loop(w, forbid_sync=None):
    torch.manual_seed(0)
    x = torch.randn(BATCHES * 8, 4)
    y = (x @ torch.tensor([1.0, -1.0, 2.0, 0.5]) > 0).long()
    xv = torch.randn(16, 4)
    yv = (xv @ torch.tensor([1.0, -1.0, 2.0, 0.5]) > 0).long()
    model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    losses, vals = [], []
    for epoch in range(EPOCHS):
        model.train()
        for b in range(BATCHES):
            xb, yb = x[b * 8 : (b + 1) * 8], y[b * 8 : (b + 1) * 8]
            loss = torch.nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.detach().clone())
            if forbid_sync is not None:
                with forbid_sync():
                    w.log(loss=loss)  # line 1: a tensor that requires grad, logged as is
            else:
                w.log(loss=loss)
        model.eval()
        with torch.no_grad():
            logits = model(xv)
            val_loss = torch.nn.functional.cross_entropy(logits, yv)
            val_acc = (logits.argmax(1) == yv).float().mean()
        vals.append((val_loss, val_acc))
        w.log_epoch(val_loss=val_loss, val_acc=val_acc)  # line 2
    return [float(t) for t in losses], [(float(a), float(b)) for a, b in vals]


def test_two_line_loop_exact_values_steps_and_panels(recorder):
    w = LiveLossWidget(total=EPOCHS * BATCHES)
    w.widget
    losses, vals = run_loop(w)
    w.flush()
    h = w.history
    assert h["loss"].values.tolist() == losses  # float32 -> float64 is exact
    assert h["loss"].steps.tolist() == list(range(EPOCHS * BATCHES))
    assert h["loss"].epochs.tolist() == [float(e) for e in range(EPOCHS) for _ in range(BATCHES)]
    assert h["val_loss"].values.tolist() == [v for v, _ in vals]
    assert h["val_acc"].values.tolist() == [a for _, a in vals]
    assert h["val_loss"].steps.tolist() == [BATCHES - 1, 2 * BATCHES - 1, 3 * BATCHES - 1]  # the epoch's last step
    assert h["val_loss"].epochs.tolist() == [0.0, 1.0, 2.0]
    panels = {title: {m for _r, m in p.series} for title, p in w._view.panels.items()}
    assert panels == {"loss": {"loss", "val_loss"}, "acc": {"val_acc"}}
    bar = w._view.progress
    assert (bar.bar.value, bar.bar.max) == (EPOCHS * BATCHES, EPOCHS * BATCHES)
    assert "100%" in bar.label.value


def test_no_host_sync_inside_log(monkeypatch):
    """w.log(loss=tensor) of a device tensor neither reads the value (item/float/tolist) nor copies it to the
    host (the device path forced on the CPU, where a tensor is otherwise read at once: a memory read)."""
    from contextlib import contextmanager

    monkeypatch.setattr(readback, "READ_AT_ONCE", frozenset())
    calls = []

    @contextmanager
    def forbid_sync():
        with monkeypatch.context() as m:
            for name in ("item", "__float__", "tolist", "cpu", "numpy"):
                m.setattr(torch.Tensor, name, lambda self, *a, _n=name, **k: calls.append(_n) or 1 / 0)
            yield

    w = LiveLossWidget(refresh_interval=600)  # no frame during the loop
    w.widget
    w.flush()
    losses, _ = run_loop(w, forbid_sync=forbid_sync)
    assert calls == []
    assert w.history["loss"].values.tolist() == losses  # converted later, in one batch per frame


def test_conversions_per_frame_not_per_step(monkeypatch):
    monkeypatch.setattr(readback, "READ_AT_ONCE", frozenset())  # the device path, as on a GPU
    steps = 2000
    real_stack = torch.stack
    stacks = []

    def counting_stack(tensors, *a, **k):
        stacks.append(len(tensors))
        return real_stack(tensors, *a, **k)

    monkeypatch.setattr(torch, "stack", counting_stack)
    w = LiveLossWidget(refresh_interval=600)
    w.widget
    model = torch.nn.Linear(4, 1)
    x = torch.randn(8, 4)
    for _ in range(steps):
        w.log(loss=model(x).pow(2).mean())  # requires grad: stored detached
    assert stacks == []  # nothing converted while logging
    w.flush()
    assert stacks == [steps]  # one batched conversion for the whole frame
