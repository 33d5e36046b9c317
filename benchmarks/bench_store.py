"""The run store (issue 30): what it costs log(), bytes per point on disk, reopening, points lost at SIGKILL.

    .venv/bin/python benchmarks/bench_store.py        # writes benchmarks/RESULTS_store.md

- `log()` ns/call with the store on and off, interleaved (on, off, on, off, ...), median of BENCH_STORE_RUNS runs
  of BENCH_STORE_CALLS calls: Python floats and CPU torch tensors; no frame is drawn (refresh_interval=3600), so
  the difference is the store's batches alone.
- Bytes per point on disk (database + write-ahead log after a checkpoint) at 10^6 points logged live.
- Reopening: a store of 20 runs holding 10^5, 10^6 or 10^7 points in all; the time from `LiveLossWidget(store=...)`
  to its first frame (the runs listed), then the time to tick the largest run (its points read).
- Points lost at SIGKILL: a script logging at ~1 kHz (1 ms sleep a step) and one logging as fast as it can is
  killed after 2 s, median of 5 kills; the script records every step it logged in a memory-mapped file.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
from _common import machine, median, table

REPO = Path(__file__).resolve().parents[1]
CALLS = int(os.environ.get("BENCH_STORE_CALLS", 1_000_000))
RUNS = int(os.environ.get("BENCH_STORE_RUNS", 5))
KILLS = int(os.environ.get("BENCH_STORE_KILLS", 5))
SIZES = [int(s) for s in os.environ.get("BENCH_STORE_SIZES", "100000,1000000,10000000").split(",")]
OUT = os.environ.get("BENCH_STORE_OUT", str(REPO / "benchmarks" / "RESULTS_store.md"))
#: which parts to run (all by default): log, bytes, reopen, kill
PARTS = os.environ.get("BENCH_STORE_PARTS", "log,bytes,reopen,kill").split(",")


def _values(kind: str) -> list:
    base = np.random.default_rng(0).random(1000)
    if kind == "Python float":
        return base.tolist()
    import torch

    return [torch.tensor(v, dtype=torch.float32) for v in base.tolist()]


def _log_cost(values: list, store: str | None, own: list | None = None) -> float:
    from lossplot_widget import LiveLossWidget

    w = LiveLossWidget(refresh_interval=3600, store=store)
    log = w.log
    vals = (values * (CALLS // len(values) + 1))[:CALLS]
    cpu = time.process_time()
    for v in vals:
        log(loss=v)
    w.flush()  # the last batch is part of the cost
    cpu = time.process_time() - cpu
    sync = w._store
    if own is not None and sync is not None:  # the store's own work: its batches' CPU time per logged point
        own.append((sync.seconds / CALLS * 1e9, sync.writes))
    w.close()
    del w, log, sync
    gc.collect()  # the next run starts clean: a widget collected during it would bill it for this one
    return cpu / CALLS * 1e9


def log_cost(tmp: str) -> tuple[str, dict]:
    kinds = ["Python float", "torch CPU 0-d tensor"]
    res: dict[tuple[str, bool], list[float]] = {(k, on): [] for k in kinds for on in (True, False)}
    own: dict[str, list] = {k: [] for k in kinds}
    for i in range(RUNS):
        for k in kinds:
            vals = _values(k)
            for on in (True, False) if i % 2 == 0 else (False, True):
                path = os.path.join(tmp, f"log-{k[:5]}-{i}.sqlite") if on else None
                res[(k, on)].append(_log_cost(vals, path, own[k]))
    rows, m = [], {}
    for k in kinds:
        on, off = median(res[(k, True)]), median(res[(k, False)])
        ratios = sorted(a / b for a, b in zip(res[(k, True)], res[(k, False)]))
        writing = median([o[0] for o in own[k]])
        rows.append([k, off, on, f"{on / off:.3f}", f"{ratios[0]:.2f}-{ratios[-1]:.2f}", writing,
                     f"{writing / off:.1%}", median([o[1] for o in own[k]])])
        m[k] = on / off
    text = (f"### `log()` CPU ns/call, store off and on ({CALLS:,} calls a run, median of {RUNS} interleaved runs)\n\n"
            + table(["value", "store off", "store on", "on / off", "on / off, each pair",
                     "writing, ns per call", "writing / off", "batches"], rows)
            + "\n\n\"writing\" is the CPU time the store's batches took (commit, encode, SQLite), per logged call: "
            "the store's own cost, free of the run-to-run noise of the end-to-end figures.")
    return text, m


def bytes_per_point(tmp: str) -> tuple[str, dict]:
    from lossplot_widget import LiveLossWidget, RunStore

    rows, m = [], {}
    for metrics in (1, 10):
        path = os.path.join(tmp, f"size-{metrics}.sqlite")
        w = LiveLossWidget(refresh_interval=3600, store=path)
        rng = np.random.default_rng(0)
        n = 1_000_000 // metrics
        names = [f"m{j}" for j in range(metrics)]
        for row in rng.standard_normal((n, metrics)).tolist():
            w.log(dict(zip(names, row)))
        w.flush()
        w.close()
        import sqlite3

        con = sqlite3.connect(path)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        size = RunStore(path).size()
        chunks = sqlite3.connect(path).execute("SELECT count(*) FROM chunks").fetchone()[0]
        rows.append([f"{n * metrics:,} points, {metrics} metric(s)", size, size / (n * metrics), chunks])
        m[metrics] = size / (n * metrics)
    text = ("### Bytes per point on disk (random float64 values, one `log()` a step, written live)\n\n"
            + table(["logged", "bytes on disk", "bytes/point", "chunks"], rows)
            + "\n\nRaw columns (int64 step, float64 value, float32 time, float64 epoch) would take 28 bytes a point.")
    return text, m


def _fill(path: str, total: int, runs: int = 20) -> None:
    from lossplot_widget.store.db import RunRow, RunStore, encode_points

    store = RunStore(path)
    per_run = total // runs
    rng = np.random.default_rng(0)
    for r in range(runs):
        rid = store.new_run(f"run-{r + 1}", project="bench", config={"lr": 10 ** -(r % 4)},
                              started=time.time() - 3600 + r, t0=time.time() - 3600 + r)
        chunk = 10_000  # a live run at 20,000 steps/s writes ~10,000 points every 0.5 s
        for metric, share in (("loss", 0.9), ("val_loss", 0.1)):
            n = int(per_run * share)
            for a in range(0, n, chunk):
                b = min(n, a + chunk)
                steps = np.arange(a, b)
                blobs = encode_points(steps, steps // 1000, (steps / 1000).astype(np.float32), rng.random(b - a))
                store.write([], [(rid, metric, *blobs)])
        store.write([RunRow(rid, "finished", None, time.time(), {"lr": 10 ** -(r % 4)},
                            {"loss": [int(per_run * 0.9), 0.1, per_run, 0.01, 5, 1.0, 0]}, per_run)], [])
    store.close()


def reopen(tmp: str) -> tuple[str, dict]:
    from lossplot_widget import LiveLossWidget

    rows, m = [], {}
    for total in SIZES:
        path = os.path.join(tmp, f"reopen-{total}.sqlite")
        # written by another process, as yesterday's session: a widget does not list this process' own runs
        subprocess.run([sys.executable, __file__, "--fill", path, str(total)], check=True)
        opens, ticks = [], []
        for _ in range(3):
            t = time.perf_counter()
            w = LiveLossWidget(store=path, project="bench")
            w.flush()  # the first frame: the run table lists the 20 runs
            opens.append(time.perf_counter() - t)
            assert len(w.runs) == 20
            t = time.perf_counter()
            last = list(w.runs)[-1]  # "run-20 (<its start>)"
            w.set_run_visible(last)
            w.flush()
            ticks.append(time.perf_counter() - t)
            assert len(w.runs[last].history["loss"]) == int(total // 20 * 0.9)
            w.close()
        rows.append([f"{total:,}", os.path.getsize(path), median(opens), median(ticks), total // 20])
        m[total] = median(opens)
    text = ("### Reopening a store of 20 runs (median of 3)\n\n"
            + table(["points in the store", "file bytes", "widget + first frame (s)",
                     "tick one run: read + draw (s)", "points of that run"], rows))
    return text, m


KILLED = """
import sys, time, numpy as np
from lossplot_widget import LiveLossWidget
path, progress, sleep = sys.argv[1], sys.argv[2], float(sys.argv[3])
done = np.memmap(progress, dtype=np.float64, mode="r+")
w = LiveLossWidget(store=path)
r = w.run("doomed")
i = 0
while True:
    r.log(loss=float(i))
    i += 1
    done[0] = i
    if sleep:
        time.sleep(sleep)
