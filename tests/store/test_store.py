"""The run store: exact round trips, past runs listed and loaded, continue, delete, sizes, failures."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from lossplot_widget import LiveLossWidget, RunStore, RunWriter, StoreWarning
from lossplot_widget.store.codec import decode, encode, epochs_between

SPECIAL = np.array([1.0, np.nan, -np.nan, np.inf, -np.inf, -0.0, 5e-324, 2.2250738585072014e-308, 1e308, -1e308,
                    np.float64(np.frombuffer(b"\x01\x00\x00\x00\x00\x00\xf8\x7f", "<f8")[0])])  # a NaN payload


def _bits(a):
    return np.asarray(a, dtype=np.float64).tobytes()


def test_a_chunk_round_trips_exactly():
    rng = np.random.default_rng(0)
    n = 5000
    steps = np.cumsum(rng.integers(-3, 50, n))  # repeated and restarted steps too
    epochs = np.repeat(np.arange(10, dtype=np.float64) / 3, n // 10)
    times = np.sort(rng.random(n).astype(np.float32) * 1e4)
    values = rng.standard_normal(n)
    values[: len(SPECIAL)] = SPECIAL
    s, e, t, v = decode(*encode(steps, epochs, times, values))
    assert s.tolist() == steps.tolist() and e.tolist() == epochs.tolist()
    assert t.tobytes() == times.tobytes() and _bits(v) == _bits(values)


def test_epochs_of_a_slice():
    runs = [(0, 0.0), (4, 1.0), (9, 2.5)]
    full = np.repeat([0.0, 1.0, 2.5], [4, 5, 3])
    for a, b in [(0, 12), (3, 5), (4, 9), (10, 12), (5, 5)]:
        assert epochs_between(runs, a, b).tolist() == full[a:b].tolist()


REPO = Path(__file__).resolve().parents[2]


def _elsewhere(code: str, *args: object) -> str:
    """Run ``code`` in another process (an earlier session, a script): its runs are past runs here."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


YESTERDAY = """
import sys, numpy as np
from lossplot_widget import LiveLossWidget
path, dump = sys.argv[1], sys.argv[2]
special = np.frombuffer(bytes.fromhex(sys.argv[3]), "<f8")
w = LiveLossWidget(store=path, project="demo")
cols = {}
for name, values, config in (("a", special.tolist() + [0.5, 0.25], {"lr": 0.1}), ("b", [3.0, 2.0, 1.0], {"lr": 0.01})):
    with w.run(name, config=config):
        for i, v in enumerate(values):
            w.log(loss=v)
            if i % 3 == 2:
                w.log_epoch(val_loss=v * 2)
    h = w.runs[name].history
    for m in h:
        for col in ("steps", "values", "epochs", "times"):
            cols[f"{name}/{m}/{col}"] = getattr(h[m], col)
    cols[f"{name}/t0"] = np.array([h.t0])
np.savez(dump, **cols)
"""


def _yesterday(tmp_path):
    path, dump = tmp_path / "runs.sqlite", tmp_path / "yesterday.npz"
    _elsewhere(YESTERDAY, path, dump, SPECIAL.astype("<f8").tobytes().hex())
    return path, np.load(dump)


def _past(w, name):
    """The key a listed past run has in the widget: its name and its start."""
    keys = [k for k in w.runs if k.split(" (")[0] == name and " (" in k]
    assert len(keys) == 1, list(w.runs)
    return keys[0]


