"""LandscapeWidget: live slices while a loop trains, what each kind teaches, export, lifecycle."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _frameworks import require

torch = require("torch")
from _models import data, mlp, train
from torch import nn

from lossplot_widget.landscape import LandscapeWidget


def _trained(kind: str, steps: int = 60, **kw):
    net = mlp()
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    kw = {"resolution": 9, "every": 10, "snapshot_every": 5, "budget": 1.0, **kw}
    scape = LandscapeWidget(net, nn.CrossEntropyLoss(), batch=data(), kind=kind, **kw)
    train(net, opt, steps, scape)
    return net, scape


def _loss(net, params=None):
    ev = __import__("copy").deepcopy(net).eval()
    if params is not None:
        ev.load_state_dict(params, strict=False)
    with torch.no_grad():
        return nn.CrossEntropyLoss()(ev(data()[0]), data()[1]).item()


def test_slices_follow_training_and_the_marks_hold_them():
    seen = []
    net, scape = _trained("2d", steps=0)
    scape.worker.on_done = lambda s: (seen.append(s.step), scape._done(s))
    train(net, torch.optim.Adam(net.parameters(), lr=1e-2), 80, scape)
    assert scape.wait(30)
    assert len(seen) >= 3 and seen == sorted(seen) and seen[0] == 0  # the first slice at once, then newer ones
    s = scape.compute()
    assert s.step == 79 and s.values.shape == (9, 9) and s.current == (0.0, 0.0)
    assert s.center_loss == pytest.approx(_loss(net), rel=1e-5)
    assert s.values[4, 4] == pytest.approx(s.center_loss, rel=1e-5)  # the grid's centre is the current weights
    view = scape._view
    assert np.array_equal(view.heat.color, s.values) and view.heat.visible
    assert len(view.contours.x) > 10 and np.isnan(view.contours.x).any()
    assert len(view.path.x) == len(scape.trajectory) == 16  # the initial weights, then steps 5, 10, ..., 75
    assert "step 79" in view.figure.title and "slice at step 79" in view.note.value
    scape.close()


def test_1d_line_goes_through_the_initial_and_current_weights():
    net0 = mlp()
    initial = {k: v.detach().clone() for k, v in net0.named_parameters()}
    net, scape = _trained("1d", resolution=21, val_batch=data(64, seed=7))
    s = scape.compute()
    assert np.allclose(s.x, np.linspace(-0.5, 1.5, 21))
    at0, at1 = int(np.argmin(abs(s.x))), int(np.argmin(abs(s.x - 1)))
    assert s.values[at0] == pytest.approx(_loss(net, initial), rel=1e-5)
    assert s.values[at1] == pytest.approx(_loss(net), rel=1e-5) == s.center_loss
    assert s.values[at1] < s.values[at0]  # it trained
    assert s.val_values is not None and s.val_values.shape == (21,) and not np.allclose(s.val_values, s.values)
    assert scape._view.lines.y.shape == (2, 21)
    path = s.path[:, 0]
    assert path[0] == pytest.approx(0.0, abs=1e-6) and 0.5 < path[-1] <= 1.0 + 1e-6
    scape.close()


def test_pca_path_starts_at_the_initial_weights_and_ends_at_the_centre():
    net, scape = _trained("pca", resolution=11)
    s = scape.compute()
    assert s.explained is not None and 0.5 < s.explained[0] <= 1 and s.explained[0] >= s.explained[1]
    assert np.allclose(s.path[0], s.start, atol=1e-6)  # the first snapshot is the initial weights
    # the last snapshot (step 55) is near the current weights (step 59), the plane's origin
    assert np.linalg.norm(s.path[-1]) < 0.2 * np.linalg.norm(s.path[0])
    assert s.x[0] < min(s.path[:, 0]) and s.x[-1] > max(s.path[:, 0])  # the plane covers the path
    assert s.y[0] < min(s.path[:, 1]) and s.y[-1] > max(s.path[:, 1])
    assert "PCA plane" in scape._view.figure.title and "PC1" in scape._view.x_axis.label
    scape.close()


def test_pca_before_any_path_says_so():
    net = mlp()
    scape = LandscapeWidget(net, nn.CrossEntropyLoss(), batch=data(), kind="pca", resolution=5)
    scape.track(0)
    assert "waiting for the path" in scape._view.note.value
    with pytest.raises(ValueError, match="needs the path"):
        scape.compute()
    with pytest.raises(RuntimeError, match="no slice yet"):
        scape.to_numpy()
    scape.close()


def test_export_static_svg_and_log_colour():
    net, scape = _trained("2d", log_color=True)
    s = scape.compute()
    out = scape.to_numpy()
    assert {"x", "y", "values", "path", "start", "current", "step", "kind"} <= set(out)
    assert np.array_equal(out["values"], s.values)
    assert np.allclose(scape._view.heat.color, np.log10(s.values)) and scape._view.color_axis.label == "log10 loss"
    bundle = scape._repr_mimebundle_()
    svg = bundle["image/svg+xml"]
    assert svg.startswith("<svg") and svg.count('class="cell"') == 81 and "step 59" in svg
    assert "application/vnd.jupyter.widget-view+json" in bundle and "LandscapeWidget(kind='2d'" in bundle["text/plain"]
    scape.log_color = False
    assert np.allclose(scape._view.heat.color, s.values)
    scape.close()


def test_step_numbers_must_grow_and_a_restart_is_counted_on():
    net = mlp()
    scape = LandscapeWidget(net, nn.CrossEntropyLoss(), batch=data(), resolution=5, snapshot_every=1, every=1000)
    for step in range(5):
        scape.track(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scape.track(0)  # a step within the epoch
        scape.track(1)
    assert len([w for w in caught if "not after step" in str(w.message)]) == 1
    assert scape.trajectory.steps[-2:] == [5, 6]
    scape.close()


def test_bad_settings_are_refused():
    net = mlp()
    with pytest.raises(Exception, match="kind"):
        LandscapeWidget(net, nn.CrossEntropyLoss(), batch=data(), kind="3d")
    with pytest.raises(ValueError, match="span"):
        LandscapeWidget(net, nn.CrossEntropyLoss(), batch=data(), span=0)


def test_close_leaves_no_comm_open(recorder):
    net, scape = _trained("2d", steps=20)
    scape.compute()
    opened = {m["comm_id"] for m in recorder.messages if m["msg_type"] == "comm_open"}
    assert len(opened) > 10
    scape.close()
    closed = {m["comm_id"] for m in recorder.messages if m["msg_type"] == "comm_close"}
    assert opened - closed == set()


def test_importing_the_landscape_does_not_import_torch():
    import subprocess
    import sys

    code = ("import sys; import lossplot_widget.landscape as m; from lossplot_widget.landscape import slices, svg, view; "
            "print('torch' in sys.modules, m.__all__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False ['LandscapeWidget', 'Slice']"
