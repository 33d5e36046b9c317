"""Frame build time and bytes sent per frame at 10^3, 10^5 and 10^7 logged points.

A widget is displayed on a recording comm (no browser), its history is loaded with
n points, then one point is logged before each of many frames ("steady state": what
every refresh costs during a long run). `build` is the history -> arrays step
(FrameBuilder.build); `build + send` adds assigning the arrays to the bqplot marks
and serializing them. The first frame after loading n points (which builds the
min/max pyramids and the smoothed series once, O(n)) is reported separately.

Also compares the per-frame decimation step with tsdownsample (Rust, SIMD), which has
to scan the whole series on every frame.
"""

from __future__ import annotations

import os
import time

import numpy as np
from _common import install_recording_comm, median, table, time_frames

SIZES = [int(s) for s in os.environ.get("BENCH_FRAME_SIZES", "1000,100000,10000000").split(",")]
FRAMES = int(os.environ.get("BENCH_FRAMES", 30))
MAX_POINTS = 2000


def _series(n: int) -> np.ndarray:
    rng = np.random.default_rng(n)
    y = 1.0 / np.sqrt(1.0 + np.arange(n)) + rng.normal(size=n) * 0.01
    y[n // 3] = 25.0  # a spike
    y[n // 2] = np.nan  # a gap
    return y


def frames_at(n: int) -> dict:
    from lossplot_widget import LiveLossWidget

    w = LiveLossWidget(smoothing=0.6, max_points=MAX_POINTS, refresh_interval=3600)
    y = _series(n)
    steps = np.arange(n)
    w.history.load("loss", steps, np.zeros(n), steps * 1e-3, y)
    t = time.perf_counter()
    w.widget  # display: the first frame builds the pyramids and the smoothed series
    cold = time.perf_counter() - t
    builder = w._builder
    marks = w._view.panels["loss"].marks("loss")
    timed = time_frames(w, FRAMES, lambda i: w.history.load("loss", [n + i], [0.0], [0.0], [0.5]))
    build_t, total_t, sent = timed["build"], timed["total"], timed["bytes"]
    lines = {"raw": len(marks.raw.x), "smoothed": len(marks.smooth.x), "readout": len(marks.readout.x)}

    def wire(a) -> int:  # bytes bqplot sends for an array (int64 goes as int32)
        a = np.asarray(a)
        return len(a) * (4 if a.dtype == np.int64 else a.dtype.itemsize)

    return {
        "n": n, "cold_ms": cold * 1e3, "build_ms": median(build_t) * 1e3, "total_ms": median(total_t) * 1e3,
        "bytes": median(sent), "lines": lines, "max_line_bytes": max(wire(m.x) + wire(m.y) for m in (marks.raw, marks.smooth)),
        "pyramid_bytes_per_point": builder.track("loss").nbytes / n,
    }


def decimation_at(n: int) -> dict:
    """Per-frame decimation cost of one series of n points: pyramid vs tsdownsample vs numpy."""
    from decimate import minmax_indices

    from lossplot_widget.render.pyramid import MinMaxPyramid

    y = _series(n)
    out: dict = {"n": n}
    p = MinMaxPyramid(lambda a, b: y[a:b])
    t = time.perf_counter()
    p.extend(y)
    out["pyramid_build_ns_per_point"] = (time.perf_counter() - t) / n * 1e9
    buckets = (MAX_POINTS - 2) // 3

    def timed(f, reps=15):
        ts = []
        for _ in range(reps):
            t = time.perf_counter()
            r = f()
            ts.append(time.perf_counter() - t)
        return median(ts) * 1e3, r

    out["pyramid_ms"], (idx, _) = timed(lambda: p.select(0, n, buckets))
    out["pyramid_keeps"] = bool(n // 3 in idx and n // 2 in idx)
    out["numpy_ms"], idx = timed(lambda: minmax_indices(y, MAX_POINTS), reps=5)
    try:
        from tsdownsample import MinMaxLTTBDownsampler, NaNM4Downsampler, NaNMinMaxLTTBDownsampler
    except ImportError:
        return out
    if n > MAX_POINTS:
        for name, ds in (
            ("minmaxlttb", MinMaxLTTBDownsampler()),
            ("nanminmaxlttb", NaNMinMaxLTTBDownsampler()),
            ("nanm4", NaNM4Downsampler()),
        ):
            out[f"{name}_ms"], idx = timed(lambda: ds.downsample(y, n_out=MAX_POINTS))
            out[f"{name}_keeps"] = bool(n // 3 in idx and n // 2 in idx)
    return out


def run() -> tuple[str, dict]:
    install_recording_comm()
    rows, dec_rows, metrics = [], [], {}
    for n in SIZES:
        r = frames_at(n)
        rows.append([
            n, r["cold_ms"], r["build_ms"], r["total_ms"], r["bytes"],
            f'{r["lines"]["raw"]}/{r["lines"]["smoothed"]}/{r["lines"]["readout"]}', r["max_line_bytes"],
            r["pyramid_bytes_per_point"],
        ])
        metrics[n] = r
        d = decimation_at(n)
        metrics[f"dec{n}"] = d
        dec_rows.append([
            n, d["pyramid_ms"], d.get("minmaxlttb_ms", float("nan")), d.get("nanminmaxlttb_ms", float("nan")),
            d.get("nanm4_ms", float("nan")), d["numpy_ms"], d["pyramid_build_ns_per_point"],
            "yes" if d["pyramid_keeps"] else "NO",
            {True: "yes", False: "NO", None: "–"}[d.get("nanminmaxlttb_keeps")],
        ])
    text = (
        f"### 2. Frame build time and bytes per frame (smoothing on, max_points={MAX_POINTS}, "
        f"median of {FRAMES} frames, one new point per frame)\n\n"
        + table(
            ["points", "first frame ms", "build ms", "build + send ms", "bytes/frame (all marks)",
             "points raw/smoothed/readout", "max bytes per line", "pyramid+EMA bytes/point"],
            rows,
        )
        + "\n\n#### Decimation per frame: incremental pyramid vs tsdownsample (one series, "
        f"{MAX_POINTS} points out)\n\n"
        + table(
            ["points", "pyramid select ms", "MinMaxLTTB ms", "NaNMinMaxLTTB ms", "NaNM4 ms",
             "numpy min/max ms (old frames.py)", "pyramid append ns/point", "pyramid keeps spike+NaN",
             "NaNMinMaxLTTB keeps spike+NaN"],
            dec_rows,
        )
    )
    return text, metrics


if __name__ == "__main__":
    print(run()[0])
