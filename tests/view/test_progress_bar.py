"""The progress bar: hidden without a total, one message per widget per frame, adapters' counts."""

from __future__ import annotations

import math

from lossplot_widget import LiveLossWidget
from lossplot_widget.core.progress import ProgressState
from lossplot_widget.view.progress_bar import ProgressBar


def test_progress_bar_alone_shows_a_state_and_sends_nothing_when_unchanged(recorder):
    bar = ProgressBar()
    bar.show(None)
    assert bar.box.layout.display == "none"
    state = ProgressState(done=30, total=100, fraction=0.3, rate=10.0, eta=7.0, elapsed=3.0)
    bar.show(state)
    assert bar.box.layout.display == "flex" and (bar.bar.value, bar.bar.max) == (30, 100)
    assert bar.label.value == "30 / 100 steps · 30% · 10 steps/s · ETA 7 s"
    recorder.clear()
    bar.show(state)
    assert recorder.updates() == []
    bar.show(ProgressState(done=120, total=100, fraction=1.0, rate=math.nan, eta=0.0, elapsed=65.0))
    assert bar.bar.value == 100 and bar.label.value.endswith("done in 1:05")  # overrun: clipped at the total


def test_bar_hidden_without_total(recorder):
    w = LiveLossWidget()
    w.widget
    recorder.clear()
    for i in range(10):
        w.log(loss=float(i))
    w.flush()
    bar = w._view.progress
    assert bar.box.layout.display == "none"
    assert recorder.updates(bar.bar.model_id) == []
    assert recorder.updates(bar.label.model_id) == []


def test_bar_follows_logged_steps_one_message_per_frame(recorder):
    w = LiveLossWidget(total=5000, refresh_interval=0.01)
    w.widget
    recorder.clear()
    frames0 = w.frames_sent
    for i in range(3000):
        w.log(loss=1.0 / (i + 1))
    w.flush()
    frames = w.frames_sent - frames0
    view = w._view.progress
    assert view.box.layout.display == "flex"
    assert (view.bar.value, view.bar.max) == (3000, 5000)
    assert view.label.value.startswith("3000 / 5000 steps · 60% · ")
    assert "ETA" in view.label.value
    for widget in (view.bar, view.label):
        assert 1 <= len(recorder.updates(widget.model_id)) <= frames
    # the marks keep their one message per mark per frame
    marks = w._view.panels["loss"].marks("loss")
    for mark in marks.marks:
        assert len(recorder.updates(mark.model_id)) <= frames


def test_set_total_and_adapter_done(recorder):
    w = LiveLossWidget()
    w.widget
    w.log(loss=1.0, step=9)
    w.set_total(40)
    view = w._view.progress
    assert (view.bar.value, view.bar.max) == (10, 40)  # done = largest step + 1
    w.progress.done = 25  # an adapter that knows the true count (e.g. Lightning's global_step)
    w.flush()
    assert view.bar.value == 25 and view.label.value.startswith("25 / 40 steps · 62%")
    w.set_total(None)
    assert view.box.layout.display == "none"
