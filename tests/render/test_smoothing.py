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


# ---------------------------------------------------------------------------------------------------------------
# An independent oracle. The test above compares with a transcription of TensorBoard's code, which could share a
# mistake with the module; these compare with the debiased EMA as a formula: for weight w and finite x_0..x_i,
#     s_i = sum_{j<=i} w^(i-j) (1 - w) x_j / (1 - w^(i+1))
# computed three other ways (term by term, scipy's IIR filter, closed forms), at every point of the series, after
# every chunk, fed chunk by chunk as the widget's frames feed them.

ORACLE_WEIGHTS = [0.0, 0.25, 0.6, 0.9, 0.99, 0.999, 0.9999]
RTOL = 1e-12  # measured worst case: 5.6e-13 at w = 0.9999 (the recursion's rounding grows like 1 / (1 - w))
APIS = ["EmaState", "EmaTrack", "SeriesTrack"]
# (api, weight) pairs; a SeriesTrack takes weight 0 as "smoothing off" (it keeps no smoothed values)
API_WEIGHTS = [(api, w) for api in APIS for w in ORACLE_WEIGHTS if not (api == "SeriesTrack" and w == 0)]


def ema_by_definition(x, w):
    """The sum above, term by term (O(n^2): a matrix of powers of w), for finite ``x``."""
    x = np.asarray(x, dtype=np.float64)
    i = np.arange(len(x))
    lag = i[:, None] - i[None, :]
    powers = np.where(lag >= 0, np.power(w, np.maximum(lag, 0).astype(np.float64)), 0.0)
    return powers @ ((1 - w) * x) / (1 - np.power(w, i + 1.0))


def ema_by_lfilter(x, w):
    """The same as an IIR filter y_i = w y_(i-1) + (1 - w) x_i (scipy), debiased, for finite ``x``."""
    from scipy.signal import lfilter

    x = np.asarray(x, dtype=np.float64)
    return lfilter([1 - w], [1, -w], x) / (1 - np.power(w, np.arange(1, len(x) + 1.0)))


def step_closed_form(a, b, k, n, w):
    """``a`` for i < k, then ``b``: s_i = a, then (a (w^(i-k+1) - w^(i+1)) + b (1 - w^(i-k+1))) / (1 - w^(i+1))."""
    i = np.arange(k, n, dtype=np.float64)
    after = (a * (w ** (i - k + 1) - w ** (i + 1)) + b * (1 - w ** (i - k + 1))) / (1 - w ** (i + 1))
    return np.concatenate([np.full(k, a), after])


def chunk_ends(n, seed):
    """Where each frame's chunk ends: single points, block-sized and odd-sized chunks, in random order."""
    rng = np.random.default_rng(seed)
    ends, end = [], 0
    while end < n:
        end = min(n, end + int(rng.choice([1, 1, 2, 3, 17, 63, 64, 65, 128, 300])))
        ends.append(end)
    return ends


def smoothed_after_each_chunk(api, values, weight, seed=0):
    """Feed ``values`` chunk by chunk through ``api``; yield (end, the whole smoothed prefix as ``api`` gives it)."""
    from lossplot_widget.core.history import History
    from lossplot_widget.render.smoothing import EmaTrack
    from lossplot_widget.render.tracks import SeriesTrack

    values = np.asarray(values, dtype=np.float64)
    state = EmaState(weight)
    track = EmaTrack(weight, block=64, dense=100)  # small blocks and head: values() recomputes from checkpoints
    series_track, history = SeriesTrack(), History()
    pieces, pos = [], 0
    for end in chunk_ends(len(values), seed):
        if api == "EmaState":
            got = state.update(values[:end])
        elif api == "EmaTrack":
            pieces.append(track.advance(values[pos:end]))
            got = np.concatenate(pieces)
            fetch = lambda a, b: values[a:b]  # noqa: E731
            np.testing.assert_array_equal(track.values(fetch, 0, end), got)  # recomputed == handed out
        else:  # the widget's path: a history growing between frames, and the track that draws it
            for v in values[pos:end].tolist():
                history.append({"loss": v}, None, None)
            series_track.update(history["loss"], weight)
            got = series_track.smooth_fetch(0, series_track.size)
        assert len(got) == end
        yield end, got
        pos = end


