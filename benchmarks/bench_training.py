"""Training overhead of live plotting, side by side, on a small CPU MLP loop (~1 ms per step).

(a) no plotting; (b) LiveLossWidget: log() every step, live refresh (refresh_interval=0.25 s);
(c) livelossplot 0.6: update() every step and send() at the same cadence as (b) (whenever
0.25 s have passed since the previous send), the figure rendered to PNG as the inline backend
does; (d) naive bqplot: append to Python lists and reassign the whole x and y arrays of a
Lines mark every step. All widgets talk to a recording comm (no browser). The variants run
interleaved, in a shuffled order per repeat, and each is reported as a median ratio to (a).
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import time

import numpy as np
from _common import RecordingComm, install_recording_comm, make_step, median, table

STEPS = int(os.environ.get("BENCH_TRAIN_STEPS", 3000))
REPEATS = int(os.environ.get("BENCH_TRAIN_REPEATS", 5))
INTERVAL = 0.25


def _model():
    return make_step(32, 128, 64)  # a 32-128-128-1 MLP, batch 64


# Each variant: setup (outside the timing, like displaying a widget in an earlier cell), then the
# timed training loop, which ends with the final draw. Besides the loop's total CPU time, each loop
# attributes time to plotting directly, robustly against other processes: the *median* wall time of
# the cheap per-step plotting calls (times the number of steps; a preemption only moves the median
# a little), plus the thread CPU time of every expensive draw (frames, livelossplot's send()).
_clk = time.thread_time_ns
_wall = time.perf_counter_ns


def _clock_pair_ns() -> int:
    samples = []
    for _ in range(2000):
        t = _wall()
        samples.append(_wall() - t)
    return int(np.median(samples))


PAIR_NS = 0  # set in run()


def _attributed(per_call: list[int], draws_ns: int) -> int:
    return int(np.median(per_call) - PAIR_NS) * STEPS + draws_ns if per_call else draws_ns


def run_plain(step):
    def loop() -> dict:
        for _ in range(STEPS):
            step()
        return {"plot_ns": 0}

    return loop


def run_widget(step, metrics: int = 1, background: bool = False):
    from lossplot_widget import LiveLossWidget

    w = LiveLossWidget(refresh_interval=INTERVAL)
    w.widget  # displayed: frames go to the recording comm
    w._frames.background = background  # frames only on the timer thread (the loop only appends)
    names = [f"metric{k}" for k in range(1, metrics)]
    draws = [0, 0]  # count, thread CPU ns
    frames = w._frames
    draw = frames.draw

    def timed_draw(blocking: bool, final: bool = False) -> None:  # every frame, in log() or the timer thread
        t = _clk()
        draw(blocking, final)
        draws[0] += 1
        draws[1] += _clk() - t

    frames.draw = timed_draw  # type: ignore[method-assign]

    def loop() -> dict:
        per_call = []
        for i in range(STEPS):
            loss = step()
            extra = {name: 1.0 / (i + k + 1) for k, name in enumerate(names)}  # lr, grad_norm, ... (floats)
            n = draws[0]
            t = _wall()
            w.log(loss=loss, **extra)  # the tensor itself: converted once per frame, as the README recommends
            if draws[0] == n:  # a call that drew a frame is counted by the frame's CPU time
                per_call.append(_wall() - t)
        w.flush()  # the final frame is part of the run
        return {"frames": w.frames_sent - 1, "plot_ns": _attributed(per_call, draws[1])}

    return loop


def run_livelossplot(step):
    import matplotlib.pyplot as plt
    from livelossplot import PlotLosses
    from livelossplot.outputs import MatplotlibPlot

    png_bytes = []

    def render_png(fig):  # what IPython's inline backend does on plt.show(): a PNG per figure
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        png_bytes.append(buf.tell())
        plt.close(fig)

    plot = PlotLosses(outputs=[MatplotlibPlot(after_plots=render_png)], mode="notebook")

    def loop() -> dict:
        sends, last, per_call, send_ns = 0, time.monotonic(), [], 0
        with contextlib.redirect_stdout(io.StringIO()):  # clear_output() escape codes
            for _ in range(STEPS):
                loss = step()
                t = _wall()
                plot.update({"loss": loss.item()})
                if time.monotonic() - last >= INTERVAL:
                    c = _clk()
                    plot.send()
                    send_ns += _clk() - c
                    sends += 1
                    last = time.monotonic()
                else:
                    per_call.append(_wall() - t)
            c = _clk()
            plot.send()
            send_ns += _clk() - c
        return {"frames": sends + 1, "png_bytes": float(np.mean(png_bytes)),
                "plot_ns": _attributed(per_call, send_ns)}

    return loop


def run_naive_bqplot(step):
    import bqplot

    xs, ys = [], []
    line = bqplot.Lines(x=np.empty(0), y=np.empty(0), scales={"x": bqplot.LinearScale(), "y": bqplot.LinearScale()})
    bqplot.Figure(marks=[line])

    def loop() -> dict:
        spent = 0
        for i in range(STEPS):
            loss = step()
            t = _clk()
            xs.append(i)
            ys.append(loss.item())
            with line.hold_sync():
                line.x = np.array(xs, dtype=np.float64)
                line.y = np.array(ys, dtype=np.float64)
            spent += _clk() - t  # every call is expensive (and growing): thread CPU, summed
        return {"frames": STEPS, "plot_ns": spent}

    return loop


VARIANTS = {
    "(a) no plotting": run_plain,
    "(b) LiveLossWidget, live": run_widget,
    "(c) livelossplot 0.6 update()+send()": run_livelossplot,
    "(d) naive bqplot, whole arrays per step": run_naive_bqplot,
    "(e) LiveLossWidget, 10 metrics per step": lambda step: run_widget(step, metrics=10),
    "(f) as (e), frames on the timer thread only": lambda step: run_widget(step, metrics=10, background=True),
}


def run() -> tuple[str, dict]:
    import torch

    torch.set_num_threads(1)
    global PAIR_NS
    install_recording_comm()
    PAIR_NS = _clock_pair_ns()
    step = _model()
    for _ in range(300):  # warm-up
        step()
    times: dict[str, list[float]] = {k: [] for k in VARIANTS}
    walls: dict[str, list[float]] = {k: [] for k in VARIANTS}
    extra: dict[str, list[dict]] = {k: [] for k in VARIANTS}
    sent: dict[str, list[int]] = {k: [] for k in VARIANTS}
    ratios: dict[str, list[float]] = {k: [] for k in VARIANTS}
    rng = random.Random(0)
    for _ in range(REPEATS):
        order = list(VARIANTS)
        rng.shuffle(order)
        rep = {}
        for name in order:
            loop = VARIANTS[name](step)
            RecordingComm.reset()
            t, c = time.perf_counter(), time.process_time()
            info = loop()
            rep[name] = time.process_time() - c  # CPU of all threads: robust to other processes' load
            walls[name].append(time.perf_counter() - t)
            times[name].append(rep[name])
            extra[name].append(info)
            sent[name].append(RecordingComm.buffer_bytes)
        for name in VARIANTS:  # ratio within a repeat: slow drifts of the machine cancel
            ratios[name].append(rep[name] / rep["(a) no plotting"])
    base = median(times["(a) no plotting"])
    wall_base = median(walls["(a) no plotting"])
    rows, metrics = [], {}
    for name in VARIANTS:
        t = median(times[name])
        r = median(ratios[name])
        frames = median([e.get("frames", 0) for e in extra[name]]) if extra[name][0] else 0
        overhead_ms = (t - base) / STEPS * 1e3
        wall = median(walls[name])
        plot_us = median([e["plot_ns"] for e in extra[name]]) / STEPS / 1e3
        rows.append([name, t / STEPS * 1e3, r, plot_us, overhead_ms * 1e3, wall / wall_base, frames,
                     median(sent[name])])
        metrics[name] = {"ratio": r, "overhead_ms_per_step": overhead_ms, "seconds": t, "plot_us": plot_us,
                         "ratios": ratios[name], "frames": frames, "wall_ratio": wall / wall_base}
    text = (
        f"### 3. Training overhead ({STEPS:,} steps of a 32-128-128-1 MLP, batch 64, 1 torch thread; "
        f"median of {REPEATS} interleaved repeats)\n\n"
        + table(["variant", "CPU ms/step", "CPU ratio to (a)", "plotting CPU us/step (attributed)",
                 "CPU us/step minus (a)", "wall ratio to (a)", "frames drawn", "bytes sent per run"], rows)
        + "\n\nRatios use CPU time of the whole process (all threads, so frames drawn by the widget's timer "
        "thread count); wall time is shown too but on a shared machine it mostly measures other processes. "
        "'Attributed' = median time of the cheap per-step plotting call (`log()`; `update()` incl. `.item()`) "
        "x steps + thread CPU time of every expensive draw (frames; `send()`); for (d) the thread CPU time "
        f"of every append + reassign, summed (clock read cost {PAIR_NS} ns subtracted). "
        "Per-repeat CPU ratios to (a): "
        + "; ".join(k[:3] + " " + ", ".join(f"{x:.3f}" for x in ratios[k]) for k in VARIANTS)
    )
    return text, metrics


if __name__ == "__main__":
    print(run()[0])
