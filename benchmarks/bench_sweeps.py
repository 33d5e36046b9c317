"""Sweeps: frame cost at 50 and 300 trials, the run table at 300 runs, the Ray Tune callback per result.

A widget is displayed on a recording comm (no browser). Each trial is a run holding ``loss`` (100 points); every
trial but the last has ended; the last one logs a point before each frame (a sweep's running trial). Medians over
``BENCH_FRAMES`` frames:

- *first frame*: the display of the whole sweep (every run's curve built and sent once);
- *build* (history -> arrays) and *build + send* (arrays assigned to the marks, serialized), *bytes* and
  *messages* per frame, *comms*: the widgets (models) the view holds after the sweep was drawn;
- *run table*: its ``show()`` per frame and the rows (widgets) it holds.

With ``BENCH_BASELINE=<git revision>`` the same measurement runs on that revision too (a ``git worktree`` in a
temporary folder), side by side in this run. The Ray Tune callback's cost is its ``on_trial_result`` per result
(4 trials, 3 metrics, a real ``ray.tune`` Trial object; Ray itself is not started). Writes
``benchmarks/RESULTS_sweeps.md``. Run: ``python benchmarks/bench_sweeps.py``.
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
FRAMES = int(os.environ.get("BENCH_FRAMES", 20))
TRIALS = [int(s) for s in os.environ.get("BENCH_TRIALS", "50,300").split(",")]


def measure(n: int) -> dict:
    """One sweep of ``n`` trials, measured in this process (whatever ``lossplot_widget`` it imports)."""
    sys.path.insert(0, str(HERE))
    import numpy as np
    from _common import install_recording_comm, median, time_frames

    install_recording_comm()
    from ipywidgets.widgets import widget as widget_module

    from lossplot_widget import LiveLossWidget

    before = len(widget_module._instances)
    w = LiveLossWidget(store=None, refresh_interval=3600)
    runs = []
    for k in range(n):
        r = w.run(f"trial-{k}", config={"lr": 10 ** -(1 + k / 100), "width": 32 * (1 + k % 4)})
        steps = np.arange(100)
        r.history.load("loss", steps, steps // 10, steps * 1e-2, 1 / (1 + steps) + (k * 37 % n) / n)
        if k < n - 1:
            r.finish("finished")
        runs.append(r)
    if hasattr(w, "rank_by"):
        w.rank_by("loss", "min")
    t = time.perf_counter()
    w.widget
    cold = time.perf_counter() - t

    def log_one(i: int) -> None:
        runs[-1].history.load("loss", [100 + i], [10.0], [1.0 + i], [0.5 - i * 1e-3])

    timed = time_frames(w, FRAMES, log_one)
    table = w._view.run_table
    frame = timed["frame"]
    shows = []
    for _ in range(FRAMES):
        t = time.perf_counter()
        table.show(frame)
        shows.append(time.perf_counter() - t)
    rows = len(table.body.children)
    return {
        "trials": n, "first_ms": cold * 1e3, "build_ms": median(timed["build"]) * 1e3,
        "total_ms": median(timed["total"]) * 1e3, "bytes": median(timed["bytes"]),
        "messages": median(timed["messages"]), "comms": len(widget_module._instances) - before,
        "table_ms": median(shows) * 1e3, "rows": rows,
    }


def measure_tree(tree: Path, n: int) -> dict:
    """:func:`measure` in a subprocess importing ``lossplot_widget`` from ``tree``."""
    code = f"import json, sys; sys.path.insert(1, {str(HERE)!r}); import bench_sweeps as b; " \
           f"import lossplot_widget; assert lossplot_widget.__file__.startswith({str(tree)!r}), lossplot_widget.__file__; " \
           f"print(json.dumps(b.measure({n})))"
    env = {**os.environ, "PYTHONPATH": str(tree), "LOSSPLOT_STORE": "off"}
    # run in the tree: ``-c`` puts the working directory first on sys.path (before an editable install's path)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                         cwd=tree)
    return json.loads(out.stdout.strip().splitlines()[-1])


def ray_callback_cost(results: int = 2000) -> dict:
    """Seconds of ``LiveLossCallback.on_trial_result`` per result (median of batches of 100)."""
    from _common import median
    from ray.tune.experiment import Trial

    from lossplot_widget import LiveLossWidget
    from lossplot_widget.ray import LiveLossCallback

    w = LiveLossWidget(store=None, refresh_interval=3600)
    cb = LiveLossCallback(w, metric="loss", mode="min")
    trials = [Trial("fn", config={"lr": 10.0 ** -k, "width": 64}, stub=True) for k in range(4)]
    for t in trials:
        cb.on_trial_start(0, trials, t)
    batches = []
    i = 0
    while i < results:
        t0 = time.perf_counter()
        for _ in range(100):
            trial = trials[i % 4]
            step = i // 4 + 1
            cb.on_trial_result(i, trials, trial, {
                "loss": 1.0 / step, "acc": 1 - 1.0 / step, "val_loss": 1.1 / step, "training_iteration": step,
                "time_this_iter_s": 0.01, "time_total_s": 0.01 * step, "timestamp": 0, "pid": 1, "done": False,
                "trial_id": trial.trial_id, "config": dict(trial.config), "date": "", "hostname": "h",
            })
            i += 1
        batches.append((time.perf_counter() - t0) / 100)
    return {"per_result_us": median(batches) * 1e6, "results": i}


def main() -> None:
    sys.path.insert(0, str(HERE))
    from _common import machine, table

    trees = {"this tree": HERE.parent}
    baseline = os.environ.get("BENCH_BASELINE")
    tmp = None
    if baseline:
        tmp = tempfile.mkdtemp()
        subprocess.run(["git", "worktree", "add", "--detach", f"{tmp}/base", baseline], cwd=HERE.parent,
                       check=True, capture_output=True)
        trees[f"baseline {baseline}"] = Path(tmp) / "base"
    rows = []
    try:
        for n in TRIALS:
            for label, tree in trees.items():
                r = measure_tree(tree, n)
                rows.append([label, n, f"{r['first_ms']:.0f}", f"{r['build_ms']:.2f}", f"{r['total_ms']:.2f}",
                             f"{r['bytes']:,.0f}", f"{r['messages']:.0f}", r["comms"], f"{r['table_ms']:.2f}",
                             r["rows"]])
                print(rows[-1], flush=True)
    finally:
        if tmp is not None:
            subprocess.run(["git", "worktree", "remove", "--force", f"{tmp}/base"], cwd=HERE.parent, check=False)
    headers = ["code", "trials", "first frame ms", "build ms", "build + send ms", "bytes/frame", "messages/frame",
               "comms", "run table ms", "table rows"]
    out = [f"# Sweeps benchmark (benchmarks/bench_sweeps.py)\n\nGenerated on "
           f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine()}.\n",
           f"## Frames with N trials of 100 points, the last one logging (median of {FRAMES} frames)\n",
           table(headers, rows)]
    try:
        cost = ray_callback_cost()
        out += ["\n## Ray Tune: LiveLossCallback.on_trial_result per result (4 trials, 3 metrics)\n",
                table(["results", "median per result (us)"], [[cost["results"], f"{cost['per_result_us']:.1f}"]])]
        print(cost, flush=True)
    except ImportError as exc:
        out.append(f"\n(Ray Tune not installed: {exc})\n")
    text = "\n".join(out) + "\n"
    (HERE / "RESULTS_sweeps.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
