from __future__ import annotations

import pytest

from lossplot_widget.render.throttle import Throttle


def test_at_most_one_frame_per_interval():
    t = Throttle(interval=0.25)
    assert t.due(0.0) and t.wait(0.0) == 0.0
    t.sent(now=1.0, cost=0.001)
    assert not t.due(1.2) and t.wait(1.2) == pytest.approx(0.05)
    assert t.due(1.25)


def test_slow_frames_delay_the_next_to_keep_drawing_under_the_budget():
    t = Throttle(interval=0.25, budget=0.05, burst=0.0)
    t.sent(now=0.0, cost=0.1)  # 100 ms frame: the next one waits 2 s (100 ms is 5% of 2 s)
    assert t.next_at == pytest.approx(2.0)
    assert not t.due(1.99) and t.due(2.0)


def test_frames_that_keep_being_slow_settle_at_the_budget_after_the_burst():
    t = Throttle(interval=0.25, budget=0.05, burst=0.5)
    now, spent = 0.0, 0.0
    for _ in range(200):  # 100 ms frames, each drawn as soon as it is due
        t.sent(now=now, cost=0.1)
        spent += 0.1
        now = t.next_at
    assert spent <= 0.05 * now + 0.5 + 0.1  # budget x time + the burst (+ the frame that overdrew)
    assert now / 200 == pytest.approx(2.0, rel=0.05)  # in the long run, one 100 ms frame per 2 s


def test_a_one_off_slow_frame_is_paid_from_the_burst_not_by_stalling():
    t = Throttle(interval=0.25, budget=0.05, burst=0.5)
    t.sent(now=0.0, cost=0.35)  # e.g. the first frame of 50 new panels
    assert t.next_at == pytest.approx(0.25)
    t.sent(now=0.25, cost=0.35)  # a second one overdraws the bucket: the debt is paid by waiting
    assert t.next_at == pytest.approx(0.25 + (0.7 - 0.5 - 0.25 * 0.05) / 0.05)


def test_interval_zero_draws_whenever_the_cost_allows():
    t = Throttle(interval=0.0)
    t.sent(now=5.0, cost=0.0)
    assert t.due(5.0)


def test_negative_interval_is_refused():
    with pytest.raises(ValueError, match="refresh interval"):
        Throttle(interval=-1.0)
