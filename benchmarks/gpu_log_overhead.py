"""Cost of per-step ``w.log(loss=loss)`` in a CUDA training loop (falls back to CPU without a GPU).

Runs the same MLP loop three ways and prints steps/s:
  baseline        no logging
  lossplot        ``w.log(loss=loss)`` every step (the tensor stays on the GPU; one batched
                  transfer per frame), with a displayed view (drawing counted in)
  item()          ``loss.item()`` every step (a host sync per step), for comparison
It also counts host syncs: calls of ``Tensor.cpu``/``item``/``__float__`` on device tensors during each loop.

    python benchmarks/gpu_log_overhead.py [--steps 3000] [--width 1024] [--batch 512]
"""

from __future__ import annotations

import argparse
import time

import torch

from lossplot_widget import LiveLossWidget


def build(device: str, width: int):
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(width, width), torch.nn.ReLU(), torch.nn.Linear(width, width), torch.nn.ReLU(),
        torch.nn.Linear(width, 10),
    ).to(device)
    return model, torch.optim.SGD(model.parameters(), lr=1e-3)


class SyncCounter:
    """Counts Tensor.cpu/item/__float__ calls on device tensors (the ways a scalar reaches the host; reading a
    CPU tensor waits for no device, and ``log()`` reads CPU tensors at once)."""

    NAMES = ("cpu", "item", "__float__")

    def __enter__(self):
        self.count = 0
        self.saved = {n: getattr(torch.Tensor, n) for n in self.NAMES}
        for name, real in self.saved.items():
            def wrapper(t, *a, _real=real, **k):
                self.count += not t.is_cpu
                return _real(t, *a, **k)
            setattr(torch.Tensor, name, wrapper)
        return self

    def __exit__(self, *exc):
        for name, real in self.saved.items():
            setattr(torch.Tensor, name, real)


def loop(mode: str, device: str, steps: int, width: int, batch: int) -> tuple[float, int, int]:
    model, opt = build(device, width)
    x = torch.randn(batch, width, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    w = LiveLossWidget(total=steps) if mode == "lossplot" else None
    if w is not None:
        w.widget  # a displayed view: frames are built and sent (to no browser)
    for _ in range(20):  # warm-up
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad(); loss.backward(); opt.step()
    if device == "cuda":
        torch.cuda.synchronize()
    sink = 0.0
    with SyncCounter() as syncs:
        t0 = time.perf_counter()
        for _ in range(steps):
            loss = torch.nn.functional.cross_entropy(model(x), y)
            opt.zero_grad(); loss.backward(); opt.step()
            if mode == "lossplot":
                w.log(loss=loss)
            elif mode == "item()":
                sink += loss.item()
        if w is not None:
            w.flush()  # the last value drawn: part of the cost
        if device == "cuda":
            torch.cuda.synchronize()
        elapsed = time.perf_counter() - t0
    frames = w.frames_sent if w is not None else 0
    if w is not None:
        assert len(w.history["loss"]) == steps
    return steps / elapsed, syncs.count, frames


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--width", type=int, default=1024)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    name = torch.cuda.get_device_name() if device == "cuda" else "CPU"
    print(f"device: {name}; torch {torch.__version__}; steps={args.steps} width={args.width} batch={args.batch}")
    results = {}
    for mode in ("baseline", "lossplot", "item()"):
        best = max((loop(mode, device, args.steps, args.width, args.batch) for _ in range(args.repeats)),
                   key=lambda r: r[0])
        results[mode] = best
        rate, syncs, frames = best
        print(f"{mode:>9}: {rate:10.1f} steps/s   host syncs in loop: {syncs:6d}   frames: {frames}")
    base = results["baseline"][0]
    print(f"ratio lossplot/baseline: {results['lossplot'][0] / base:.3f}; "
          f"item()/baseline: {results['item()'][0] / base:.3f}")


if __name__ == "__main__":
    main()