"""


def killed(tmp: str) -> tuple[str, dict]:
    from lossplot_widget import RunStore

    rows, m = [], {}
    for label, sleep in (("~1 kHz (1 ms sleep a step)", 0.001), ("as fast as it can", 0.0)):
        lost, seconds, rates = [], [], []
        for k in range(KILLS):
            path = os.path.join(tmp, f"kill-{sleep}-{k}.sqlite")
            progress = os.path.join(tmp, f"kill-{sleep}-{k}.progress")
            np.zeros(1).tofile(progress)
            env = {**os.environ, "PYTHONPATH": str(REPO)}
            proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(KILLED), path, progress, str(sleep)], env=env)
            while np.fromfile(progress)[0] == 0:
                time.sleep(0.01)
            t0, n0 = time.perf_counter(), np.fromfile(progress)[0]
            time.sleep(2.0)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            logged = int(np.fromfile(progress)[0])
            rate = (logged - n0) / (time.perf_counter() - t0)
            store = RunStore(path)
            run = store.runs()[0]
            kept = len(store.read(run.id).get("loss", (np.empty(0),) * 4)[3])
            assert run.status == "crashed"
            lost.append(logged - kept)
            seconds.append((logged - kept) / rate)
            rates.append(rate)
        rows.append([label, median(rates), median(lost), median(seconds), max(seconds)])
        m[label] = median(seconds)
    text = (f"### Points lost when the process is killed (SIGKILL after 2 s, median of {KILLS})\n\n"
            + table(["loop", "steps/s", "points lost", "seconds of logging lost", "worst (s)"], rows)
            + "\n\nEvery kept point is exact and in order; the run comes back `crashed`.")
    return text, m


def run() -> tuple[str, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        parts, metrics = [], {}
        for name, fn in (("log", log_cost), ("bytes", bytes_per_point), ("reopen", reopen), ("kill", killed)):
            if name not in PARTS:
                continue
            text, m = fn(tmp)
            print(text + "\n", flush=True)
            parts.append(text)
            metrics[name] = m
    return "## The run store\n\n" + "\n\n".join(parts), metrics


if __name__ == "__main__":
    if sys.argv[1:2] == ["--fill"]:
        _fill(sys.argv[2], int(sys.argv[3]))
        sys.exit(0)
    text, _ = run()
    Path(OUT).write_text(f"# Run store benchmark\n\n{machine()}\n\n{text}\n")
    print(f"written to {OUT}")
