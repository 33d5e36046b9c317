"""Progress, steps/s and ETA: the pure computation, and the toolbar bar updated with the frames."""

from __future__ import annotations

import math

import pytest

from lossplot_widget import LiveLossWidget
from lossplot_widget.core.progress import Progress, format_duration, format_progress


def test_rate_and_eta_from_samples():
    p = Progress(total=1000)
    assert p.state() is None  # nothing observed yet
    p.observe(0, now=100.0)
    s = p.state()
    assert s.done == 0 and math.isnan(s.rate) and math.isnan(s.eta)
    p.observe(200, now=104.0)
    p.observe(200, now=109.0)  # a redraw without new steps does not dilute the rate
    s = p.state()
    assert (s.done, s.fraction, s.rate, s.eta) == (200, 0.2, 50.0, 16.0)
    p.observe(1000, now=120.0)
    s = p.state()
    assert s.eta == 0.0 and s.fraction == 1.0 and s.elapsed == 20.0
    assert format_progress(s) == "1000 / 1000 steps · 100% · 50 steps/s · done in 20 s"


def test_rate_uses_a_recent_window():
    p = Progress(total=10_000)
    t = 0.0
    for done in range(0, 1000, 10):  # 10 steps/s at first
        p.observe(done, now=t)
        t += 1.0
    for _ in range(60):  # then 100 steps/s
        done += 100
        p.observe(done, now=t)
        t += 1.0
    s = p.state()
    assert s.rate == pytest.approx(100.0)
    assert s.eta == pytest.approx((10_000 - done) / 100.0)
    assert s.elapsed == t - 1.0  # the whole run, while the rate uses only the window


def test_restart_and_total_validation():
    p = Progress(total=100)
    p.observe(50, now=0.0)
    p.observe(60, now=1.0)
    p.observe(5, now=2.0)  # a new run on the same widget
    assert p.state().done == 5 and math.isnan(p.state().rate)
    for unknown in (None, 0, float("inf")):
        p.set_total(unknown)
        assert p.total is None and p.state() is None
    p.set_total(12.0)
    assert p.total == 12
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError):
            p.set_total(bad)


def test_format_duration():
    assert [format_duration(x) for x in (0.4, 59.6, 61, 3600, float("nan"))] == ["0 s", "1:00", "1:01", "1:00:00", "–"]


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
    marks = w._view.panels["loss"].series["loss"]
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
