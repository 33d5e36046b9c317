"""Many series: frame cost in the kernel and bytes per frame for 1, 10 and 50 series of 10^5 points.

Each series is its own metric (its own panel), loaded with 10^5 points; then, before each
of many frames, one point is logged to every series (the steady state of a run that logs ten
or fifty metrics per step) and the widget draws a frame the way its frame loop does
(``_frames.draw``), spaced ``refresh_interval`` apart so a byte-per-second budget refills as in a
real run. Reported: kernel milliseconds per frame (build + assign + serialize), bytes per frame
(binary buffers a browser would receive), bytes per second, bytes per drawn point, and how many
series a frame refreshes.

"Before and after in one run": the same worker runs on the code of an earlier commit
(``BENCH_BUDGET_BEFORE``, default the commit before the frame budget) exported with
``git archive`` into a temporary directory, and on this checkout, one after the other.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SERIES = [int(s) for s in os.environ.get("BENCH_BUDGET_SERIES", "1,10,50").split(",")]
POINTS = int(os.environ.get("BENCH_BUDGET_POINTS", 100_000))
FRAMES = int(os.environ.get("BENCH_BUDGET_FRAMES", 24))
BEFORE = os.environ.get("BENCH_BUDGET_BEFORE", "4d99463")


def worker() -> dict:
    """Runs inside a subprocess whose ``sys.path`` starts with the tree under test."""
    import numpy as np
    from _common import RecordingComm, install_recording_comm, median

    install_recording_comm()
    from lossplot_widget import LiveLossWidget

    out: dict = {}
    rng = np.random.default_rng(0)
    for n_series in SERIES:
        w = LiveLossWidget(smoothing=0.6, refresh_interval=0.25)
        steps = np.arange(POINTS)
        for k in range(n_series):
            y = 1.0 / np.sqrt(1.0 + steps) + rng.normal(size=POINTS) * 0.01
            w.history.load(f"metric{k:02d}", steps, np.zeros(POINTS), steps * 1e-3, y)
        w.widget  # first frame: builds pyramids and smoothing of every series
        w._frames.cancel()
        ms, sent, fresh, points = [], [], [], []
        for i in range(FRAMES):
            for k in range(n_series):
                w.history.load(f"metric{k:02d}", [POINTS + i], [0.0], [(POINTS + i) * 1e-3], [0.5])
            time.sleep(0.25)
            RecordingComm.reset()
            t0 = time.perf_counter()
            w._frames.draw(blocking=True)
            ms.append((time.perf_counter() - t0) * 1e3)
            sent.append(RecordingComm.buffer_bytes)
            view = w._view
            drawn = [m.drawn for p in view.panels.values() for m in p.series.values() if m.drawn is not None]
            fresh.append(sum(1 for sf in drawn if sf.fresh))
            points.append(sum(len(sf.x) + len(sf.smooth_x) + len(sf.readout_x) for sf in drawn if sf.fresh))
        w._frames.cancel()
        def wire(a) -> int:  # bytes bqplot sends for an array (int64 goes as int32)
            a = np.asarray(a)
            return len(a) * (4 if a.dtype == np.int64 else a.dtype.itemsize)

        marks = [mk for p in w._view.panels.values() for s in p.series.values() for mk in s.marks]
        per_point = [sum(wire(mk.x) + wire(mk.y) for mk in marks) / max(1, sum(len(mk.x) for mk in marks))]
        out[n_series] = {
            "frame_ms": median(ms), "bytes": median(sent), "bytes_per_s": sum(sent) / (FRAMES * 0.25),
            "refreshed": median(fresh), "bytes_per_point": median(per_point) if per_point else float("nan"),
            "max_bytes": max(sent), "rate": getattr(w, "bytes_per_second", 0), "frame_budget": getattr(w, "frame_bytes", 0),
        }
        w.close()
    return out


def _run(tree: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tree), str(HERE)]))
    proc = subprocess.run(
        [sys.executable, __file__, "--worker"], env=env, capture_output=True, text=True, cwd=str(HERE),
        check=False,
    )
    if proc.returncode:
        raise RuntimeError(f"worker on {tree} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run() -> tuple[str, dict]:
    from _common import table

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", BEFORE, "lossplot_widget"], cwd=ROOT, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        results["before"] = _run(Path(tmp))
    results["after"] = _run(ROOT)
    rows = []
    for n in SERIES:
        for label in ("before", "after"):
            r = results[label][str(n)]
            rows.append([n, f"{label} ({BEFORE})" if label == "before" else "after (this tree)", r["frame_ms"],
                         r["bytes"], r["max_bytes"], r["bytes_per_s"], r["refreshed"], r["bytes_per_point"]])
    text = (
        f"### 5. Many series: kernel ms and bytes per frame ({POINTS:,} points per series, one new point per "
        f"series per frame, frames 0.25 s apart, median of {FRAMES} frames; before and after in one run)\n\n"
        + table(["series", "code", "kernel ms/frame", "bytes/frame (median)", "bytes/frame (max)", "bytes/s",
                 "series refreshed/frame", "bytes per drawn point"], rows)
    )
    return text, results


if __name__ == "__main__":
    if "--worker" in sys.argv:
        print(json.dumps(worker()))
    else:
        text, _ = run()
        print(text)
