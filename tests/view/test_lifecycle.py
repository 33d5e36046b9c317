"""close() closes every widget the LiveLossWidget made: layouts, styles, tooltips and scales included."""

from __future__ import annotations

import threading
import time

import pytest

from lossplot_widget import LiveLossWidget


@pytest.fixture(autouse=True)
def quiet(recorder):
    """Let earlier tests' widgets draw their trailing frames first (a new series' marks are new comms)."""
    deadline = time.monotonic() + 10
    while any(isinstance(t, threading.Timer) for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.02)
    recorder.clear()


def _open_comms(recorder) -> set[str]:
    opened = {m["comm_id"] for m in recorder.messages if m["msg_type"] == "comm_open"}
    closed = {m["comm_id"] for m in recorder.messages if m["msg_type"] == "comm_close"}
    return opened - closed


def _busy_widget() -> LiveLossWidget:
    w = LiveLossWidget(total=100, smoothing=0.5)
    for i in range(50):
        w.log({"loss": 1.0 / (i + 1), "val_loss": 2.0 / (i + 1), "acc": i / 50, "lr": 0.1})
    w.log_epoch(val_acc=0.5)
    w.flush()
    view = w._view
    view.zoom.toggle.value = True  # PanZoom interactions attached to every figure
    view.zoom.toggle.value = False
    w.log_y = True  # the log scales are on the axes now, the linear ones off them
    return w


def test_close_leaves_no_comm_open(recorder):
    w = _busy_widget()
    made = _open_comms(recorder)
    assert len(made) > 40  # figures, marks, tooltips, scales, axes, layouts, styles, buttons ...
    w.close()
    assert _open_comms(recorder) == set()


def test_displayed_again_and_closed_again_leaves_no_comm_open(recorder):
    w = _busy_widget()
    w.close()
    w.log(loss=0.01)
    w._repr_mimebundle_()  # displayed again: a new view
    assert w._view is not None and len(_open_comms(recorder)) > 40
    w.close()
    assert _open_comms(recorder) == set()


def test_construction_cost_is_one_view(recorder):
    """What a widget costs before anything is logged (the closing note quotes these numbers)."""
    w = LiveLossWidget()
    opened = _open_comms(recorder)
    print(f"\nLiveLossWidget(): {len(opened)} comms opened")
    assert w.model_id in opened and len(opened) < 60
    w.close()
