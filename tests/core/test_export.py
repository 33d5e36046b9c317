from __future__ import annotations

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
    a, b = w.to_dict(), back.to_dict()
    assert list(a) == list(b)
    for name in a:
        for col in ("step", "epoch", "value"):
            np.testing.assert_array_equal(np.array(a[name][col]), np.array(b[name][col]))
        np.testing.assert_array_equal(np.float32(a[name]["time"]), np.float32(b[name]["time"]))
    assert back.history["loss"].steps[-3] == 2**53


def test_pandas_and_dict():
    w = _filled()
    df = w.to_pandas()
    assert list(df.columns) == ["metric", "step", "epoch", "time", "value"]
    assert len(df) == sum(len(v["value"]) for v in w.to_dict().values())
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
