"""Hundreds of metrics: widgets made, the cell's time, the final flush and the bytes sent, before and after.

The shape of Lightning's ``grad_norm()`` logging: ``loss`` every step, ``val_loss`` every 10 steps, and
``N - 2`` metrics ``grad_2.0_norm/layers.<i>.weight`` every step, for 30 steps, into a displayed widget
whose frames go through a comm that serializes every message as a kernel's session does (JSON, HMAC,
buffers). Per metric count, one fresh worker process per tree:

- **widgets**: ipywidgets open after the cell (bqplot marks, scales, layouts and styles count: each is a
  model the page builds and a comm the kernel keeps), minus those of an empty displayed widget's process
  before it was made;
- **cell s**: what the widget adds to the cell: the 30 steps (``STEP_S`` of sleep each, left out of the
  figure) with their frames drawn inline, and the final ``flush()``;
- **flush s**: that final ``flush()`` alone;
- **kB sent**: every message of the cell, serialized (model creation included), and the largest frame;
- then (this tree only) the frames that open the section and overlay it: seconds, kB and widgets.

"Before" is ``BENCH_METRICS_BEFORE`` exported with ``git archive``; "after" is this checkout.

    .venv/bin/python benchmarks/bench_metrics.py     # the table, also written to RESULTS_metrics.md
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
COUNTS = [int(m) for m in os.environ.get("BENCH_METRICS_COUNTS", "10,300,1000,3000").split(",")]
BEFORE = os.environ.get("BENCH_METRICS_BEFORE", "7bf83b4")
STEPS = 30
#: seconds of "training" per step (a sleep): frames are drawn inline while the cell runs, as in a real loop
STEP_S = float(os.environ.get("BENCH_METRICS_STEP_S", 0.05))


def names(count: int) -> list[str]:
    """``count`` metric names as a per-parameter gradient-norm logger makes them (loss and val_loss first)."""
    return [f"grad_2.0_norm/layers.{i}.weight" for i in range(max(0, count - 2))]


def worker(count: int) -> dict[str, Any]:
    import ipywidgets as widgets
    from _common import SENT, install_kernel_comm

    install_kernel_comm()

    from lossplot_widget import LiveLossWidget

    LiveLossWidget().widget.close()  # imports and class set-up outside the figures
    from ipywidgets.widgets import widget as widget_module

    live = getattr(widget_module, "_instances", None)  # ipywidgets 8.1: model id -> live widget
    if live is None:
        live = widgets.Widget.widgets
    open_before = len(live)
    w = LiveLossWidget(refresh_interval=0.25)
    w.widget  # displayed: frames go to the comm
    grads = names(count)
    SENT.reset()
    frame_bytes = []
    t0 = time.perf_counter()
    for step in range(STEPS):
        sent = SENT.bytes
        w.log(loss=1.0 / (step + 1), **{g: (i + 1) / (step + 1) for i, g in enumerate(grads)})
        if step % 10 == 9:
            w.log_epoch(val_loss=1.2 / (step + 1))
        frame_bytes.append(SENT.bytes - sent)
        time.sleep(STEP_S)
    t1 = time.perf_counter()
    sent = SENT.bytes
    w.flush()
    t2 = time.perf_counter()
    frame_bytes.append(SENT.bytes - sent)
    result = {
        "widgets": len(live) - open_before, "cell_s": t2 - t0 - STEPS * STEP_S, "flush_s": t2 - t1,
        "sent_kb": SENT.bytes / 1e3, "messages": SENT.messages, "largest_kb": max(frame_bytes) / 1e3,
        "frames": w.frames_sent, "kept": sum(len(w.history[n]) for n in w.history.names),
    }
    section = "grad_2.0_norm"
    if hasattr(w, "open_section") and grads:  # the person opens the section, then overlays it
        for label, kw in (("open", {}), ("overlay", {"overlay": True})):
            sent = SENT.bytes
            t = time.perf_counter()
            w.open_section(section, **kw)
            result[f"{label}_s"] = time.perf_counter() - t
            result[f"{label}_kb"] = (SENT.bytes - sent) / 1e3
            result[f"{label}_widgets"] = len(live) - open_before
    return result


def _run(tree: Path, count: int) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tree), str(HERE)]))
    proc = subprocess.run([sys.executable, __file__, "--worker", str(count)], env=env, capture_output=True,
                          text=True, cwd=str(HERE), check=False)
    if proc.returncode:
        raise RuntimeError(f"worker on {tree} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run() -> tuple[str, dict[str, Any]]:
    from _common import table

    results: dict[str, dict[int, dict[str, Any]]] = {"before": {}, "after": {}}
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", BEFORE, "lossplot_widget"], cwd=ROOT, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        trees = {"before": Path(tmp), "after": ROOT}
        for count in COUNTS:  # before and after side by side for each count
            for tag in ("before", "after"):
                results[tag][count] = _run(trees[tag], count)
                print(tag, count, results[tag][count], file=sys.stderr, flush=True)
    rows = []
    for count in COUNTS:
        b, a = results["before"][count], results["after"][count]
        rows.append([count, b["widgets"], a["widgets"], b["cell_s"], a["cell_s"], b["flush_s"], a["flush_s"],
                     b["sent_kb"], a["sent_kb"], b["largest_kb"], a["largest_kb"], b["kept"], a["kept"]])
    opened = [[c, results["after"][c].get("open_s"), results["after"][c].get("open_kb"),
               results["after"][c].get("open_widgets"), results["after"][c].get("overlay_s"),
               results["after"][c].get("overlay_kb"), results["after"][c].get("overlay_widgets")]
              for c in COUNTS if "open_s" in results["after"][c]]
    text = (
        f"### Hundreds of metrics: loss, val_loss and N-2 `grad_2.0_norm/layers.<i>.weight`, {STEPS} steps, "
        f"frames serialized as a kernel does (before = {BEFORE}, after = this tree)\n\n"
        + table(["metrics", "widgets before", "widgets after", "cell s before", "cell s after", "flush s before",
                 "flush s after", "kB sent before", "kB sent after", "largest frame kB before",
                 "largest frame kB after", "points kept before", "points kept after"], rows)
        + "\n\nAfter the cell, the person opens the section (its first page of 12 panels), then overlays it (one "
        "panel, every series): the time of that frame, what it sends and the widgets then open\n\n"
        + table(["metrics", "open s", "open kB", "widgets", "overlay s", "overlay kB", "widgets "], opened)
    )
    return text, {str(k): {t: results[t][k] for t in results} for k in COUNTS}


if __name__ == "__main__":
    if "--worker" in sys.argv:
        print(json.dumps(worker(int(sys.argv[-1]))))
    else:
        import datetime

        from _common import machine

        text, _ = run()
        print(text)
        (HERE / "RESULTS_metrics.md").write_text(
            f"# Hundreds of metrics\n\nGenerated by `benchmarks/bench_metrics.py` on "
            f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC.\n\n**Machine**: {machine()}\n\n"
            + text + "\n"
        )
