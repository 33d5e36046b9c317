"""The run store across processes: a killed kernel, four writers at once, a followed writer, a full disk."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
from _kernel import Kernel

from lossplot_widget import LiveLossWidget, RunStore

REPO = Path(__file__).resolve().parents[2]


def _python(code: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_killed_kernel_s_run_comes_back_exact_and_crashed(tmp_path):
    store = tmp_path / "runs.sqlite"
    progress = tmp_path / "progress"
    np.zeros(2, dtype=np.float64).tofile(progress)
    k = Kernel(tmp_path, LOSSPLOT_STORE=str(store))
    try:
        pid = int(k.value("__import__('os').getpid()"))
        k.run("import time, numpy as np\nfrom lossplot_widget import LiveLossWidget\n"
              f"done = np.memmap({str(progress)!r}, dtype=np.float64, mode='r+')\n"
              "w = LiveLossWidget(); r = w.run('doomed', config={'lr': 0.1})")
        # the loop: every point's value is its step; the memmap says how far it got (it outlives a SIGKILL)
        k.submit("for i in range(10**7):\n    r.log(loss=float(i))\n    done[0] = i + 1\n    time.sleep(0.001)")
        deadline = time.time() + 60
        while np.fromfile(progress)[0] < 1500 and time.time() < deadline:
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
        logged = int(np.fromfile(progress)[0])
    finally:
        k.close()
    runs = RunStore(store).runs()
    assert [(r.name, r.status, r.config) for r in runs] == [("doomed", "crashed", {"lr": 0.1})]
    values = RunStore(store).read(runs[0].id)["loss"][3]
    assert values.tolist() == [float(i) for i in range(len(values))]  # exact, in order, no gap
    w = LiveLossWidget(store=store, project=runs[0].project)
    (key,) = w.runs  # "doomed (<its start>)"
    assert key.startswith("doomed (") and w.runs[key].status == "crashed"
    w.set_run_visible(key)
    assert w.runs[key].history["loss"].values.tolist() == values.tolist()
    # at most about one write interval (0.5 s) of points is lost: here ~1 ms a step, so < 1,000 points
    lost = logged - len(values)
    print(f"logged {logged}, kept {len(values)}, lost {lost}")
    assert 0 <= lost < 1000, (logged, len(values))


WRITER = """
import sys, time
from lossplot_widget import RunWriter
path, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with RunWriter(path, name, config={"who": name}, interval=0.02) as r:
    for i in range(n):
        r.log(loss=i + int(name[1:]) / 10)
        if i % 100 == 99:
            r.log_epoch(val=float(i))
            time.sleep(0.005)
print("done")
"""


def test_four_processes_write_one_store_at_once_and_lose_nothing(tmp_path):
    store = tmp_path / "runs.sqlite"
    n = 3000
    procs = [_python(WRITER, str(store), f"w{i}", str(n)) for i in range(4)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0 and "done" in out, err
    rs = RunStore(store)
    runs = {r.name: r for r in rs.runs()}
    assert sorted(runs) == ["w0", "w1", "w2", "w3"]
    for i in range(4):
        run = runs[f"w{i}"]
        cols = rs.read(run.id)
        assert run.status == "finished" and run.config == {"who": f"w{i}"}
        assert cols["loss"][3].tolist() == [j + i / 10 for j in range(n)]
        assert cols["loss"][0].tolist() == list(range(n))
        assert cols["val"][3].tolist() == [float(j) for j in range(99, n, 100)]
        assert cols["loss"][1][-1] == (n - 1) // 100  # the epochs went on (log_epoch after every 100th point)


def test_follow_a_store_while_a_script_writes_it(tmp_path):
    store = tmp_path / "runs.sqlite"
    slow = WRITER.replace("time.sleep(0.005)", "time.sleep(0.2)")
    proc = _python(slow, str(store), "w1", "1500")
    deadline = time.time() + 60
    while not store.exists() and time.time() < deadline:
        time.sleep(0.05)
    w = LiveLossWidget(store=None)
    follower = w.follow(store, poll=0.1)
    seen_running = False
    while proc.poll() is None and time.time() < deadline:
        run = w.runs.get("w1")
        if run is not None and run.status == "running" and "loss" in run.history and len(run.history["loss"]):
            seen_running = True  # visible mid-run
        time.sleep(0.05)
    proc.communicate(timeout=60)
    time.sleep(0.5)
    follower.stop()
    run = w.runs["w1"]
    assert seen_running
    assert run.status == "finished"
    assert run.history["loss"].values.tolist() == [j + 0.1 for j in range(1500)]
    assert run.history["val"].steps.tolist() == list(range(99, 1500, 100))


FULL = """
import os, resource, signal, sys, warnings
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
from lossplot_widget import LiveLossWidget
path = sys.argv[1]
w = LiveLossWidget(store=path)
w.log(loss=0.0); w.flush()
room = os.path.getsize(path) + os.path.getsize(path + "-wal") + 20000
resource.setrlimit(resource.RLIMIT_FSIZE, (room, room))  # the disk is full from here on
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    for i in range(1, 100001):
        w.log(loss=float(i))
        if i % 10000 == 0:
            w.flush()
print(len(caught), str(caught[0].message) if caught else "")
print(w.history["loss"].values.tolist() == [float(i) for i in range(100001)])
"""


def test_a_full_disk_warns_once_and_training_goes_on(tmp_path):
    proc = _python(FULL, str(tmp_path / "runs.sqlite"))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    warned, kept = out.strip().splitlines()
    assert warned.startswith("1 ") and "could not be written" in warned, out
    assert kept == "True"
