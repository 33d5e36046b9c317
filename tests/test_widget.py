from __future__ import annotations

import time

import numpy as np
import pytest
from _frameworks import require
from traitlets import TraitError

from lossplot_widget import LiveLossWidget


def decode(msg, key):
    """The array sent for trait ``key`` in a recorded update message (bqplot binary serialization)."""
    data = msg["data"]
    state = data["state"][key]
    paths = data.get("buffer_paths", [])
    buf = msg["buffers"][paths.index([key, "value"])]
    return np.frombuffer(buf, dtype=state["dtype"]).reshape(state["shape"])


def marks_of(w):
    panel = w._view.panels["loss"]
    return panel.marks("loss")


def test_tight_loop_sends_few_frames_one_message_per_mark(recorder):
    w = LiveLossWidget(smoothing=0.6)
    w.widget  # display: builds the view
    recorder.clear()
    frames_before = w.frames_sent
    n = 10_000
    for i in range(n):
        w.log(loss=float(n - i))
    w.flush()
    frames = w.frames_sent - frames_before
    marks = marks_of(w)
    assert 1 <= frames <= 10, frames
    for mark in marks.marks:
        updates = recorder.updates(mark.model_id)
        # x and y (and opacity) of one frame travel together: one message per mark per frame
        assert len(updates) <= frames
        assert all({"x", "y"} <= set(u["data"]["state"]) for u in updates)
    last = recorder.updates(marks.raw.model_id)[-1]
    assert decode(last, "y")[-1] == 1.0
    assert decode(last, "x")[-1] == n - 1
    total = len(recorder.updates())
    print(f"\n10,000 log() calls: {frames} frames, {total} update messages")
    # per frame: one message per series mark, plus at most the notes/summary/rules/progress widgets,
    # the y scale's range (one message for min and max), the y tick format, the x ticks and the legend
    assert total <= frames * (len(marks.marks) + 9), (total, frames)


def test_trailing_flush_by_timer_without_user_action(recorder):
    w = LiveLossWidget(refresh_interval=0.2)
    w.widget
    for i in range(100):
        w.log(loss=float(i))
    assert w.dirty  # the loop ended between two frames
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and w.dirty:
        time.sleep(0.02)
    assert not w.dirty
    assert marks_of(w).raw.y[-1] == 99.0


def test_post_run_cell_flushes():
    require("IPython")
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.run_cell(
            "from lossplot_widget import LiveLossWidget\n"
            "w = LiveLossWidget(refresh_interval=600)\n"
            "w.widget\n"
            "for i in range(1000): w.log(loss=float(i))\n"
        )
        w = shell.user_ns["w"]
        assert not w.dirty
        assert w._view.panels["loss"].marks("loss").raw.y[-1] == 999.0
    finally:
        InteractiveShell.clear_instance()


def test_with_block_and_close_flush_and_redisplay(recorder):
    w = LiveLossWidget(refresh_interval=600)
    assert w.widget is w  # compatibility: the widget is the ipywidget
    first_id = w.model_id
    with w:
        w.log(loss=1.0)
        w.log(loss=2.0)
        w.log(loss=3.0)
    assert w._view.panels["loss"].marks("loss").raw.y[-1] == 3.0
    w.log(loss=4.0)
    w.close()
    assert w._view is None and w.comm is None
    w.log(loss=5.0)  # keeps recording after close
    bundle = w._repr_mimebundle_()  # displayed again: a new comm, a new view over the whole history
    assert w.comm is not None and w.model_id != first_id
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == w.model_id
    assert w._view.panels["loss"].marks("loss").raw.y.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    opened = [m["data"]["state"] for m in recorder.messages if m["msg_type"] == "comm_open" and m["comm_id"] == w.model_id]
    assert len(opened) == 1 and opened[0]["children"] == [f"IPY_MODEL_{c.model_id}" for c in w.children]


def test_toolbar_controls_drive_the_frame(recorder):
    w = LiveLossWidget(smoothing=0.0)
    w.widget
    for v in [1.0, 0.0, 2.0, 3.0]:
        w.log(loss=v)
    w.flush()
    view = w._view
    panel = view.panels["loss"]
    view.log_y.value = True  # the toggle in the toolbar
    assert w.log_y is True
    assert panel.y_axis.scale is panel.log_scale
    assert panel.marks("loss").raw.scales["y"] is panel.log_scale
    assert np.isnan(panel.marks("loss").raw.y[1])
    assert "value(s) &le; 0" in view.notes.value
    view.smoothing.value = 0.5
    assert len(panel.marks("loss").smooth.y) == 4
    assert panel.marks("loss").raw.opacities[0] < 1
    view.x_axis.value = "time"
    assert panel.x_axis.label.startswith("wall-clock")


def test_panels_legend_and_escaped_names(recorder):
    w = LiveLossWidget(smoothing=0.0)
    w.widget
    name = '<img src=x onerror="alert(1)">'
    w.log({"loss": 1.0, "val_loss": 2.0, "acc": 0.5, name: 1.0})
    w.log(loss=float("nan"))
    w.flush()
    view = w._view
    assert list(view.panels) == ["loss", "acc", name]
    assert [b.children[0].children[0].description[2:] for b in view.panel_box.children] == ["loss", "acc", name]
    loss_panel = view.panels["loss"]
    colors = [s.raw.colors[0] for s in loss_panel.series.values()]
    assert len(set(colors)) == 2 and all(c.startswith("var(--jp-") for c in colors)
    assert loss_panel.marks("val_loss").raw.line_style == "dashed"
    assert "<img" not in view.summary.value and "&lt;img" in view.summary.value
    assert "non-finite value (nan) first at step 1" in view.notes.value


def test_logging_before_display_sends_no_message_per_log(recorder):
    """The widget exists (and has a view) from construction; logging still sends frames, not points."""
    w = LiveLossWidget(refresh_interval=600)
    recorder.clear()
    for i in range(1000):
        w.log(loss=float(i))
    assert w.frames_sent <= 1 and len(recorder.messages) <= 3 * 2 + 8  # at most one frame's updates
    w.flush()
    assert w._view.panels["loss"].marks("loss").raw.y[-1] == 999.0


def test_bad_traits():
    with pytest.raises(TraitError, match="smoothing"):
        LiveLossWidget(smoothing=1.5)
    with pytest.raises(TraitError, match="smoothing"):
        LiveLossWidget(smoothing=-0.1)
    with pytest.raises(TraitError, match="x_axis"):
        LiveLossWidget(x_axis="walltime")
    with pytest.raises(TraitError, match="max_points"):
        LiveLossWidget(max_points=3)
    with pytest.raises(TraitError, match="window"):
        LiveLossWidget(window=0)
    with pytest.raises(TraitError, match="refresh_interval"):
        LiveLossWidget(refresh_interval=-1.0)
