from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lossplot_widget import LiveLossWidget


def _filled() -> LiveLossWidget:
    w = LiveLossWidget()
    rng = np.random.default_rng(3)
    for epoch in range(2):
        for _ in range(50):
            w.log(loss=float(rng.random()), **{'acc "top-1", <b>': float(rng.random())})
        w.log_epoch(val_loss=float(rng.random()))
    w.log(loss=math.nan, step=2**53)
    w.log(loss=math.inf)
    w.log(loss=5e-324)
    return w


def test_csv_round_trip_is_exact(tmp_path):
    w = _filled()
    path = tmp_path / "h.csv"
    w.to_csv(path)
    back = LiveLossWidget.from_csv(path)
    a, b = w.history.to_dict(), back.history.to_dict()
    assert list(a) == list(b)
    for name in a:
        for col in ("step", "epoch", "value"):
            np.testing.assert_array_equal(np.array(a[name][col]), np.array(b[name][col]))
        np.testing.assert_array_equal(np.float32(a[name]["time"]), np.float32(b[name]["time"]))
    assert back.history["loss"].steps[-3] == 2**53


def test_pandas_and_dict():
    w = _filled()
    df = w.to_pandas()
    assert list(df.columns) == ["run", "metric", "step", "epoch", "time", "value"]
    assert set(df.run) == {"run-1"}
    assert len(df) == sum(len(v["value"]) for run in w.to_dict().values() for v in run["metrics"].values())
    loss = df[df.metric == "loss"]["value"].to_numpy()
    np.testing.assert_array_equal(loss, w.history["loss"].values)


def test_bad_csv(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a lossplot_widget CSV"):
        LiveLossWidget.from_csv(path)
    path.write_text("metric,step,epoch,time,value\nloss,1.5,0,0,1\n")
    with pytest.raises(ValueError, match="line 2"):
        LiveLossWidget.from_csv(path)


def _sweep() -> LiveLossWidget:
    w = LiveLossWidget()
    for k, (lr, opt) in enumerate([(1e-3, "adam"), (3e-3, "sgd"), (1e-2, "adam")]):
        with w.run(f"lr={lr}", config={"lr": lr, "optimizer": opt, "batch": 64, "nested": {"wd": [0.1, k]}}):
            for step in range(20 + k):
                w.log(loss=1.0 / (step + 1) + lr, acc=step / 30)
            w.log_epoch(val_loss=lr * 7)
    w.run("empty", config={"note": "no points"}).finish()
    return w


def test_csv_round_trip_with_runs_and_configs_is_exact(tmp_path):
    w = _sweep()
    path = tmp_path / "runs.csv"
    w.to_csv(path)
    back = LiveLossWidget.from_csv(path)
    assert list(back.runs) == list(w.runs) == ["lr=0.001", "lr=0.003", "lr=0.01", "empty"]
    for name, run in w.runs.items():
        other = back.runs[name]
        assert other.config == run.config
        assert other.history.names == run.history.names
        for metric in run.history.names:
            a, b = run.history[metric], other.history[metric]
            np.testing.assert_array_equal(a.steps, b.steps)
            np.testing.assert_array_equal(a.values, b.values)
            np.testing.assert_array_equal(a.epochs, b.epochs)
            np.testing.assert_array_equal(a.times, b.times)
    assert back.runs["empty"].config == {"note": "no points"} and len(back.runs["empty"].history) == 0
    assert {r.status for r in back.runs.values()} == {"finished"}
    # the file is long form with a run column; the config sits on each run's first row only
    lines = path.read_text().splitlines()
    assert lines[0] == "run,metric,step,epoch,time,value,config"
    assert sum(1 for line in lines if '""lr""' in line) == 3


def test_csv_without_a_run_column_still_loads(tmp_path):
    path = tmp_path / "old.csv"
    path.write_text("metric,step,epoch,time,value\nloss,0,0.0,0.0,1.5\nloss,1,0.0,0.1,1.25\nval_loss,1,0.0,0.1,2.0\n")
    back = LiveLossWidget.from_csv(path)
    assert len(back.runs) == 1
    assert back.history["loss"].values.tolist() == [1.5, 1.25]
    assert back.history["val_loss"].steps.tolist() == [1]
    assert not back._runs.comparing  # one unnamed run: drawn exactly as before runs existed


def test_pandas_has_run_and_config_columns():
    w = _sweep()
    df = w.to_pandas()
    assert list(df.columns[:6]) == ["run", "metric", "step", "epoch", "time", "value"]
    assert {"config.lr", "config.optimizer", "config.batch", "config.nested"} <= set(df.columns)
    sub = df[(df.run == "lr=0.003") & (df.metric == "loss")]
    np.testing.assert_array_equal(sub.value.to_numpy(), w.runs["lr=0.003"].history["loss"].values)
    assert set(sub["config.optimizer"]) == {"sgd"} and set(sub["config.lr"]) == {3e-3}
    assert len(df) == sum(sum(r.history.counts().values()) for r in w.runs.values())


def test_to_dict_holds_every_run_and_round_trips():
    """to_dict() covers every run (as to_csv and to_pandas do), with status and config; from_dict is exact."""
    w = LiveLossWidget()
    with w.run("a", config={"lr": 0.1}):
        w.log(loss=1.0); w.log(loss=0.5)
    r = w.run("b")
    w.log(loss=2.0, step=7, epoch=2); w.log_epoch(val_loss=2.5)
    d = w.to_dict()
    assert list(d) == ["a", "b"]
    assert d["a"]["status"] == "finished" and d["a"]["config"] == {"lr": 0.1}
    assert d["b"]["status"] == "running" and d["b"]["metrics"]["val_loss"]["step"] == [7]
    assert d["a"]["metrics"]["loss"]["value"] == [1.0, 0.5]
    json.dumps(d)  # JSON-ready
    back = LiveLossWidget.from_dict(d)
    assert list(back.runs) == ["a", "b"]
    assert back.runs["a"].config == {"lr": 0.1} and back.runs["a"].status == "finished"
    assert back.runs["b"].status == "finished"  # nothing logs into a loaded run here
    for name in ("a", "b"):
        assert back.runs[name].history.to_dict() == w.runs[name].history.to_dict()
    r.finish()
    with pytest.raises(ValueError, match="to_dict"):
        LiveLossWidget.from_dict({"loss": {"step": [0]}})  # a history dict, not a runs dict
