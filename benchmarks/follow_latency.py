"""Arrival latency and CPU cost of LiveLossWidget.follow().

A subprocess writes one scalar every 10 ms with torch's SummaryWriter; the follower (a thread in
this process) reads it. For each poll period, with and without inotify wake-ups:

- arrival latency: from the writer's wall time of a point to its arrival in the widget's history
  (median, 95th percentile); drawing adds up to ``refresh_interval`` on top when a view is shown;
- CPU share of the follower thread while the run is written, in % of one core (Linux:
  ``/proc/self/task/<tid>/schedstat``, the whole thread; elsewhere the CPU time of its polls);
- the same while idle (a finished run, nothing new).

Run: ``.venv/bin/python benchmarks/follow_latency.py [--seconds 5]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from lossplot_widget import LiveLossWidget  # noqa: E402

WRITER = textwrap.dedent(
    """
    import sys, time
    from torch.utils.tensorboard import SummaryWriter
    logdir, n, interval = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    w = SummaryWriter(logdir)
    next_at = time.time()
    for step in range(n):
        w.add_scalar("loss", 1.0 / (step + 1), step)
        next_at += interval
        time.sleep(max(0.0, next_at - time.time()))
    w.close()
    """
)


def thread_cpu(handle) -> float:
    """CPU seconds of the follower thread so far."""
    thread = handle._thread
    path = f"/proc/self/task/{getattr(thread, 'native_id', -1)}/schedstat"
    try:
        with open(path) as f:
            return int(f.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return handle.cpu_seconds


def run(poll: float, wake: bool, seconds: float, interval: float) -> dict[str, float]:
    n = int(seconds / interval)
    with tempfile.TemporaryDirectory() as logdir:
        w = LiveLossWidget()
        # a writer that has already started (as when following a running job): time its import out
        argv = [sys.executable, "-c", WRITER, os.path.join(logdir, "run"), str(n), str(interval)]
        proc = subprocess.Popen(argv)
        while not any("tfevents" in f for _, _, fs in os.walk(logdir) for f in fs):
            time.sleep(0.01)
        handle = w.follow(logdir, poll=poll, wake=wake)
        t0, c0, p0, q0 = time.monotonic(), thread_cpu(handle), handle.polls, handle.cpu_seconds
        proc.wait()
        deadline = time.monotonic() + 5
        while handle.points < n and time.monotonic() < deadline:
            time.sleep(0.01)
        busy_wall, busy_cpu = time.monotonic() - t0, thread_cpu(handle) - c0
        busy_polls, poll_cpu = handle.polls - p0, handle.cpu_seconds - q0
        # idle: the run is finished, nothing new arrives
        t1, c1 = time.monotonic(), thread_cpu(handle)
        time.sleep(min(seconds, 3.0))
        idle_wall, idle_cpu = time.monotonic() - t1, thread_cpu(handle) - c1
        handle.stop()
        lat = handle.latency()
        return {
            "points": handle.points, "expected": n,
            "median_ms": lat["median"] * 1e3, "p95_ms": lat["p95"] * 1e3,
            "cpu_busy_pct": 100 * busy_cpu / busy_wall, "cpu_idle_pct": 100 * idle_cpu / idle_wall,
            "polls_per_s": busy_polls / busy_wall,
            "us_per_poll": 1e6 * poll_cpu / max(busy_polls, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="how long the writer writes")
    parser.add_argument("--interval", type=float, default=0.01, help="seconds between two scalars")
    parser.add_argument("--repeat", type=int, default=3, help="runs per configuration (the machine is noisy)")
    args = parser.parse_args()
    print(f"writer: one scalar every {args.interval * 1e3:.0f} ms for {args.seconds:.0f} s (torch SummaryWriter)")
    columns = [("poll", 6), ("wake", 8), ("points", 9), ("median", 9), ("p95", 9), ("CPU busy", 9),
               ("CPU idle", 9), ("polls/s", 8), ("us/poll", 8)]
    print(" ".join(f"{name:>{width}}" for name, width in columns))
    for poll in (0.1, 0.25):
        for wake in (False, True):
            for _ in range(args.repeat):
                r = run(poll, wake, args.seconds, args.interval)
                print(
                    f"{poll:>5.2f}s {'inotify' if wake else 'poll':>8} {r['points']:>4}/{r['expected']:<4} "
                    f"{r['median_ms']:>7.1f}ms {r['p95_ms']:>7.1f}ms "
                    f"{r['cpu_busy_pct']:>8.2f}% {r['cpu_idle_pct']:>8.2f}% "
                    f"{r['polls_per_s']:>8.1f} {r['us_per_poll']:>8.0f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
