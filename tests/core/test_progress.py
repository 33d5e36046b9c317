"""Progress, steps/s and ETA: the pure computation, and the toolbar bar updated with the frames."""

from __future__ import annotations

import math

import pytest

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
