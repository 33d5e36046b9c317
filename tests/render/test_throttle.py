from __future__ import annotations

import pytest

from lossplot_widget.render.throttle import Throttle


def test_at_most_one_frame_per_interval():
    t = Throttle(interval=0.25)
    assert t.due(0.0) and t.wait(0.0) == 0.0
    t.sent(now=1.0, cost=0.001)
    assert not t.due(1.2) and t.wait(1.2) == pytest.approx(0.05)
    assert t.due(1.25)


def test_a_slow_frame_delays_the_next_to_keep_drawing_under_the_budget():
    t = Throttle(interval=0.25, budget=0.05)
    t.sent(now=0.0, cost=0.1)  # 100 ms frame: the next one waits 2 s (100 ms is 5% of 2 s)
    assert t.next_at == pytest.approx(2.0)
    assert not t.due(1.99) and t.due(2.0)


def test_interval_zero_draws_whenever_the_cost_allows():
    t = Throttle(interval=0.0)
    t.sent(now=5.0, cost=0.0)
    assert t.due(5.0)


def test_negative_interval_is_refused():
    with pytest.raises(ValueError, match="refresh interval"):
        Throttle(interval=-1.0)
