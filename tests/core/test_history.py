from __future__ import annotations

import math

import numpy as np
import pytest

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


@pytest.mark.filterwarnings("ignore::lossplot_widget.core.readback.UnreadableValueWarning")
def test_rows_of_calls_spread_into_exactly_the_points_a_point_by_point_history_would_hold(monkeypatch):
    """A call is kept as one row and spread at commit (one 2-d array per run of plain rows with the same names):
    the columns must equal a naive per-point record, whatever the mix of name sets, epochs, restarts, values
    that are not plain floats, bulk loads between calls and commits at any moment."""
    from lossplot_widget.core.readback import Unreadable

    monkeypatch.setattr(history_mod, "COMMIT_EVERY", 13)
    rng = np.random.default_rng(7)
    h = History()
    expect: dict[str, list[tuple[int, float, float]]] = {}  # name -> (step, value, epoch)
    names = ["loss", "acc", "lr", "val_loss"]
    step, epoch = 0, 0.0
    for i in range(600):
        r = rng.random()
        if r < 0.02:  # a bulk load (from_csv, follow) between calls
            n = int(rng.integers(1, 5))
            steps = np.arange(step, step + n)
            vals = rng.normal(size=n)
            h.load("loss", steps, np.full(n, epoch), np.zeros(n), vals)
            expect.setdefault("loss", []).extend(zip(steps.tolist(), vals.tolist(), [epoch] * n))
            step += n
            continue
        if r < 0.04:
            h.commit()  # a frame at any moment
        if r < 0.07:
            epoch += 1.0
        keys = [k for k in names if rng.random() < 0.6] or ["loss"]
        values: dict[str, object] = {k: float(rng.normal()) for k in keys}
        if rng.random() < 0.05:
            values[keys[0]] = Unreadable(RuntimeError("gone"))  # not plain: spread point by point, read as NaN
        explicit = int(rng.integers(0, step + 1)) if rng.random() < 0.03 else None  # a restart
        used = h.append(values, explicit, epoch if r < 0.07 else None)
        assert used == (explicit if explicit is not None else step)
        step = max(step, used + 1)
        for k, v in values.items():
            expect.setdefault(k, []).append((used, float(v), epoch))  # type: ignore[arg-type]
        if rng.random() < 0.01:
            assert h.counts() == {k: len(v) for k, v in expect.items() if k in h}
    assert set(h.names) == set(expect)
    for name, points in expect.items():
        s = h[name]
        np.testing.assert_array_equal(s.steps, [p[0] for p in points])
        np.testing.assert_array_equal(s.values, [p[1] for p in points])  # NaN for the unreadable ones
        np.testing.assert_array_equal(s.epochs, [p[2] for p in points])


def test_a_call_is_one_row_so_an_interrupt_records_all_of_it_or_nothing():
    h = History()
    h.append({"loss": 1.0, "acc": 0.5}, None, None)
    assert h.counts() == {"loss": 1, "acc": 1} and "acc" in h and h.names == ["loss", "acc"]
    assert len(h._rows) == 0  # counts() spread the row
    h.append({"loss": 0.9, "acc": 0.6, "lr": 0.1}, None, None)
    assert len(h._rows) == 1 and "lr" in h  # a new name's series exists at once; its point is in the one row
