"""What the widget costs a small CPU training loop: whole-process CPU ratio, before and after, in one run.

Two steps of a 1-torch-thread MLP (a ~0.2 ms one and a ~1 ms one) train for ``STEPS`` steps with
no widget, and with a displayed ``LiveLossWidget`` logging 1, 10 or 50 metrics per step (the loss
tensor straight from ``backward()``, as the README recommends, plus floats such as a learning
rate). The widget's frames go through a comm that serializes every message the way a kernel does
(``jupyter_client.Session.serialize``: JSON, HMAC signature, binary buffers), so the cost of the
IOPub side is in the process' CPU time too. The widget is made, displayed and given its panels (one
``log()`` and a frame: an earlier cell, or the run's first step) outside the timing: the figures are the
steady cost per step of a run.

Ratio = process CPU time (all threads) of a variant / that of the plain loop, both measured in the
same worker process, interleaved in a shuffled order per repeat; the median over repeats is reported.

"Before and after in one run": worker processes alternate between the code of an earlier commit
(``BENCH_LOOP_BEFORE``, exported with ``git archive``) and this checkout, ``BENCH_LOOP_ROUNDS``
times each, and the medians pool every round's repeats.

    .venv/bin/python benchmarks/bench_loop_cost.py            # the tables, also written to RESULTS_loop.md
    BENCH_LOOP_PROFILE=10 .venv/bin/python benchmarks/bench_loop_cost.py --loop   # one loop, for py-spy
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import install_kernel_comm, make_step

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STEPS = int(os.environ.get("BENCH_LOOP_STEPS", 4000))
REPEATS = int(os.environ.get("BENCH_LOOP_REPEATS", 5))
ROUNDS = int(os.environ.get("BENCH_LOOP_ROUNDS", 2))
METRICS = [int(m) for m in os.environ.get("BENCH_LOOP_METRICS", "1,10,50").split(",")]
BEFORE = os.environ.get("BENCH_LOOP_BEFORE", "5abae3f")
INTERVAL = 0.25

#: (label, input width, hidden width, batch): ~0.2 ms and ~1 ms per step here with one torch thread
MODELS = [("~0.2 ms step", 16, 32, 16), ("~1 ms step", 64, 256, 128)]
if os.environ.get("BENCH_LOOP_MODELS"):  # e.g. "0" for the small step only
    MODELS = [MODELS[int(i)] for i in os.environ["BENCH_LOOP_MODELS"].split(",")]


def loop_plain(step) -> None:
    for _ in range(STEPS):
        step()


def make_widget(step, metrics: int):
    """A displayed widget whose panels exist (an earlier cell, or the run's first steps): outside the timing."""
    from lossplot_widget import LiveLossWidget

    w = LiveLossWidget(refresh_interval=INTERVAL)
    w.widget  # displayed: frames go to the comm
    w.log(loss=step(), **{f"metric{k}": 1.0 for k in range(1, metrics)})
    w.flush()
    return w


def loop_widget(step, w, metrics: int) -> int:
    names = [f"metric{k}" for k in range(1, metrics)]
    sent = w.frames_sent
    for i in range(STEPS):
        loss = step()
        w.log(loss=loss, **{name: 1.0 / (i + k + 1) for k, name in enumerate(names)})
    w.flush()  # the final frame is part of the run
    return w.frames_sent - sent


def worker() -> dict:
    import torch

    torch.set_num_threads(1)
    install_kernel_comm()
    import lossplot_widget  # noqa: F401  (imported outside the timing)

    out: dict[str, Any] = {}
    rng = random.Random(os.getpid())
    for label, d_in, hidden, batch in MODELS:
        step = make_step(d_in, hidden, batch)
        for _ in range(500):
            step()
        variants = ["plain"] + [f"m{m}" for m in METRICS]
        ratios: dict[str, list[float]] = {v: [] for v in variants}
        plain_ms: list[float] = []
        frames: dict[str, list[int]] = {v: [] for v in variants}
        for _ in range(REPEATS):
            order = variants[:]
            rng.shuffle(order)
            cpu = {}
            for v in order:
                w = None if v == "plain" else make_widget(step, int(v[1:]))
                c = time.process_time()
                if w is None:
                    loop_plain(step)
                else:
                    frames[v].append(loop_widget(step, w, int(v[1:])))
                cpu[v] = time.process_time() - c
                if w is not None:
                    w.close()
            plain_ms.append(cpu["plain"] / STEPS * 1e3)
            for v in variants:
                ratios[v].append(cpu[v] / cpu["plain"])
        out[label] = {"ratios": ratios, "plain_ms": plain_ms, "frames": frames}
    out["log_ns"] = log_ns(make_step(*MODELS[0][1:]))
    return out


def log_ns(step) -> dict[str, float]:
    """Median ns per ``log()`` call, hot (a tight loop of calls) and cold (one call after each training step,
    which leaves the caches to torch), for one float, a loss tensor, and a tensor plus 9 and 49 floats."""
    from lossplot_widget import LiveLossWidget

    clock = time.perf_counter_ns
    out = {}
    for label, extra, tensor in (("1 float", 0, False), ("1 tensor", 0, True), ("tensor + 9 floats", 9, True),
                                 ("tensor + 49 floats", 49, True)):
        w = LiveLossWidget(refresh_interval=3600)  # no frames: log() alone
        more = {f"metric{k}": 0.5 for k in range(1, extra + 1)}
        x = step() if tensor else 0.5
        hot = []
        for _ in range(20):
            t = clock()
            for _ in range(200):
                w.log(loss=x, **more)
            hot.append((clock() - t) / 200)
        cold = []
        for _ in range(2000):
            loss = step()
            value = loss if tensor else 0.5
            t = clock()
            w.log(loss=value, **more)
            cold.append(clock() - t)
        w.close()
        out[f"{label}, hot"] = sorted(hot)[len(hot) // 2]
        out[f"{label}, after a step"] = sorted(cold)[len(cold) // 2]
    return out


def _run(tree: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tree), str(HERE)]))
    proc = subprocess.run([sys.executable, __file__, "--worker"], env=env, capture_output=True, text=True,
                          cwd=str(HERE), check=False)
    if proc.returncode:
        raise RuntimeError(f"worker on {tree} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run() -> tuple[str, dict]:
    from statistics import median

    from _common import table

    pooled: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", BEFORE, "lossplot_widget"], cwd=ROOT, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        trees = {"before": Path(tmp), "after": ROOT}
        for r in range(ROUNDS):
            for tag in (("before", "after") if r % 2 == 0 else ("after", "before")):
                res = _run(trees[tag])
                pooled.setdefault(tag, {}).setdefault("log_ns", {})
                for k, v in res.pop("log_ns").items():
                    pooled[tag]["log_ns"].setdefault(k, []).append(v)
                for label, d in res.items():
                    slot = pooled.setdefault(tag, {}).setdefault(label, {"ratios": {}, "plain_ms": [], "frames": {}})
                    slot["plain_ms"] += d["plain_ms"]
                    for v, xs in d["ratios"].items():
                        slot["ratios"].setdefault(v, []).extend(xs)
                        slot["frames"].setdefault(v, []).extend(d["frames"][v])
    rows, metrics = [], {}
    logs = {tag: pooled[tag].pop("log_ns") for tag in pooled}  # {call: [median ns of each worker]}
    log_rows = [[k, median(logs["before"][k]), median(logs["after"][k])] for k in logs["after"]]
    metrics["log_ns"] = {k: {"before": b, "after": a} for k, b, a in log_rows}
    for label, *_ in MODELS:
        for m in METRICS:
            v = f"m{m}"
            b = pooled["before"][label]
            a = pooled["after"][label]
            rb, ra = median(b["ratios"][v]), median(a["ratios"][v])
            step_ms = median(a["plain_ms"] + b["plain_ms"])
            rows.append([label, m, step_ms, rb, ra, (rb - 1) * step_ms * 1e3, (ra - 1) * step_ms * 1e3,
                         median(b["frames"][v]), median(a["frames"][v])])
            metrics[f"{label}, {m}"] = {"before": rb, "after": ra, "step_ms": step_ms,
                                        "before_all": b["ratios"][v], "after_all": a["ratios"][v]}
    n = REPEATS * ROUNDS
    text = (
        f"### Loop cost: whole-process CPU ratio to the plain loop ({STEPS:,} steps, 1 torch thread, frames "
        f"serialized as a kernel does; median of {n} repeats per variant over {2 * ROUNDS} alternating worker "
        f"processes; before = {BEFORE}, after = this tree)\n\n"
        + table(["step", "metrics per step", "plain ms/step", "ratio before", "ratio after", "us/step before",
                 "us/step after", "frames before", "frames after"], rows)
        + "\n\n`log()` alone, median ns per call (no frames; hot: 200 calls in a row; after a step: one call after "
        "each ~0.2 ms training step, as in a loop)\n\n"
        + table(["call", "ns before", "ns after"], log_rows)
    )
    return text, metrics


if __name__ == "__main__":
    if "--worker" in sys.argv:
        print(json.dumps(worker()))
    elif "--loop" in sys.argv:  # one long widget loop to profile (py-spy record -- python ... --loop)
        import torch

        torch.set_num_threads(1)
        install_kernel_comm()
        label = os.environ.get("BENCH_LOOP_MODEL", MODELS[0][0])
        step = make_step(*next(m[1:] for m in MODELS if m[0] == label))
        m = int(os.environ.get("BENCH_LOOP_PROFILE", 10))
        from lossplot_widget import LiveLossWidget

        LiveLossWidget().widget  # imports (bqplot, pandas, ...) outside the profiled loops
        w = make_widget(step, m)
        loop_plain(step)  # the same number of plain steps: samples under loop_plain vs loop_widget
        print("frames", loop_widget(step, w, m))
    else:
        import datetime

        from _common import machine

        text, _ = run()
        print(text)
        out = HERE / "RESULTS_loop.md"
        out.write_text(
            f"# Loop cost\n\nGenerated by `benchmarks/bench_loop_cost.py` on "
            f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC.\n\n**Machine**: {machine()}\n\n"
            + text + "\n\nWhere the time goes, and what bounds the targets: `benchmarks/NOTES.md` (\"The loop's cost\").\n"
        )
