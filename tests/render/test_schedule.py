"""FrameLoop: throttled frames, the trailing frame by timer, errors kept and warned once."""

from __future__ import annotations

import threading
import time
import warnings

import pytest

from lossplot_widget import DrawWarning
from lossplot_widget.render.schedule import FrameLoop


class Data:
    def __init__(self) -> None:
        self.version = 0
        self.painted: list[int] = []
        self.fail = False

    def paint(self, final: bool = False) -> bool:
        if self.fail:
            raise RuntimeError("broken view")
        self.painted.append(self.version)
        return True


def _loop(data: Data, interval: float = 0.2) -> FrameLoop:
    return FrameLoop(data.paint, lambda: data.version, interval=interval)


def test_poke_draws_when_due_and_not_again_within_the_interval():
    data = Data()
    loop = _loop(data, interval=60.0)
    data.version = 1
    loop.poke(time.monotonic())
    assert data.painted == [1] and not loop.dirty
    data.version = 2
    loop.poke(time.monotonic())
    assert data.painted == [1] and loop.dirty  # throttled: a timer is armed instead
    loop.cancel()
    loop.flush()
    assert data.painted == [1, 2] and loop.frames == 2


def test_the_trailing_frame_comes_by_timer_when_logging_stops():
    data = Data()
    loop = _loop(data, interval=0.1)
    for v in range(1, 50):
        data.version = v
        loop.poke(time.monotonic())
    deadline = time.monotonic() + 3
    while loop.dirty and time.monotonic() < deadline:
        time.sleep(0.01)
    assert data.painted[-1] == 49 and len(data.painted) < 49


def test_invalidate_asks_for_a_frame_without_new_data():
    data = Data()
    loop = _loop(data, interval=60.0)
    loop.flush()
    assert not loop.dirty
    loop.invalidate()
    assert loop.dirty
    loop.flush()
    assert data.painted == [0, 0]


def test_a_failing_frame_is_kept_warned_once_and_cleared_by_the_next_good_one():
    data = Data()
    loop = _loop(data, interval=0.0)
    data.fail = True
    with pytest.warns(DrawWarning, match="broken view"):
        loop.flush()
    assert isinstance(loop.error, RuntimeError)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data.version = 1
        loop.flush()  # fails again: no second warning
    data.fail = False
    data.version = 2
    loop.flush()
    assert loop.error is None and data.painted == [2]


def test_one_frame_at_a_time_across_threads():
    data = Data()
    inside = threading.Event()
    release = threading.Event()

    def slow_paint(final: bool) -> bool:
        inside.set()
        release.wait(5)
        return True

    loop = FrameLoop(slow_paint, lambda: data.version, interval=0.0)
    t = threading.Thread(target=loop.flush)
    t.start()
    assert inside.wait(5)
    loop.draw(blocking=False)  # another thread is painting: skipped, not queued
    release.set()
    t.join(5)
    assert loop.frames == 1


def test_a_partial_frame_stays_dirty_and_the_timer_draws_the_rest_without_more_logging():
    from lossplot_widget.render.schedule import DRAWN, PARTIAL

    left = [3]  # frames a budget needs for everything
    finals = []

    def paint(final: bool) -> int:
        finals.append(final)
        left[0] = 0 if final else left[0] - 1
        return PARTIAL if left[0] > 0 else DRAWN

    loop = FrameLoop(paint, version=lambda: 1, interval=0.05)
    loop.poke(time.monotonic())  # one frame now; nothing else is logged
    assert loop.dirty and loop.frames == 1
    deadline = time.monotonic() + 5
    while loop.dirty and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not loop.dirty and loop.frames == 3 and finals == [False] * 3  # the timer drew frames 2 and 3
    left[0] = 5
    loop.invalidate()
    loop.flush()  # a flush is final: everything in one frame
    assert not loop.dirty and finals[-1] is True and loop.frames == 4
