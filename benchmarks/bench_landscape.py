"""Loss-landscape cost: seconds per slice (vmap against a loop) and the training slowdown with the
landscape live at its default settings, on the MNIST MLP of tutorial 2 (784-128-10, 101,770 parameters).

Run: ``python benchmarks/bench_landscape.py`` (``BENCH_REPEATS=5``); writes ``benchmarks/RESULTS_landscape.md``.
Data: the MNIST copy shipped in ``notebooks/data`` (offline). Everything is measured side by side in one run,
variants interleaved, medians over the repeats.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from _common import install_recording_comm, machine, median, table

OUT = Path(__file__).with_name("RESULTS_landscape.md")
REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
PROBE = 256
TRAIN_STEPS = int(os.environ.get("BENCH_LANDSCAPE_STEPS", "10000"))


def _data():
    import torch

    from lossplot_widget.datasets import load_mnist

    data = load_mnist("shipped").subset(4000, 1000)
    x = torch.from_numpy(data.x_train.astype("float32") / 255.0)
    y = torch.from_numpy(data.y_train.astype("int64"))
    return x, y


def _net(seed: int = 0):
    import torch
    from torch import nn

    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 128), nn.ReLU(), nn.Linear(128, 10))


def bench_slices() -> list[list]:
    """Seconds per slice by kind and method (one thread, as the tutorials run)."""
    import torch
    from torch import nn

    from lossplot_widget.landscape import LandscapeWidget

    torch.set_num_threads(1)
    x, y = _data()
    net = _net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for i in range(0, 2000, 64):  # some training, so the PCA plane has a path
        loss = nn.functional.cross_entropy(net(x[i:i + 64]), y[i:i + 64])
        opt.zero_grad(); loss.backward(); opt.step()
    cases = {
        ("2d", 21, "vmap"): None, ("2d", 21, "loop"): None,
        ("1d", 51, "vmap"): None, ("1d", 51, "loop"): None,
        ("pca", 21, "loop"): None,
    }
    scapes = {}
    for kind, res, method in cases:
        s = LandscapeWidget(net, nn.CrossEntropyLoss(), batch=(x[:PROBE], y[:PROBE]), kind=kind, resolution=res,
                            method=method, snapshot_every=1)
        for step in range(1, 12):
            s.track(step) if kind == "pca" else None
        scapes[(kind, res, method)] = s
    times = {k: [] for k in cases}
    for _ in range(REPEATS):
        for key, s in scapes.items():
            t0 = time.perf_counter()
            s.compute()
            times[key].append(time.perf_counter() - t0)
    auto = LandscapeWidget(net, nn.CrossEntropyLoss(), batch=(x[:PROBE], y[:PROBE]), kind="2d")
    auto.compute()
    rows: list[list] = []
    for (kind, res, method), t in times.items():
        points = scapes[(kind, res, method)].latest.values.size  # the 1-D grid holds 0 and 1: 49 points for 51
        rows.append([f"{kind} {res}x{res}" if kind != "1d" else f"1d {points} points", method, median(t),
                     median(t) / points * 1e3])
    for s in [*scapes.values(), auto]:
        s.close()
    rows.append(["2d 21x21", f"auto chose {auto.surface.method}", float("nan"), float("nan")])
    return rows


def _train(x, y, steps: int, make_scape) -> tuple[float, int]:
    import torch
    from torch import nn

    net = _net(1)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    scape = make_scape(net) if make_scape is not None else None
    loss_fn = nn.CrossEntropyLoss()
    n = len(x)
    t0 = time.perf_counter()
    for step in range(steps):
        i = (step * 64) % (n - 64)
        loss = loss_fn(net(x[i:i + 64]), y[i:i + 64])
        opt.zero_grad(); loss.backward(); opt.step()
        if scape is not None:
            scape.track(step)
    seconds = time.perf_counter() - t0
    slices = 0
    if scape is not None:
        slices = scape.worker.slices
        scape.close()
    return seconds, slices


def bench_training(threads: int, kinds: tuple[str, ...] = ("2d", "1d", "pca")) -> list[list]:
    """Training steps with no landscape, and with each kind live at default settings (every=100, 5% budget,
    chunks between steps), and on the background thread instead."""
    import torch
    from torch import nn

    from lossplot_widget.landscape import LandscapeWidget

    torch.set_num_threads(threads)
    x, y = _data()
    probe = (x[:PROBE], y[:PROBE])

    def live(kind, **kw):
        return lambda net: LandscapeWidget(net, nn.CrossEntropyLoss(), batch=probe, kind=kind, **kw)

    modes = {"no landscape": None, **{f"{k} live (defaults)": live(k) for k in kinds},
             "2d live, mode='thread'": live("2d", mode="thread")}
    times = {k: [] for k in modes}
    slices = {k: [] for k in modes}
    _train(x, y, 100, None)  # warm-up
    for _ in range(3):
        for name, make in modes.items():
            s, n = _train(x, y, TRAIN_STEPS, make)
            times[name].append(s)
            slices[name].append(n)
    base = median(times["no landscape"])
    return [[name, median(t), median(t) / base, median(slices[name])] for name, t in times.items()]


def main() -> None:
    install_recording_comm()
    parts = [f"# Loss landscape\n\nMachine: {machine()}\n",
             f"MNIST MLP (784-128-10, 101,770 parameters), probe batch {PROBE} images, medians over {REPEATS} "
             "repeats, measured side by side in one run."]
    text = "\n## Seconds per slice (torch threads = 1)\n\n" + table(
        ["slice", "method", "seconds", "ms per point"], bench_slices())
    print(text, flush=True)
    parts.append(text)
    for threads, kinds in ((1, ("2d", "1d", "pca")), (2, ("2d",))):
        text = (f"\n## Training {TRAIN_STEPS} Adam steps (batch 64), torch threads = {threads}, medians of 3\n\n"
                + table(["variant", "seconds", "ratio", "slices drawn"], bench_training(threads, kinds)))
        print(text, flush=True)
        parts.append(text)
    OUT.write_text("\n".join(parts) + "\n")
    print(f"\nwritten to {OUT}")


if __name__ == "__main__":
    main()
