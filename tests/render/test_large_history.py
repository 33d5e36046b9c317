"""10^7 points: a single spike and a single NaN stay visible; what is sent per frame stays bounded."""

from __future__ import annotations

import time

import numpy as np

from lossplot_widget import LiveLossWidget

N = 10_000_000
SPIKE, GAP = 6_543_210, 3_333_333


def _load(w, n=N):
    steps = np.arange(n, dtype=np.int64)
    values = 1.0 / np.sqrt(1.0 + steps)
    if n > SPIKE:
        values[SPIKE] = 25.0
        values[GAP] = np.nan
    w.history.load("loss", steps, np.zeros(n), np.linspace(0, 3600, n), values)


def _payload(recorder, marks):
    """Bytes of binary buffers sent to each mark's comm."""
    return {m.model_id: sum(len(b) for u in recorder.updates(m.model_id) for b in u["buffers"]) for m in marks}


def test_ten_million_points_keep_spike_and_gap_in_a_bounded_frame(recorder):
    w = LiveLossWidget(smoothing=0.6, max_points=2000)
    _load(w)
    w.widget
    marks = w._view.panels["loss"].marks("loss")
    raw = marks.raw
    x, y = np.asarray(raw.x), np.asarray(raw.y)
    assert len(x) <= 2000
    assert x[0] == 0 and x[-1] == N - 1  # first and last logged points
    assert y[x == SPIKE].tolist() == [25.0]  # the spike, at its step
    assert np.isnan(y[x == GAP]).all() and (x == GAP).any()  # the NaN gap, at its step
    sx, sy = np.asarray(marks.smooth.x), np.asarray(marks.smooth.y)
    assert len(sx) <= 2000 and np.isnan(sy[sx == GAP]).all() and sy[sx == SPIKE][0] > 9.0

    # live frames after the history is built: payload bounded, not growing with history
    recorder.clear()
    steps = []
    for i in range(3):
        w.history.load("loss", [N + i], [0.0], [3600.0 + i], [0.001])
        w.flush()
        steps.append(np.asarray(raw.x)[-1])
    assert steps == [N, N + 1, N + 2]
    sent = _payload(recorder, marks.marks)
    per_frame_line = max(sent[raw.model_id], sent[marks.smooth.model_id]) / 3
    assert per_frame_line <= 16 * 2000  # float64 x and y: at most 16 bytes x max_points per line
    assert sent[marks.readout.model_id] / 3 <= 16 * 400


def test_frame_cost_does_not_depend_on_history_length(recorder):
    # timing goals live in benchmarks/; here only what is O(1): the number of points touched
    w = LiveLossWidget(smoothing=0.6, max_points=1000)
    _load(w, n=2_000_000)
    w.widget
    track = w._builder.track("loss")
    assert track.raw.size == 2_000_000
    w.history.load("loss", [2_000_000], [0.0], [0.0], [0.5])
    start = time.perf_counter()
    w.flush()
    elapsed = time.perf_counter() - start
    assert len(w._view.panels["loss"].marks("loss").raw.x) <= 1000
    print(f"\nincremental frame at 2e6 points: {elapsed * 1e3:.2f} ms")


def test_log_scale_on_a_long_history_masks_nonpositive_and_keeps_the_positive_minimum(recorder):
    n = 1_000_000
    rng = np.random.default_rng(5)
    values = rng.lognormal(size=n)
    values[rng.integers(0, n, 1000)] = 0.0
    values[rng.integers(0, n, 1000)] = -1.0
    smallest = int(np.argmin(np.where(values > 0, values, np.inf)))
    w = LiveLossWidget(smoothing=0.0, log_y=True, max_points=1000)
    steps = np.arange(n)
    w.history.load("loss", steps, np.zeros(n), np.zeros(n), values)
    w.widget
    raw = w._view.panels["loss"].marks("loss").raw
    x, y = np.asarray(raw.x), np.asarray(raw.y)
    assert len(x) <= 1000
    assert np.all((y > 0) | np.isnan(y))  # nothing <= 0 reaches the log scale
    assert y[x == smallest].tolist() == [np.float32(values[smallest])]  # the smallest positive value is drawn
    assert np.isnan(y).any()  # the masked values are gaps
    assert f"{int((values <= 0).sum())} value(s) &le; 0" in w._view.notes.value
