"""FrameBudget: a token bucket of bytes; longest-waiting series first; a final frame draws everything."""

from __future__ import annotations

from lossplot_widget.render.budget import FrameBudget


def test_longest_waiting_first_and_never_past_a_unit_that_does_not_fit():
    b = FrameBudget(frame_bytes=100, bytes_per_second=1000)
    changed = [("a", 40), ("b", 40), ("c", 40)]
    assert b.choose(changed, now=0.0) == ["a", "b"]
    b.spent({"a": 40, "b": 40}, now=0.0)
    # 0.1 s later the bucket is full again; "c" waited longest, then "a" and "b" (drawn at the same time)
    assert b.choose(changed, now=0.1) == ["c", "a"]
    # a small unit behind one that does not fit waits too (else the large one could starve)
    b2 = FrameBudget(frame_bytes=100, bytes_per_second=10)
    b2.spent({"x": 70}, now=0.0)
    assert b2.choose([("big", 50), ("small", 5)], now=0.0) == []


def test_a_unit_larger_than_a_frame_goes_alone_when_the_bucket_is_full():
    b = FrameBudget(frame_bytes=100, bytes_per_second=100)
    assert b.choose([("huge", 500), ("b", 10)], now=0.0) == ["huge"]
    b.spent({"huge": 500}, now=0.0)
    assert b.tokens == -100  # a debt (capped at one frame): the next frames wait until it is paid back
    assert b.choose([("b", 10)], now=1.0) == []
    assert b.choose([("b", 10)], now=1.2) == ["b"]


def test_rate_is_bounded_over_many_frames():
    b = FrameBudget(frame_bytes=1000, bytes_per_second=2000)
    sent = 0
    for i in range(400):  # 100 s of frames every 0.25 s, 50 series of 300 bytes always changed
        now = i * 0.25
        chosen = b.choose([(k, 300) for k in range(50)], now)
        b.spent(dict.fromkeys(chosen, 300), now)
        sent += 300 * len(chosen)
    assert sent <= 2000 * 100 + 1000  # rate x time + one bucket
    assert sent >= 0.8 * 2000 * 100  # and the budget is used, not wasted
    waits = sorted(b.drawn_at.values())
    assert waits[-1] - waits[0] <= 50 * 300 / 2000 + 0.25  # every series drawn within one full round


def test_final_and_unlimited_choose_everything():
    b = FrameBudget(frame_bytes=10, bytes_per_second=10)
    changed = [(k, 1000) for k in "abc"]
    assert b.choose(changed, now=0.0, final=True) == ["a", "b", "c"]
    assert FrameBudget(frame_bytes=0, bytes_per_second=0).choose(changed, now=0.0) == ["a", "b", "c"]

