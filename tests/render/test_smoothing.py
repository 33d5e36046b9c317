from __future__ import annotations

import math

import numpy as np
import pytest

from lossplot_widget.render.smoothing import EmaState, ema_smooth


def tensorboard_reference(values, weight):
    """TensorBoard's vz_line_chart2 resmoothing, transcribed step by step (JS numbers are doubles)."""
    last = 0.0 if len(values) else math.nan
    num_accum = 0
    is_constant = all(v == values[0] for v in values)
    out = []
    for next_val in values:
        if is_constant or not math.isfinite(next_val):
            out.append(next_val)
        else:
            last = last * weight + (1 - weight) * next_val
            num_accum += 1
            debias = 1.0
            if weight != 1.0:
                debias = 1.0 - math.pow(weight, num_accum)
            out.append(last / debias)
    return out


SEQUENCES = [
    [1.0, 2.0, 3.0, 4.0],
    [5.0, 5.0, 5.0],
    [0.3, float("nan"), 0.2, float("inf"), 0.1],
    list(np.random.default_rng(0).normal(size=500)),
    [1e308, -1e308, 1e-308, 5e-324],
]


@pytest.mark.parametrize("values", SEQUENCES)
@pytest.mark.parametrize("weight", [0.0, 0.25, 0.6, 0.99, 0.999])
def test_bit_identical_to_tensorboard(values, weight):
    ours = ema_smooth(values, weight)
    ref = np.array(tensorboard_reference(values, weight))
    np.testing.assert_array_equal(ours, ref)  # exact, NaN == NaN


def test_incremental_equals_whole():
    rng = np.random.default_rng(1)
    values = rng.normal(size=1000)
    state = EmaState(0.9)
    for end in (1, 2, 50, 51, 700, 1000):
        partial = state.update(values[:end])
    np.testing.assert_array_equal(partial, ema_smooth(values, 0.9))


def test_constant_then_varying_becomes_smoothed():
    state = EmaState(0.5)
    np.testing.assert_array_equal(state.update(np.array([2.0, 2.0])), [2.0, 2.0])
    out = state.update(np.array([2.0, 2.0, 4.0]))
    np.testing.assert_array_equal(out, tensorboard_reference([2.0, 2.0, 4.0], 0.5))


def test_weight_is_validated():
    with pytest.raises(ValueError):
        EmaState(1.5)


@pytest.mark.parametrize("weight", [0.0, 0.6, 0.99, 0.9999])
def test_track_is_bit_identical_and_recomputes_any_range(weight):
    from lossplot_widget.render.smoothing import EmaTrack

    rng = np.random.default_rng(int(weight * 1e4))
    values = rng.normal(size=20_000) * 1e3
    values[[5, 777, 15_000]] = [np.nan, np.inf, -np.inf]
    full = ema_smooth(values, weight)
    track = EmaTrack(weight, block=64, dense=1000)
    pos, out = 0, []
    while pos < len(values):
        n = int(rng.integers(1, 3000))
        out.append(track.advance(values[pos : pos + n]))
        pos += n
    np.testing.assert_array_equal(np.concatenate(out), full)
    fetch = lambda a, b: values[a:b]  # noqa: E731
    for lo, hi in [(0, 10), (990, 1010), (12_345, 12_346), (19_000, 20_000), (0, 20_000)]:
        np.testing.assert_array_equal(track.values(fetch, lo, hi), full[lo:hi])
    assert track.nbytes < 20_000 * 8  # O(n / block) plus the dense head, not the whole series


def test_sparse_series_are_smoothed_over_the_same_steps_as_their_panel() -> None:
    from lossplot_widget.core.history import History
    from lossplot_widget.render.builder import FrameBuilder
    from lossplot_widget.render.frame import FrameOptions

    h = History()
    rng = np.random.default_rng(1)
    loss = rng.normal(size=300) + 5
    val = {s: 6.0 - s / 100 for s in range(29, 300, 30)}  # once per 30 steps
    for step in range(300):
        h.append({"loss": float(loss[step]), **({"val_loss": val[step]} if step in val else {})}, step, None)
    frame = FrameBuilder(h).build(FrameOptions(smoothing=0.6))
    by_name = {sf.name: sf for sf in frame.panels["loss"]}
    # the densest series: TensorBoard's EMA, bit for bit
    np.testing.assert_array_equal(by_name["loss"].smooth_y, ema_smooth(loss, 0.6))
    # the sparse one: weight 0.6 ** 30 per point, so it follows its points instead of lagging 1.5 points behind
    np.testing.assert_array_equal(by_name["val_loss"].smooth_y, ema_smooth(list(val.values()), 0.6**30))
    assert np.max(np.abs(by_name["val_loss"].smooth_y - list(val.values()))) < 1e-6
    exact = FrameBuilder(h).build(FrameOptions(smoothing=0.6, smooth_by_steps=False)).panels["loss"][1]
    np.testing.assert_array_equal(exact.smooth_y, ema_smooth(list(val.values()), 0.6))  # TensorBoard's, kept
    assert np.max(np.abs(exact.smooth_y - list(val.values()))) > 0.05
