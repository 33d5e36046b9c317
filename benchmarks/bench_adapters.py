"""What the adapters cost a training loop, side by side in one run (medians over ``BENCH_REPEATS``).

1. **JAX**: a jitted SGD step of a small MLP, logged as a 0-d ``jax.Array`` (kept on device, one batched
   ``device_get`` per frame) against ``float(loss)`` per step (a host sync per step) and no logging.
2. **torch.compile**: a compiled step that calls ``w.log(loss=loss)`` inside, against the same step that
   returns the loss and logs outside; and, once, the step whose ``log`` Dynamo traces into (what happened
   before ``not_traced``: the first 20 steps, compilation included).
3. **Keras** on torch and on JAX (a subprocess: Keras picks its backend once per process): ``fit`` with the
   callback logging per-batch values (the default) against Keras' running means and against no callback.

Run: ``python benchmarks/bench_adapters.py`` (``BENCH_REPEATS=5``); writes ``benchmarks/RESULTS_adapters.md``.
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
from _common import install_recording_comm, machine, median, table

REPEATS = int(os.environ.get("BENCH_REPEATS", 5))
OUT = Path(__file__).with_name("RESULTS_adapters.md")


def widget():
    from lossplot_widget import LiveLossWidget

    w = LiveLossWidget()
    w.widget  # displayed (on a recording comm): frames are built and sent as in a notebook
    return w


def bench_jax(steps: int = 3000) -> list[list]:
    import jax
    import jax.numpy as jnp

    key = jax.random.PRNGKey(0)
    k1, k2, k3 = jax.random.split(key, 3)
    params = {"w1": jax.random.normal(k1, (32, 64)) * 0.1, "w2": jax.random.normal(k2, (64, 1)) * 0.1}
    x = jax.random.normal(k3, (256, 32))
    y = jnp.sin(x[:, :1])

    def loss_fn(p):
        return jnp.mean((jnp.tanh(x @ p["w1"]) @ p["w2"] - y) ** 2)

    @jax.jit
    def step(p):
        loss, g = jax.value_and_grad(loss_fn)(p)
        return jax.tree_util.tree_map(lambda a, b: a - 0.05 * b, p, g), loss

    step(params)[1].block_until_ready()
    modes = {"no logging": None, "w.log(loss=array)": "array", "w.log(loss=float(array))": "float"}
    times: dict[str, list[float]] = {m: [] for m in modes}
    for _ in range(REPEATS):
        for name, mode in modes.items():
            w = widget() if mode else None
            p = params
            t = time.perf_counter()
            for _i in range(steps):
                p, loss = step(p)
                if mode == "array":
                    w.log(loss=loss)
                elif mode == "float":
                    w.log(loss=float(loss))
            if w is not None:
                w.flush()
            jax.block_until_ready(p)
            times[name].append((time.perf_counter() - t) / steps)
    base = median(times["no logging"])
    return [[name, median(v) * 1e6, median(v) / base] for name, v in times.items()]


def bench_compile(steps: int = 300) -> list[list]:
    import torch

    from lossplot_widget import LiveLossWidget

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.Tanh(), torch.nn.Linear(64, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    x, y = torch.randn(256, 32), torch.randn(256, 1)
    holder: dict = {}

    @torch.compile
    def inside(xb, yb):
        loss = torch.nn.functional.mse_loss(model(xb), yb)
        holder["w"].log(loss=loss)
        return loss

    @torch.compile
    def outside(xb, yb):
        return torch.nn.functional.mse_loss(model(xb), yb)

    def train(fn, n, log_outside):
        t = time.perf_counter()
        for _ in range(n):
            loss = fn(x, y)
            if log_outside:
                holder["w"].log(loss=loss.detach())
            loss.backward()
            opt.step()
            opt.zero_grad()
        holder["w"].flush()
        return (time.perf_counter() - t) / n

    rows = []
    times: dict[str, list[float]] = {"log() inside the compiled step": [], "log() after the compiled step": []}
    for fn, name, out in ((inside, "log() inside the compiled step", False),
                          (outside, "log() after the compiled step", True)):
        holder["w"] = widget()
        train(fn, 5, out)  # compile
        for _ in range(REPEATS):
            times[name].append(train(fn, steps, out))
    base = median(times["log() after the compiled step"])
    rows += [[name, median(v) * 1e6, median(v) / base] for name, v in times.items()]

    # before not_traced: Dynamo traces into log() (the unwrapped function)
    raw_log = LiveLossWidget.log.__wrapped__

    @torch.compile
    def traced(xb, yb):
        loss = torch.nn.functional.mse_loss(model(xb), yb)
        raw_log(holder["w"], loss=loss)
        return loss

    torch._dynamo.reset()
    holder["w"] = widget()
    import logging

    logging.getLogger("torch._dynamo").setLevel(logging.CRITICAL)
    logging.getLogger("torch._inductor").setLevel(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = train(traced, 20, False)
    rows.append(["log() traced by Dynamo (before; 20 steps incl. compiling)", first * 1e6, first / base])
    torch._dynamo.reset()
    return rows


def bench_keras(epochs: int = 2) -> list[list]:
    import keras

    from lossplot_widget.keras import LiveLossCallback

    rng = np.random.default_rng(0)
    x = rng.normal(size=(4096, 32)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")

    def fit(callbacks):
        keras.utils.set_random_seed(0)
        m = keras.Sequential([keras.Input((32,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
        m.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
        t = time.perf_counter()
        m.fit(x, y, batch_size=32, epochs=epochs, verbose=0, callbacks=callbacks(), shuffle=False)
        return (time.perf_counter() - t) / (epochs * 128)

    modes = {
        "no callback": lambda: [],
        "LiveLossCallback() (per-batch values)": lambda: [LiveLossCallback(widget())],
        "LiveLossCallback(instantaneous=False)": lambda: [LiveLossCallback(widget(), instantaneous=False)],
    }
    fit(modes["no callback"])  # warm up
    times: dict[str, list[float]] = {m: [] for m in modes}
    for _ in range(REPEATS):
        for name, make in modes.items():
            times[name].append(fit(make))
    base = median(times["no callback"])
    return [[name, median(v) * 1e6, median(v) / base] for name, v in times.items()]


def keras_on(backend: str) -> list[list]:
    """:func:`bench_keras` in a fresh interpreter with ``KERAS_BACKEND=backend``."""
    import json
    import subprocess
    import sys

    env = {**os.environ, "KERAS_BACKEND": backend}
    out = subprocess.run([sys.executable, __file__, "--keras-json"], env=env, capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    import sys

    if "--keras-json" in sys.argv:
        import json

        install_recording_comm()
        print(json.dumps(bench_keras()))
        return
    install_recording_comm()
    parts = [f"# Adapter overhead\n\nMachine: {machine()}\n", f"Medians over {REPEATS} repeats, measured side by side."]
    sections = (
        ("## JAX: a jitted MLP step (3,000 steps)", bench_jax),
        ("## torch.compile: a compiled MLP step (300 steps)", bench_compile),
        ("## Keras on torch: fit, 256 batches of 32", lambda: keras_on("torch")),
        ("## Keras on JAX: fit, 256 batches of 32", lambda: keras_on("jax")),
    )
    for title, fn in sections:
        rows = fn()
        text = f"\n{title}\n\n" + table(["variant", "us per step", "ratio"], rows)
        print(text, flush=True)
        parts.append(text)
    OUT.write_text("\n".join(parts) + "\n")
    print(f"\nwritten to {OUT}")


if __name__ == "__main__":
    main()
