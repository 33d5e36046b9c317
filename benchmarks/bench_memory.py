"""Memory per logged point at 10^7 points (one series logged with log(), then displayed).

Two measures: the bytes the data structures hold (numpy columns with their growth slack,
Python buffers, min/max pyramids and smoothing checkpoints), and the growth of the
process' resident memory (RSS) from before the first log() to after the first frame
(another widget is displayed first, so importing the view code is not counted).
"""

from __future__ import annotations

import gc
import os
import time

import numpy as np
from _common import install_recording_comm, table

POINTS = int(os.environ.get("BENCH_MEMORY_POINTS", 10_000_000))


def _rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def run() -> tuple[str, dict]:
    install_recording_comm()
    from lossplot_widget import LiveLossWidget

    values = np.random.default_rng(0).random(1000).tolist()
    warm = LiveLossWidget()  # import and build the view code once: not memory per point
    warm.log(loss=1.0)
    warm.widget
    w = LiveLossWidget(smoothing=0.6, refresh_interval=3600)  # no frames while logging: memory per point
    w.log(loss=0.0)  # create the series before measuring
    gc.collect()
    rss0 = _rss()
    log = w.log
    t = time.process_time()
    for i in range(POINTS - 1):
        log(loss=values[i % 1000])
    log_s = time.process_time() - t
    w.history.commit()
    t = time.perf_counter()
    w.flush()  # the next frame: builds the pyramids and the smoothed series
    frame_s = time.perf_counter() - t
    gc.collect()
    rss = _rss() - rss0
    s = w.history["loss"]
    columns = s.nbytes
    exact = len(s) * (8 + 8 + 4)
    track = w._builder.track("loss").nbytes
    rows = [
        ["history columns (values f64, steps i64, times f32), allocated", columns / POINTS],
        ["  of which growth slack (capacity beyond the points)", (columns - exact) / POINTS],
        ["min/max pyramids (raw, smoothed) + smoothing checkpoints", track / POINTS],
        ["total held by data structures", (columns + track) / POINTS],
        ["process RSS growth (after gc, includes allocator slack)", rss / POINTS],
    ]
    text = (
        f"### 4. Memory per logged point ({POINTS:,} points of one series via log(), then displayed)\n\n"
        + table(["what", "bytes/point"], rows)
        + f"\n\nLogging took {log_s:.1f} s of CPU ({log_s / POINTS * 1e9:.0f} ns/point); the first frame "
        f"(pyramids + smoothing of all {POINTS:,} points) {frame_s:.2f} s."
    )
    return text, {"structures": (columns + track) / POINTS, "rss": rss / POINTS, "columns": columns / POINTS,
                  "first_frame_s": frame_s}


if __name__ == "__main__":
    print(run()[0])
