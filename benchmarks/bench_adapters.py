"""What the adapters cost a training loop, side by side in one run (medians over ``BENCH_REPEATS``).

1. **JAX**: a jitted SGD step of a small MLP, logged as a 0-d ``jax.Array`` (kept on device, one batched
   ``device_get`` per frame) against ``float(loss)`` per step (a host sync per step) and no logging.
2. **torch.compile**: a compiled step that calls ``w.log(loss=loss)`` inside, against the same step that
   returns the loss and logs outside; and, once, the step whose ``log`` Dynamo traces into (what happened
   before ``not_traced``: the first 20 steps, compilation included).
3. **log() per call**, what was logged is what is kept: the package as it is now (a CPU tensor read at once,
   a device tensor cloned, a JAX array copied by one jitted copy per call) against main before issue 26
   (``BENCH_BEFORE``, unpacked with ``git archive``: references kept, wrong after an in-place change or a
   donation), each in its own interpreter, interleaved; for floats, CPU torch tensors, the device copy path
   (a clone, what a GPU tensor takes; run on the CPU here) and JAX arrays; the amortized commit (the
   per-frame host read) included.
4. **Keras** on torch and on JAX (a subprocess: Keras picks its backend once per process): ``fit`` with the
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


def bench_jax(steps: int = 3000, repeats: int = REPEATS) -> list[list]:
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
    warm, p = widget(), params  # compile what logging compiles (a copy, a stack) before timing
    for _ in range(200):
        p, loss = step(p)
        warm.log(loss=loss)
    warm.flush()
    modes = {"no logging": None, "w.log(loss=array)": "array", "w.log(loss=float(array))": "float"}
    times: dict[str, list[float]] = {m: [] for m in modes}
    for _ in range(repeats):
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


#: main just before issue 26 (tensors kept by reference, read per frame): the "before" of the log() table
BEFORE = os.environ.get("BENCH_BEFORE", "07bbf05")
LOOP_ROWS = [
    "JAX jitted MLP step, no logging (us per step)", "JAX jitted MLP step + w.log(loss=array) (us per step)",
    "Keras on JAX fit, no callback (us per step)", "Keras on JAX fit + LiveLossCallback() (us per step)",
]
LOG_KINDS = [
    "Python float", "torch CPU 0-d tensor", "torch CPU, requires_grad (a Parameter)",
    "torch device path (clone; a GPU's, run on CPU)", "JAX array (CPU), 1 metric per call",
    "JAX array (CPU), 2 metrics per call",
]


LOG_NOTE = """"Before" keeps a reference (a detached view; the JAX array itself): wrong after an in-place change or a
donation, and read per frame by `torch.stack` / an op-by-op `jnp.stack` that compiled per batch length. "Now"
reads a CPU tensor at once (`item()`, a memory read), clones a device tensor on its device (the "device path"
row: the clone a CUDA/MPS tensor takes, forced on the CPU here, so the row needs no GPU; `benchmarks/gpu_log_overhead.py`
measures a CUDA loop where one is), copies JAX arrays by one jitted copy per call, and reads JAX copies per frame
by a jitted stack of fixed width. The per-call rows time `log()` with an amortized commit and no view; the loop
rows are whole training loops with a displayed view (frames drawn), where the cheaper per-frame read outweighs
the copy."""


def log_cost_once(calls: int = 20_000) -> dict[str, float]:
    """us per ``log()`` call of each kind, amortized commit (the per-frame host read) included."""
    import jax.numpy as jnp
    import torch

    from lossplot_widget import LiveLossWidget

    try:
        from lossplot_widget.core import readback
    except ImportError:  # before issue 26: every tensor was kept as a view, whatever its device
        readback = None
    grad = torch.nn.Parameter(torch.tensor(0.5))
    made = {
        "Python float": [0.5 + i for i in range(256)],
        "torch CPU 0-d tensor": [torch.tensor(0.5) for _ in range(256)],
        "torch CPU, requires_grad (a Parameter)": [grad] * 256,
        "torch device path (clone; a GPU's, run on CPU)": [torch.tensor(0.5) for _ in range(256)],
        "JAX array (CPU), 1 metric per call": [jnp.asarray(0.5) + i for i in range(256)],
    }
    pairs = [(jnp.asarray(0.5) + i, jnp.asarray(0.25) + i) for i in range(256)]

    def run(name: str) -> float:
        saved = readback.READ_AT_ONCE if readback else None
        if readback and name.startswith("torch device"):
            readback.READ_AT_ONCE = frozenset()  # the path a CUDA/MPS tensor takes: a clone, read per frame
        try:
            w = LiveLossWidget(refresh_interval=3600)  # log() itself; no frame after the first
            log = w.log
            t = time.perf_counter()
            if name.startswith("JAX array (CPU), 2"):
                for i in range(calls):
                    a, b = pairs[i & 255]
                    log(loss=a, acc=b)
            else:
                vals = made[name]
                for i in range(calls):
                    log(loss=vals[i & 255])
            w.history.commit()  # the per-frame read, amortized
            return (time.perf_counter() - t) / calls * 1e6
        finally:
            if readback:
                readback.READ_AT_ONCE = saved

    for name in LOG_KINDS:
        run(name)  # warm up: jit compiles, allocator
    out = {name: run(name) for name in LOG_KINDS}
    # a whole loop: the jitted MLP step of bench_jax, logged as an array each step (and not logged)
    loop = {row[0]: row[1] for row in bench_jax(steps=3000, repeats=3)}
    out[LOOP_ROWS[0]] = loop["no logging"]
    out[LOOP_ROWS[1]] = loop["w.log(loss=array)"]
    fits = {row[0]: row[1] for row in bench_keras()}  # KERAS_BACKEND=jax in this interpreter
    out[LOOP_ROWS[2]] = fits["no callback"]
    out[LOOP_ROWS[3]] = fits["LiveLossCallback() (per-batch values)"]
    return out


def bench_log_cost() -> list[list]:
    """Before (main at ``BENCH_BEFORE``) and now, each in its own interpreter, interleaved ``REPEATS`` times."""
    import json
    import subprocess
    import sys
    import tempfile

    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as old:
        archive = subprocess.run(["git", "archive", BEFORE, "lossplot_widget"], cwd=root, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", old], input=archive, check=True)
        runs: dict[str, list[dict[str, float]]] = {"before": [], "now": []}
        for _ in range(REPEATS):
            for label, path in (("before", old), ("now", str(root))):
                env = {**os.environ, "PYTHONPATH": path, "KERAS_BACKEND": "jax", "BENCH_REPEATS": "3"}
                out = subprocess.run([sys.executable, __file__, "--log-cost-json"], env=env, capture_output=True,
                                     text=True, check=True, cwd=Path(__file__).parent)
                runs[label].append(json.loads(out.stdout.strip().splitlines()[-1]))
    rows = []
    for name in LOG_KINDS + LOOP_ROWS:
        old_us = median([r[name] for r in runs["before"]])
        new_us = median([r[name] for r in runs["now"]])
        rows.append([name, old_us, new_us, new_us / old_us])
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

    if "--log-cost-json" in sys.argv:
        import json

        import lossplot_widget

        assert Path(lossplot_widget.__file__).parent.parent == Path(os.environ["PYTHONPATH"]).resolve()
        install_recording_comm()
        print(json.dumps(log_cost_once()))
        return
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
    cost = bench_log_cost()
    text = (f"\n## log() per call, 20,000 calls: before (main at {BEFORE}: values kept by reference) and now "
            "(fixed at log())\n\n"
            + table(["value", "before: us per call", "now: us per call", "now / before"], cost) + "\n" + LOG_NOTE)
    print(text, flush=True)
    parts.append(text)
    for title, fn in sections:
        rows = fn()
        text = f"\n{title}\n\n" + table(["variant", "us per step", "ratio"], rows)
        print(text, flush=True)
        parts.append(text)
    OUT.write_text("\n".join(parts) + "\n")
    print(f"\nwritten to {OUT}")


if __name__ == "__main__":
    main()
