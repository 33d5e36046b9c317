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

from _common import RecordingComm, install_recording_comm, median, table

STEPS = int(os.environ.get("BENCH_TRAIN_STEPS", 3000))
REPEATS = int(os.environ.get("BENCH_TRAIN_REPEATS", 5))
INTERVAL = 0.25


def _model():
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(32, 128), torch.nn.ReLU(), torch.nn.Linear(128, 128), torch.nn.ReLU(), torch.nn.Linear(128, 1)
    )
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    x = torch.randn(64, 32)
    y = torch.randn(64, 1)

    def step():
        loss = torch.nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


# Each variant: setup (outside the timing, like displaying a widget in an earlier cell),
# then the timed training loop, which ends with the final draw.


# Each variant: setup (outside the timing, like displaying a widget in an earlier cell), then the
# timed training loop, which ends with the final draw. Besides the loop's total time, each loop
# attributes CPU time to plotting directly: thread CPU time around every plotting call (minus the
# cost of reading the clock), plus frames drawn by the widget's timer thread. On a shared machine
# this is far less noisy than the difference of two totals.
_clk = time.thread_time_ns


def _clock_pair_ns() -> int:
    samples = []
    for _ in range(2000):
        t = _clk()
        samples.append(_clk() - t)
    return int(np.median(samples))


PAIR_NS = 0  # set in run()


def run_plain(step):
    def loop() -> dict:
        for _ in range(STEPS):
            step()
        return {"plot_ns": 0}

    return loop


def run_widget(step):
    import threading

    from lossplot_widget import LiveLossWidget

    w = LiveLossWidget(refresh_interval=INTERVAL)
    w.widget  # displayed: frames go to the recording comm
    main = threading.get_ident()
    background = [0]
    draw = w._draw

    def timed_draw(blocking: bool) -> None:  # frames drawn by the timer thread, not inside log()
        if threading.get_ident() == main:
            return draw(blocking)
        t = _clk()
        draw(blocking)
        background[0] += _clk() - t

    w._draw = timed_draw  # type: ignore[method-assign]

    def loop() -> dict:
        spent = 0
        for _ in range(STEPS):
            loss = step()
            t = _clk()
            w.log(loss=loss)  # the tensor itself: converted once per frame, as the README recommends
            spent += _clk() - t - PAIR_NS
        t = _clk()
        w.flush()  # the final frame is part of the run
        spent += _clk() - t
        return {"frames": w.frames_sent - 1, "plot_ns": spent + background[0]}  # minus the display's frame

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
        sends, last, spent = 0, time.monotonic(), 0
        with contextlib.redirect_stdout(io.StringIO()):  # clear_output() escape codes
            for _ in range(STEPS):
                loss = step()
                t = _clk()
                plot.update({"loss": loss.item()})
                if time.monotonic() - last >= INTERVAL:
                    plot.send()
                    sends += 1
                    last = time.monotonic()
                spent += _clk() - t - PAIR_NS
            t = _clk()
            plot.send()
            spent += _clk() - t
        return {"frames": sends + 1, "png_bytes": float(np.mean(png_bytes)), "plot_ns": spent}

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
            spent += _clk() - t - PAIR_NS
        return {"frames": STEPS, "plot_ns": spent}

    return loop


VARIANTS = {
    "(a) no plotting": run_plain,
    "(b) LiveLossWidget, live": run_widget,
    "(c) livelossplot 0.6 update()+send()": run_livelossplot,
    "(d) naive bqplot, whole arrays per step": run_naive_bqplot,
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
        "'Attributed' is the thread CPU time spent inside the plotting calls themselves (for (c) and (d) "
        "including `.item()`), plus frames drawn in the widget's timer thread, minus the cost of reading the "
        f"clock ({PAIR_NS} ns per pair). Per-repeat CPU ratios to (a): "
        + "; ".join(k[:3] + " " + ", ".join(f"{x:.3f}" for x in ratios[k]) for k in VARIANTS)
    )
    return text, metrics


if __name__ == "__main__":
    print(run()[0])
