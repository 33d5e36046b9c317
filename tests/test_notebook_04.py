"""Tutorial 04 (the loss landscape), run in fast mode offline: what it teaches is what its outputs show.

Every number or comparison its markdown states is read from the markdown (or the code) and checked
against what the executed notebook computed, so the text cannot drift from the outputs unnoticed.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from _notebooks import Run, assert_clean, run_notebook, stdout_of


# ------------------------------------------------------------ 04 loss landscape
@pytest.fixture(scope="module")
def landscape_run() -> Run:
    return run_notebook("04_loss_landscape.ipynb", """
from lossplot_widget.datasets import load_mnist as _load
_full = _load()
_probe.update(
    initial_loss=initial_loss, final_loss=final_loss, live_slices=list(live_slices), steps=step,
    line_x=line_slice.x.tolist(), line_values=line_slice.values.tolist(), line_val=line_slice.val_values.tolist(),
    monotonic=monotonic,
    path=path_slice.path.tolist(), path_start=list(path_slice.start), explained=list(path_slice.explained),
    path_center=path_slice.center_loss, path_grid=[path_slice.x.tolist(), path_slice.y.tolist()],
    path_size=int(path_slice.values.size),
    snapshots=len(path.trajectory), plane_center=plane_slice.center_loss, plane_probe=probe_loss(net),
    plane_shape=list(plane_slice.values.shape), plane_centre_value=float(plane_slice.values[RES // 2, RES // 2]),
    plane_values=plane_slice.values.tolist(),
    runs={str(k): v for k, v in runs.items()}, sharper=sharper, better=better, res=RES,
    probe_size=len(probe[0]), val_probe_size=len(val_probe[0]), n_train=len(X_train), n_val=len(X_val),
    full_train=len(_full.x_train), full_val=len(_full.x_val), epochs=EPOCHS,
    every=[line.every, path.every], budget=[line.worker.throttle.budget, path.worker.throttle.budget],
    burst=[line.worker.throttle.burst, path.worker.throttle.burst],
    tracking=tracking, train_seconds=train_seconds, n_params=len(w), cosine=cosine, target=TARGET, lr=LR,
)
""")


def _cells(run: Run, kind: str) -> str:
    # the cells as committed (the probe cell appended by run_notebook left out)
    cells = [c for c in run.nb.cells[:-1] if c.cell_type == kind]
    return "\n".join(c.source for c in cells)


def _text(run: Run) -> str:
    """The markdown, with LaTeX's spaces and escapes reduced to plain text (``$\\alpha \\approx 1.17$`` ->
    ``alpha ~ 1.17``)."""
    text = _cells(run, "markdown").replace("\n", " ")
    for tex, plain in (("\\alpha", "alpha"), ("\\approx", "~"), ("$", ""), ("{,}", ",")):
        text = text.replace(tex, plain)
    return re.sub(r"\s+", " ", text)


def _number(pattern: str, text: str) -> float:
    m = re.search(pattern, text)
    assert m, f"the text no longer says {pattern!r}"
    return float(m.group(1).replace(",", ""))


def _fast_full(name: str, code: str) -> tuple[float, float]:
    # NAME = <fast> if FAST else <full>
    m = re.search(rf"^{name} = ([\d.e-]+) if FAST else ([\d.e-]+)", code, re.M)
    assert m, name
    return float(m.group(1)), float(m.group(2))


def _line(p: dict) -> dict:
    a, v, val = (np.array(p[k]) for k in ("line_x", "line_values", "line_val"))
    on, i1 = a >= 0, int(np.argmin(abs(a - 1)))
    return {"a": a, "v": v, "val": val, "i1": i1,
            "low_train": float(a[on][np.argmin(v[on])]), "low_val": float(a[on][np.argmin(val[on])])}


def test_landscape_notebook_runs_clean_and_fast(landscape_run: Run) -> None:
    assert_clean(landscape_run)
    assert landscape_run.seconds < 60
    def pictures(outputs) -> list[str]:
        return [o.data["image/svg+xml"] for o in outputs if o.output_type == "display_data"
                and "lossplot-landscape-static" in o.data.get("image/svg+xml", "")]

    # every landscape widget leaves one static picture for saved notebooks and the docs: line and path (in an
    # HBox with the curve), the plane (displayed on its own) and the two batch sizes' slices (in an HBox)
    assert len(pictures(landscape_run.outputs("display_data"))) == 5
    (plane_cell,) = [c for c in landscape_run.nb.cells if c.cell_type == "code" and "display(plane)" in c.source]
    (plane,) = pictures(plane_cell.outputs)
    assert "2-D filter-normalized slice" in plane


def test_landscape_intro_states_the_models_size_the_data_and_the_settings(landscape_run: Run) -> None:
    p, text, code = landscape_run.probe, _text(landscape_run), _cells(landscape_run, "code")
    assert p["n_params"] == 101_770 and text.count("101,770") >= 3
    # "a few hundred training images: 256 in fast mode, 512 in full mode", "a probe batch twice as large"
    fast, full = _fast_full("PROBE", code)
    assert (fast, full) == (_number(r"(\d+) in fast mode, \d+ in full mode", text),
                            _number(r"\d+ in fast mode, (\d+) in full mode", text))
    assert p["probe_size"] == p["val_probe_size"] == fast and 100 <= fast < full < 1000 and full == 2 * fast
    assert "probe batch twice as large" in text
    # the data: offline 10,000 training and 2,000 validation images; fast mode 4,000 and 1,000
    assert (p["full_train"], p["full_val"]) == (_number(r"offline, [^:]*: ([\d,]+) and", text),
                                                _number(r"offline, [^:]*: [\d,]+ and ([\d,]+)", text))
    assert (p["n_train"], p["n_val"]) == (_number(r"fewer images \(([\d,]+),", text),
                                          _number(r"validating on ([\d,]+)\)", text))
    assert "x_test" not in code  # "the official test images are kept apart, unused here"
    assert (p["epochs"], _fast_full("EPOCHS", code)[1]) == (_number(r"fewer epochs \((\d+) instead", text),
                                                            _number(r"fewer epochs \(\d+ instead of (\d+)\)", text))
    assert (p["res"], _fast_full("RES", code)[1]) == (_number(r"(\d+) points per axis instead", text),
                                                      _number(r"points per axis instead of (\d+)", text))


def test_landscape_time_budget_is_what_the_text_says(landscape_run: Run) -> None:
    p, text, out = landscape_run.probe, _text(landscape_run), stdout_of(landscape_run)
    # "5% of the loop's time per widget, plus a first burst of up to 0.5 s" (intro and summary)
    pct, burst = _number(r"(\d+)% of the loop's time per widget", text), _number(r"burst of up to ([\d.]+) s", text)
    assert text.count(f"{pct:g}% of the loop's time per widget") == 2
    assert p["budget"] == [pct / 100] * 2 and p["burst"] == [burst] * 2
    # "on a loop of a few seconds that burst is a large share": the printed share of the loop
    share = p["tracking"] / p["train_seconds"]
    assert p["train_seconds"] < 10 and share > 2 * pct / 100, share
    assert f"in {p['train_seconds']:.1f} s, of which {p['tracking']:.2f} s ({share:.0%})" in out


def test_landscape_slices_were_drawn_live_during_training(landscape_run: Run) -> None:
    p, text, out = landscape_run.probe, _text(landscape_run), stdout_of(landscape_run)
    line, plane = p["live_slices"]
    # every=50 steps over ~190 steps: the line and the plane were recomputed while the loop ran
    assert line >= 3 and plane >= 2, p["live_slices"]
    assert plane <= line  # "the plane, which costs more, is redrawn at most as often"
    assert f"line {line}, PCA plane {plane}" in out
    every = _number(r"new slice every (\d+) steps", text)
    assert p["every"] == [every, every]
    # "the line costs 2 x 49 evaluations, the plane one per grid point: 11 x 11 = 121 in fast mode"
    n_line = _number(r"line costs 2 × (\d+) evaluations", text)
    assert len(p["line_x"]) == len(p["line_val"]) == n_line
    res = _number(r"(\d+) × \d+ = \d+ in fast mode", text)
    assert p["res"] == res and p["path_size"] == _number(r"= (\d+) in fast mode", text) == res * res
    full = _fast_full("RES", _cells(landscape_run, "code"))[1]
    assert _number(r"= (\d+) on a probe batch", text) == full * full > p["path_size"] > 2 * n_line
    assert f"the line {n_line:g} + {n_line:g} evaluations" in out and f"the plane {res * res:g} in" in out
    # "every 10 steps the widget keeps a copy of the weights"
    assert p["snapshots"] == len(range(0, p["steps"], int(_number(r"every (\d+) steps the widget keeps", text))))


def test_landscape_line_runs_from_the_initial_to_the_trained_network(landscape_run: Run) -> None:
    p = landscape_run.probe
    x, v = np.array(p["line_x"]), np.array(p["line_values"])
    assert x[0] == pytest.approx(-0.5) and x[-1] == pytest.approx(1.5)
    assert v[np.argmin(abs(x))] == pytest.approx(p["initial_loss"], rel=1e-5)
    assert v[np.argmin(abs(x - 1))] == pytest.approx(p["final_loss"], rel=1e-5)
    assert p["final_loss"] < 0.5 * p["initial_loss"]
    inside = (x >= 0) & (x <= 1)
    assert p["monotonic"] == bool(np.all(np.diff(v[inside]) < 0))  # the printed verdict is what the data says
    assert p["monotonic"]  # the fast run finds what Goodfellow et al. found
    assert len(p["line_val"]) == len(x)


def test_landscape_past_alpha_1_is_what_the_line_shows(landscape_run: Run) -> None:
    line, text, out = _line(landscape_run.probe), _text(landscape_run), stdout_of(landscape_run)
    a, v, val, i1 = line["a"], line["v"], line["val"], line["i1"]
    # "the training loss still falls a little past alpha = 1, to its lowest point at alpha ~ 1.17, and then
    # rises, ending above its value at alpha = 1"
    claimed = _number(r"lowest point at alpha ~ ([\d.]+)", text)
    step = a[1] - a[0]
    assert 1 < line["low_train"] < a[-1] and abs(line["low_train"] - claimed) <= step / 2 + 1e-9, line["low_train"]
    assert v.min() < v[i1] and 1 - v.min() / v[i1] < 0.1  # "a little"
    assert v[-1] > v[i1]
    # "the validation loss is lowest sooner (at alpha ~ 1.08 in fast mode) and rises more from 1 to 1.5"
    claimed_val = _number(r"validation loss\*\* is lowest sooner \(at alpha ~ ([\d.]+) in fast mode", text)
    assert line["low_val"] < line["low_train"] and abs(line["low_val"] - claimed_val) <= step / 2 + 1e-9
    assert val[-1] - val[i1] > v[-1] - v[i1] > 0
    # the printed verdicts are the ones these values give
    assert f"lowest {v[a >= 0].min():.4f} at alpha={line['low_train']:.2f}" in out
    assert f"the training loss is lowest past alpha=1, at alpha={line['low_train']:.2f}" in out
    assert "it rises again after that" in out
    assert f"the validation loss turns up sooner, at alpha={line['low_val']:.2f}" in out


def test_landscape_pca_path_starts_at_the_initial_weights(landscape_run: Run) -> None:
    p = landscape_run.probe
    path = np.array(p["path"])
    assert len(path) == p["snapshots"] >= 10
    assert np.allclose(path[0], p["path_start"], atol=1e-6)
    # "the first principal direction holds most of the variance, the two together nearly all of it"
    assert 0.5 < p["explained"][0] <= 1 and p["explained"][0] > p["explained"][1] > 0
    assert 0.9 <= sum(p["explained"]) <= 1 + 1e-6
    gx, gy = p["path_grid"]
    assert gx[0] < path[:, 0].min() and gx[-1] > path[:, 0].max() and gy[0] < path[:, 1].min() <= path[:, 1].max() < gy[-1]
    assert p["path_center"] == pytest.approx(p["final_loss"], rel=1e-5)


def test_landscape_centre_of_the_slice_is_the_models_loss(landscape_run: Run) -> None:
    p = landscape_run.probe
    assert p["plane_shape"] == [p["res"], p["res"]]
    assert p["plane_center"] == pytest.approx(p["plane_probe"], rel=1e-6)
    assert p["plane_centre_value"] == pytest.approx(p["plane_probe"], rel=1e-5)  # the grid's middle point


def test_landscape_walls_of_the_slice_are_as_high_as_the_text_says(landscape_run: Run) -> None:
    p, text, out = landscape_run.probe, _text(landscape_run), stdout_of(landscape_run)
    v = np.array(p["plane_values"])
    lo, hi, centre = np.nanmin(v), np.nanmax(v), p["plane_center"]
    # "rises to several times its lowest value: about 5 times in fast mode" (not "orders of magnitude")
    claimed = _number(r"about (\d+) times in fast mode", text)
    assert abs(hi / lo - claimed) < 1.5 and hi / lo < 10, hi / lo
    assert f"ranges from {lo:.3f} to {hi:.3f}: the highest is {hi / lo:.1f} times the lowest" in out
    # "every point on the square's border is above the centre ... though not exactly at its bottom"
    border = np.concatenate([v[0], v[-1], v[1:-1, 0], v[1:-1, -1]])
    assert border.min() > centre and "every border point is above the centre" in out
    assert lo < centre and "not at it" in out
    # "the cosine of a random direction with the net move is of the order of 1/sqrt(101,770) ~ 0.003"
    assert _number(r"1/\\sqrt\{101,770\} ~ ([\d.]+)", text) == round(p["n_params"] ** -0.5, 3)
    assert 0 < abs(p["cosine"]) < 5 * p["n_params"] ** -0.5
    assert f"{p['cosine']:+.4f}" in out


def test_landscape_batch_sizes_differ_in_one_thing(landscape_run: Run) -> None:
    p, text, code = landscape_run.probe, _text(landscape_run), _cells(landscape_run, "code")
    runs = p["runs"]
    assert sorted(runs, key=int) == ["32", "1000"]
    assert "batches of 32 images or of 1,000" in text
    # "the same learning rate, LR = 1e-3": both runs, as the code ran them
    lr = _number(r"same learning rate\*\*, `LR = ([\d.e-]+)`", text)
    assert p["lr"] == lr and runs["32"]["lr"] == runs["1000"]["lr"] == lr
    assert re.search(r"^LR = 1e-3\b", code, re.M) and "((32, LR), (1000, LR))" in code
    out = stdout_of(landscape_run)
    assert f"batch    32, lr {lr:g}:" in out and f"batch  1000, lr {lr:g}:" in out


def test_landscape_small_and_large_batch_reach_the_same_loss(landscape_run: Run) -> None:
    p, text = landscape_run.probe, _text(landscape_run)
    runs = p["runs"]
    small, large = runs["32"], runs["1000"]
    assert p["target"] == 0.2  # TARGET in fast mode
    assert small["train_loss"] <= p["target"] and large["train_loss"] <= p["target"]
    assert abs(small["train_loss"] - large["train_loss"]) < 0.05  # "two minima of about equal height"
    # "at the same learning rate the large-batch run takes fewer steps but many more epochs"
    assert large["steps"] < small["steps"] and large["epochs"] >= 5 * small["epochs"]
    assert _number(r"each of its steps costs (\d+) times as many images", text) == round(1000 / 32)
    for r in (small, large):
        assert np.isfinite(r["sharpness"]) and r["sharpness"] > 0  # the centre is a minimum of the slice
    assert p["sharper"] == (1000 if large["sharpness"] > small["sharpness"] else 32)
    assert p["better"] == (1000 if large["val_loss"] < small["val_loss"] else 32)
    # "this run agrees: the batch-1000 minimum is the sharper one, the batch-32 network has the lower
    # validation loss ... the two validation losses differ by a few percent"
    assert "the batch-1000 minimum is the sharper one" in text and p["sharper"] == 1000 and p["better"] == 32
    assert abs(small["val_loss"] - large["val_loss"]) / min(small["val_loss"], large["val_loss"]) < 0.1
    out = stdout_of(landscape_run)
    assert f"({small['epochs']:3d} epochs)" in out and f"({large['epochs']:3d} epochs)" in out