def loss_like(n, seed):
    """A decaying, noisy, positive training loss (no value near 0, so a relative tolerance is meaningful)."""
    rng = np.random.default_rng(seed)
    return 2.0 + 5.0 * np.exp(-np.arange(n) / 300) + 0.5 * rng.normal(size=n)


@pytest.mark.parametrize("weight", ORACLE_WEIGHTS)
def test_the_two_oracles_agree(weight):
    values = loss_like(1500, 3)
    np.testing.assert_allclose(ema_by_lfilter(values, weight), ema_by_definition(values, weight), rtol=RTOL, atol=0)
    np.testing.assert_allclose(  # and with the closed form of a step
        ema_by_definition(np.r_[np.full(40, 0.7), np.full(200, 2.5)], weight),
        step_closed_form(0.7, 2.5, 40, 240, weight), rtol=RTOL, atol=0,
    )


@pytest.mark.parametrize(("api", "weight"), API_WEIGHTS)
def test_incremental_smoothing_is_the_debiased_ema_at_every_point(api, weight):
    values = loss_like(1500, 4)
    expected = ema_by_definition(values, weight)
    for end, got in smoothed_after_each_chunk(api, values, weight, seed=5):
        np.testing.assert_allclose(got, expected[:end], rtol=RTOL, atol=0, err_msg=f"after {end} points")


@pytest.mark.parametrize(("api", "weight"), API_WEIGHTS)
def test_a_constant_series_smooths_to_itself(api, weight):
    c = 0.1  # not a binary fraction: the recursion rounds, its debiased value still is c to rounding
    for end, got in smoothed_after_each_chunk(api, np.full(1000, c), weight, seed=6):
        np.testing.assert_allclose(got, np.full(end, c), rtol=RTOL, atol=0, err_msg=f"after {end} points")
        if api == "EmaState":
            np.testing.assert_array_equal(got, np.full(end, c))  # TensorBoard's rule: returned unchanged


@pytest.mark.parametrize(("api", "weight"), API_WEIGHTS)
def test_a_step_follows_the_closed_form_at_every_point(api, weight):
    a, b, k, n = 0.7, 2.5, 137, 1200  # constant for 137 points (the constant rule), then not
    values = np.where(np.arange(n) < k, a, b)
    expected = step_closed_form(a, b, k, n, weight)
    for end, got in smoothed_after_each_chunk(api, values, weight, seed=7):
        np.testing.assert_allclose(got, expected[:end], rtol=RTOL, atol=0, err_msg=f"after {end} points")


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("weight", [0.25, 0.6, 0.99, 0.999])
def test_a_non_finite_value_is_drawn_as_is_and_skipped_by_the_average(api, weight):
    """As the module says (and TensorBoard does): NaN/Inf are returned unchanged and do not count, so the average
    goes on across them as if they were not there (it neither restarts nor takes them in)."""
    values = loss_like(900, 8)
    bad = np.array([0, 1, 100, 101, 102, 333, 640, 899])  # a run at the start, a run, singles, the last point
    values[bad] = [np.nan, np.inf, np.nan, -np.inf, np.nan, np.inf, -np.inf, np.nan]
    finite = np.isfinite(values)
    expected = values.copy()
    expected[finite] = ema_by_definition(values[finite], weight)  # the oracle sees finite values only
    np.testing.assert_allclose(expected[finite], ema_by_lfilter(values[finite], weight), rtol=RTOL, atol=0)
    # the finite stretch before the first non-finite run is smoothed on its own, then the average carries on:
    np.testing.assert_allclose(expected[2:100], ema_by_lfilter(values[2:100], weight), rtol=RTOL, atol=0)
    restarted = ema_by_lfilter(values[103:333], weight)
    assert not np.allclose(expected[103:333], restarted, rtol=1e-6)  # so a restart at a NaN would be caught
    for end, got in smoothed_after_each_chunk(api, values, weight, seed=9):
        np.testing.assert_array_equal(got[~finite[:end]], values[:end][~finite[:end]])  # NaN == NaN here
        np.testing.assert_allclose(got[finite[:end]], expected[:end][finite[:end]], rtol=RTOL, atol=0,
                                   err_msg=f"after {end} points")