def test_runs_come_back_unticked_then_exact_when_shown(tmp_path):
    path, old = _yesterday(tmp_path)
    w = LiveLossWidget(store=path, project="demo")
    a, b = _past(w, "a"), _past(w, "b")
    assert list(w.runs) == [a, b]  # in the order they began
    assert w.runs[a].status == "finished" and w.runs[a].config == {"lr": 0.1}
    assert len(w.runs[a].history) == 0  # listed from the rows only: no point read yet
    rows = {r.name: r for r in w._build().runs}  # the run table's rows
    assert rows[a].hidden and rows[b].hidden
    assert rows[b].stats["loss"].min == 1.0 and rows[b].stats["loss"].min_step == 2
    assert rows[b].points == 3 + 1

    w.set_run_visible(a)
    h = w.runs[a].history
    for m in ("loss", "val_loss"):
        assert h[m].steps.tolist() == old[f"a/{m}/steps"].tolist()
        assert _bits(h[m].values) == _bits(old[f"a/{m}/values"])
        assert h[m].epochs.tolist() == old[f"a/{m}/epochs"].tolist()
        assert h[m].times.tobytes() == old[f"a/{m}/times"].tobytes()
    assert h.t0 == old["a/t0"][0]
    assert a not in w._hidden and b in w._hidden
    assert LiveLossWidget(store=path, project="other").runs == {}  # another project lists none


def test_a_new_run_of_a_past_name_is_new_and_logging_into_the_listed_one_continues_it(tmp_path):
    path, _ = _yesterday(tmp_path)
    w = LiveLossWidget(store=path, project="demo")
    with w.run("a"):  # today's "a": a run of its own, beside yesterday's
        w.log(loss=0.7)
    assert w.runs["a"].history["loss"].steps.tolist() == [0]
    key = _past(w, "b")
    with w.run(key):  # yesterday's "b" goes on
        w.log(loss=0.5)
    assert w.runs[key].history["loss"].steps.tolist() == [0, 1, 2, 3]
    assert any("continues from the run store" in n for n in w._notes)
    w.close()
    store = RunStore(path)
    b = store.latest("b")
    assert store.read(b.id)["loss"][3].tolist() == [3.0, 2.0, 1.0, 0.5]
    assert b.status == "finished"
    assert sorted(r.name for r in store.runs()) == ["a", "a", "b"]


def test_delete_run_removes_it_from_the_store(tmp_path):
    path, _ = _yesterday(tmp_path)
    w = LiveLossWidget(store=path, project="demo")
    with w.run("c"):
        w.log(loss=1.0)
    w.flush()
    assert sorted(r.name for r in RunStore(path).runs()) == ["a", "b", "c"]
    w.delete_run("c")
    w.delete_run(_past(w, "a"))  # a listed past run, never loaded
    w.flush()
    assert sorted(r.name for r in RunStore(path).runs()) == ["b"]
    assert [k.split(" (")[0] for k in w.runs] == ["b"]
    with pytest.raises(KeyError):
        w.delete_run("nope")


def test_store_none_writes_nothing_and_the_default_follows_the_environment(tmp_path, monkeypatch):
    w = LiveLossWidget(store=None)
    w.log(loss=1.0)
    assert w.store is None
    target = tmp_path / "env.sqlite"
    monkeypatch.setenv("LOSSPLOT_STORE", str(target))
    w = LiveLossWidget()
    w.log(loss=1.0)
    w.close()
    assert w.store is not None and w.store.path == str(target) and target.exists()
    assert [r.status for r in RunStore(target).runs()] == ["running"]  # the implicit run: until its scope ends
    monkeypatch.setenv("LOSSPLOT_STORE", "off")
    assert LiveLossWidget().store is None


def test_past_runs_are_those_of_the_project_latest_first_and_at_most_20(tmp_path):
    path = tmp_path / "runs.sqlite"
    _elsewhere("""
        import sys
        from lossplot_widget import RunWriter
        for project, name in [("p1", "x"), ("p2", "y"), ("p1", "z")] + [("p3", f"r{i}") for i in range(25)]:
            with RunWriter(sys.argv[1], name, project=project) as r:
                r.log(loss=1.0)
        with RunWriter(sys.argv[1], "x", project="p1") as r:  # a resumed job continues its run
            r.log(loss=2.0)
    """, path)
    w = LiveLossWidget(store=path, project="p1")
    assert [k.split(" (")[0] for k in w.runs] == ["x", "z"]
    w.set_run_visible(_past(w, "x"))
    assert w.runs[_past(w, "x")].history["loss"].values.tolist() == [1.0, 2.0]
    names = [k.split(" (")[0] for k in LiveLossWidget(store=path, project="p3").runs]
    assert names == [f"r{i}" for i in range(5, 25)]  # the 20 latest, in the order they began


