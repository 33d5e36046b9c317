"""Frame cost and bytes per frame with 1, 5 and 20 runs of 2 metrics at 10^5 points each.

A widget is displayed on a recording comm (no browser). Every run holds ``loss`` (10^5 points) and
``val_loss`` (one point per 1,000 steps). Two steady states are measured, one frame after each logged
step, medians over ``BENCH_FRAMES`` frames:

- *sweep*: the runs before the last are finished; only the last run logs (a learning-rate sweep);
- *parallel*: every run logs one point per frame (runs trained side by side).

``build`` is the history -> arrays step (``FrameBuilder.build``); ``build + send`` adds assigning the
arrays to the bqplot marks and serializing them; ``bytes`` are the binary buffers sent per frame.
Run: ``python benchmarks/bench_runs.py`` (``BENCH_RUNS=1,5,20``, ``BENCH_POINTS=100000``).
"""

from __future__ import annotations

import os
import time

import numpy as np
from _common import install_recording_comm, median, table, time_frames

RUNS = [int(s) for s in os.environ.get("BENCH_RUNS", "1,5,20").split(",")]
POINTS = int(os.environ.get("BENCH_POINTS", 100_000))
FRAMES = int(os.environ.get("BENCH_FRAMES", 20))


def measure(n_runs: int, parallel: bool) -> dict:
    from lossplot_widget import LiveLossWidget

    w = LiveLossWidget(smoothing=0.6, refresh_interval=3600)
    rng = np.random.default_rng(n_runs)
    steps = np.arange(POINTS)
    runs = []
    for k in range(n_runs):
        run = w.run(f"lr={10 ** -(1 + k / 4):.3g}", config={"lr": 10 ** -(1 + k / 4)})
        y = 1.0 / np.sqrt(1.0 + steps) * (1 + k / 10) + rng.normal(size=POINTS) * 0.01
        run.history.load("loss", steps, steps // 10_000, steps * 1e-3, y)
        vsteps = steps[999::1000]
        run.history.load("val_loss", vsteps, vsteps // 10_000, vsteps * 1e-3, y[vsteps] + 0.1)
        if k < n_runs - 1 and not parallel:
            run.finish()
        runs.append(run)
    t = time.perf_counter()
    w.widget  # display: the first frame builds every run's pyramids
    cold = time.perf_counter() - t
    logging = runs if parallel else runs[-1:]

    def log_one(i: int) -> None:
        for run in logging:
            run.history.load("loss", [POINTS + i], [10.0], [POINTS * 1e-3], [0.5])

    timed = time_frames(w, FRAMES, log_one)
    frame = timed["frame"]
    build_t, total_t, sent, messages = timed["build"], timed["total"], timed["bytes"], timed["messages"]
    fresh = sum(sf.fresh for series in frame.panels.values() for sf in series)
    return {
        "runs": n_runs, "mode": "parallel" if parallel else "sweep", "cold_ms": cold * 1e3,
        "build_ms": median(build_t) * 1e3, "total_ms": median(total_t) * 1e3, "bytes": median(sent),
        "messages": median(messages), "changed_lines": fresh, "lines": sum(len(s) for s in frame.panels.values()),
    }


def main() -> str:
    install_recording_comm()
    rows = [measure(r, parallel) for parallel in (False, True) for r in RUNS]
    return (
        f"## Runs: frame cost with 2 metrics x {POINTS:,} points per run (median of {FRAMES} frames)\n\n"
        + table(
            ["runs", "mode", "first frame ms", "build ms", "build + send ms", "bytes/frame", "messages/frame",
             "series rebuilt/frame"],
            [[r["runs"], r["mode"], r["cold_ms"], r["build_ms"], r["total_ms"], r["bytes"], r["messages"],
              f"{r['changed_lines']} of {r['lines']}"] for r in rows],
        )
    )


if __name__ == "__main__":
    print(main())
