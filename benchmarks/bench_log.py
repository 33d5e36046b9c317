"""log() cost per call: Python floats, numpy scalars, CPU torch tensors (10^6 calls, median of runs).

Includes everything a call costs amortized: validation, the append, and the commits
into numpy columns every 4,096 points (torch tensors are converted there, one stacked
transfer per commit). No view is displayed, so no frame is drawn.
"""

from __future__ import annotations

import os
import time

import numpy as np
from _common import median, table

CALLS = int(os.environ.get("BENCH_LOG_CALLS", 1_000_000))
RUNS = int(os.environ.get("BENCH_RUNS", 3))


def _values(kind: str) -> list:
    base = np.random.default_rng(0).random(1000)
    if kind == "Python float":
        return base.tolist()
    if kind == "numpy float64":
        return list(base)
    if kind == "numpy float32":
        return list(base.astype(np.float32))
    import torch

    return [torch.tensor(v, dtype=torch.float32) for v in base.tolist()]


def _one_run(values: list) -> tuple[float, float]:
    from lossplot_widget import LiveLossWidget

    w = LiveLossWidget(refresh_interval=3600)  # log() itself: no frame after the first (bench_training counts frames)
    log = w.log
    vals = (values * (CALLS // len(values) + 1))[:CALLS]
    wall, cpu = time.perf_counter(), time.process_time()
    for v in vals:
        log(loss=v)
    w.history.commit()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert len(w.history["loss"]) == CALLS
    return wall / CALLS * 1e9, cpu / CALLS * 1e9


def run() -> tuple[str, dict]:
    kinds = ["Python float", "numpy float64", "numpy float32", "torch CPU 0-d tensor"]
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in kinds}
    for _ in range(RUNS):  # interleaved: machine noise hits every kind alike
        for k in kinds:
            results[k].append(_one_run(_values(k)))
    rows = []
    metrics = {}
    for k in kinds:
        wall = median([r[0] for r in results[k]])
        cpu = median([r[1] for r in results[k]])
        rows.append([k, cpu, wall, min(r[1] for r in results[k])])
        metrics[k] = cpu
    text = (
        f"### 1. `log()` cost per call ({CALLS:,} calls per run, median of {RUNS} runs)\n\n"
        + table(["value type", "CPU ns/call (median)", "wall ns/call (median)", "CPU ns/call (best)"], rows)
    )
    return text, metrics


if __name__ == "__main__":
    print(run()[0])