def test_runs_of_this_process_are_not_listed_again(tmp_path):
    path = tmp_path / "runs.sqlite"
    w1 = LiveLossWidget(store=path)
    with w1.run("a"):
        w1.log(loss=1.0)
    w1.flush()
    assert list(LiveLossWidget(store=path).runs) == []  # w1 shows them; a second widget starts empty


def test_a_million_points_take_at_most_24_bytes_each(tmp_path):
    path = tmp_path / "runs.sqlite"
    rng = np.random.default_rng(1)
    values = rng.standard_normal(1_000_000)
    with RunWriter(path, "big", interval=0.0) as r:
        for chunk in np.array_split(values, 200):  # 200 batches, as a live run writes them
            for v in chunk.tolist():
                r.log(loss=v)
            r.flush()
    store = RunStore(path)
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    per_point = store.size() / len(values)
    assert per_point <= 24, per_point
    got = store.read(store.runs()[0].id)["loss"][3]
    assert _bits(got) == _bits(values)


def test_a_corrupt_store_warns_once_and_training_goes_on(tmp_path):
    path = tmp_path / "runs.sqlite"
    path.write_bytes(b"not a database" * 100)
    with pytest.warns(StoreWarning, match="not a valid database"):
        w = LiveLossWidget(store=path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(10):
            w.log(loss=float(i))
        w.flush()
    assert w.history["loss"].values.tolist() == [float(i) for i in range(10)]
    assert w.store is None and any("not a valid database" in n for n in w._notes)


def test_an_unopenable_store_warns_and_keeps_runs_in_memory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.warns(StoreWarning, match="cannot be opened"):
        w = LiveLossWidget(store=blocker / "runs.sqlite")  # a directory that is a file
    w.log(loss=1.0)
    assert w.history["loss"].values.tolist() == [1.0]


def test_a_locked_store_keeps_points_waiting_then_writes_them(tmp_path):
    path = tmp_path / "runs.sqlite"
    w = LiveLossWidget(store=path)
    w.log(loss=0.0)
    w.flush()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process' long write
    with pytest.warns(StoreWarning, match="locked"):
        for i in range(1, 50):
            w.log(loss=float(i))
        w.flush()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once
        w.log(loss=50.0)
        w.flush()
    other.execute("ROLLBACK")
    other.close()
    w.flush()
    store = RunStore(path)
    assert store.read(store.runs()[0].id)["loss"][3].tolist() == [float(i) for i in range(51)]


def test_a_script_s_runs_end_with_it_finished_or_failed(tmp_path):
    path = tmp_path / "runs.sqlite"
    _elsewhere(f"from lossplot_widget import LiveLossWidget\nw = LiveLossWidget(store={str(path)!r})\nw.log(loss=1.0)")
    proc = subprocess.run([sys.executable, "-c", "from lossplot_widget import LiveLossWidget\n"
                           f"w = LiveLossWidget(store={str(path)!r})\nw.log(loss=2.0)\nraise ValueError('boom')"],
                          env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "boom" in proc.stderr
    runs = sorted(RunStore(path).runs(), key=lambda r: r.started)
    assert [(r.status, r.error) for r in runs] == [("finished", None), ("failed", "ValueError: boom")]


def test_ticking_then_continuing_a_past_run_takes_it_over(tmp_path):
    path, _ = _yesterday(tmp_path)
    w = LiveLossWidget(store=path, project="demo")
    key = _past(w, "b")
    w.set_run_visible(key)  # seen first ...
    w.flush()
    b = RunStore(path).latest("b")
    assert b.pid != os.getpid() and b.points == 4  # ... which writes nothing
    with w.run(key):  # ... then continued: this process writes it from now on
        w.log(loss=0.5)
    w.flush()
    b = RunStore(path).latest("b")
    assert (b.pid, b.status, b.points) == (os.getpid(), "finished", 5)
    assert RunStore(path).read(b.id)["loss"][3].tolist() == [3.0, 2.0, 1.0, 0.5]
    assert any("continues from the run store" in n for n in w._notes)


def test_a_run_another_live_process_writes_is_only_viewed(tmp_path):
    path = tmp_path / "runs.sqlite"
    ready = tmp_path / "ready"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import pathlib, time
        from lossplot_widget import RunWriter
        r = RunWriter({str(path)!r}, "live", project="demo")
        for i in range(5):
            r.log(loss=float(i))
        r.flush()
        pathlib.Path({str(ready)!r}).touch()
        time.sleep(30)
    """)], env=env)
    try:
        deadline = time.time() + 60
        while not ready.exists() and time.time() < deadline:
            time.sleep(0.05)
        w = LiveLossWidget(store=path, project="demo")
        key = _past(w, "live")
        assert w.runs[key].status == "running"  # its writer is alive: not crashed
        w.set_run_visible(key)
        assert w.runs[key].history["loss"].values.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
        w.runs[key].fail(ValueError("a cell failed"))  # whatever happens to it here ...
        w.flush()
        live = RunStore(path).latest("live")
        assert (live.pid, live.status) == (writer.pid, "running")  # ... its row stays its writer's
    finally:
        writer.kill()
        writer.wait()
    assert RunStore(path).latest("live").status == "crashed"


def test_following_a_store_keeps_runs_of_one_name_apart(tmp_path):
    path = tmp_path / "runs.sqlite"
    _elsewhere("""
        import sys
        from lossplot_widget.store.db import RunRow, RunStore, encode_points
        store = RunStore(sys.argv[1])
        for name, values, status in (("a", [1.0, 2.0], "finished"), ("a", [9.0], "crashed")):
            rid = store.new_run(name, project="p", config={}, started=float(len(values)), t0=0.0)
            n = len(values)
            store.write([RunRow(rid, status, None, 1.0, {}, {}, n)],
                        [(rid, "loss", *encode_points(range(n), [0] * n, [0.0] * n, values))])
    """, path)
    w = LiveLossWidget(store=None)
    follower = w.follow(path, poll=0.1)
    follower.poll_once()
    follower.stop()
    got = sorted((run.status, run.history["loss"].values.tolist()) for run in w.runs.values())
    assert got == [("crashed", [9.0]), ("finished", [1.0, 2.0])]
    own = LiveLossWidget(store=path)
    own.log(loss=5.0)
    own.flush()
    before = len(own.runs)
    own.follow(path, poll=0.1).stop()  # its own runs are not followed back into it
    assert all(not k.startswith("run-") or k in list(own.runs)[:before] for k in own.runs)


def test_odd_configs_are_stored_and_remove_run_keeps_the_store_whole(tmp_path):
    path = tmp_path / "runs.sqlite"
    w = LiveLossWidget(store=path)
    with w.run("sched", config={"milestones": {(0, 10): 0.1}, "arr": np.arange(3), "obj": object}):
        for i in range(10):
            w.log(loss=float(i))
    w.remove_run("sched")  # right away: the last points and the status are written first
    (run,) = RunStore(path).runs()
    assert run.status == "finished" and run.points == 10
    assert run.config["milestones"] == {"(0, 10)": 0.1} and run.config["arr"] == [0, 1, 2]


SWEEP = """
import sys
from lossplot_widget import LiveLossWidget
w = LiveLossWidget(store=sys.argv[1], project="sweep")
# (name, losses, the engine's score): by their points t1 would be best; by their scores t2 is
for name, losses, score in (("t0", [3.0, 2.0], 1.5), ("t1", [2.0, 0.1], 0.9), ("t2", [1.0, 0.5], 0.2),
                            ("t3", [4.0], None)):
    with w.run(name):
        for v in losses:
            w.log(loss=v)
        w.runs[name].score, w.runs[name].scored = score, True  # as the Ray Tune callback sets them
w.close()
"""


def test_a_sweep_s_scores_are_stored_and_a_past_sweep_ranks_by_them(tmp_path):
    from lossplot_widget.core.ranking import ranked
    from lossplot_widget.store.db import RunRow

    path = tmp_path / "runs.sqlite"
    _elsewhere(SWEEP, path)
    stored = {r.name: (r.score, r.scored) for r in RunStore(path).runs()}
    assert stored == {"t0": (1.5, True), "t1": (0.9, True), "t2": (0.2, True), "t3": (None, True)}
    w = LiveLossWidget(store=path, project="sweep")
    assert {k.split(" (")[0]: (r.score, r.scored) for k, r in w.runs.items()} == stored
    w.rank_by("loss", "min")
    order = [s.name.split(" (")[0] for s in ranked(w._build().runs, w.objective)]
    assert order == ["t2", "t1", "t0", "t3"]  # by the scores (points alone would put t1 first); t3 has no result
    key = _past(w, "t2")
    w.set_run_visible(key)  # its points read: the score stays
    assert w.runs[key].score == 0.2 and w.runs[key].history["loss"].values.tolist() == [1.0, 0.5]
    follower = LiveLossWidget(store=None)  # a store followed from elsewhere carries the scores too
    f = follower.follow(path, poll=0.1)
    f.stop()
    f.poll_once()
    assert {k: (r.score, r.scored) for k, r in follower.runs.items()} == stored
    t3 = RunStore(path).latest("t3")  # its engine scores it later: the followed run and its table row follow
    before = follower._runs.structure
    RunStore(path).write([RunRow(t3.id, t3.status, None, t3.ended, {}, t3.summary, t3.points, None, 0.05, True)], [])
    f.poll_once()
    assert follower.runs["t3"].score == 0.05 and follower._runs.structure > before


V1_RUNS = """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, project TEXT, config TEXT, status TEXT, error TEXT,
    started REAL, ended REAL, t0 REAL, host TEXT, pid INTEGER, ptag TEXT, updated REAL, summary TEXT,
    points INTEGER DEFAULT 0
);
INSERT INTO meta VALUES ('schema', '1');
INSERT INTO runs (name, project, config, status, started, points) VALUES ('old', 'p', '{"lr": 0.1}', 'finished', 1.0, 0);
"""


def test_a_store_of_schema_1_is_read_as_is_and_gains_scores_when_written(tmp_path):
    from lossplot_widget.store.db import SCHEMA_VERSION, RunRow

    path = tmp_path / "v1.sqlite"
    db = sqlite3.connect(path)
    db.executescript(V1_RUNS)
    db.close()
    (old,) = RunStore(path, readonly=True).runs()  # read-only: nothing added, the row reads unscored
    assert (old.name, old.config, old.score, old.scored) == ("old", {"lr": 0.1}, None, False)
    store = RunStore(path)  # opened for writing: the columns are added, the rows kept
    assert SCHEMA_VERSION == "2"
    assert sqlite3.connect(path).execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == ("2",)
    store.write([RunRow(old.id, "finished", None, 2.0, {"lr": 0.1}, {}, 0, None, 0.25, True)], [])
    (again,) = RunStore(path).runs()
    assert (again.score, again.scored, again.ended) == (0.25, True, 2.0)
    store.write([RunRow(old.id, "finished", None, 2.0, {}, {}, 0, None, float("nan"), True)], [])
    assert RunStore(path).runs()[0].score is None  # NaN is no score
