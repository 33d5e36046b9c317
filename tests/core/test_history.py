from __future__ import annotations

import math

import numpy as np

from lossplot_widget.core import history as history_mod
from lossplot_widget.core.history import History


def test_steps_default_to_next_global_step():
    h = History()
    assert h.append({"loss": 1.0}, None, None) == 0
    assert h.append({"loss": 0.5, "acc": 0.1}, None, None) == 1
    assert h.append({"loss": 0.4}, 10, None) == 10
    assert h.append({"loss": 0.3}, None, None) == 11
    assert h["loss"].steps.tolist() == [0, 1, 10, 11]
    assert h["acc"].steps.tolist() == [1]
    assert h.names == ["loss", "acc"]


def test_values_kept_exactly_including_nonfinite():
    h = History()
    vals = [0.1, math.nan, math.inf, -math.inf, 1e308, 5e-324, -0.0]
    for v in vals:
        h.append({"m": v}, None, None)
    np.testing.assert_array_equal(h["m"].values, np.array(vals))
    st = h["m"].stats()
    assert st.first_nonfinite_step == 1 and math.isnan(st.first_nonfinite_value)
    assert st.min == 0.0 and math.copysign(1.0, st.min) == -1.0 and st.min_step == 6  # -0.0 < 5e-324
    assert st.max == 1e308 and st.max_step == 4


def test_commit_batches_and_growth(monkeypatch):
    monkeypatch.setattr(history_mod, "COMMIT_EVERY", 7)
    h = History()
    for i in range(1000):
        h.append({"x": float(i)}, None, None)
    s = h["x"]
    assert len(s) == 1000
    np.testing.assert_array_equal(s.values, np.arange(1000.0))
    np.testing.assert_array_equal(s.steps, np.arange(1000))
    assert s.values.dtype == np.float64 and s.steps.dtype == np.int64
    assert not s.values.flags.writeable


def test_epochs_run_length():
    h = History()
    for e in range(3):
        for _ in range(4):
            h.append({"loss": 1.0}, None, e)
    assert h["loss"].epochs.tolist() == [0.0] * 4 + [1.0] * 4 + [2.0] * 4
    assert len(h["loss"].epoch_runs) == 3


def test_stats_min_max_steps():
    h = History()
    for step, v in enumerate([3.0, 1.0, 4.0, 1.5, 9.0, 2.0]):
        h.append({"loss": v}, step * 10, None)
    st = h["loss"].stats()
    assert (st.min, st.min_step, st.max, st.max_step) == (1.0, 10, 9.0, 40)
    assert st.last == 2.0 and st.last_step == 50 and st.count == 6
