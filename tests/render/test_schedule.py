"""FrameLoop: throttled frames, the trailing frame by timer, errors kept and warned once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import warnings

import pytest
from _frameworks import require

from lossplot_widget import DrawWarning
from lossplot_widget.render.schedule import DRAWN, FrameLoop


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


def test_a_loop_that_keeps_logging_draws_its_own_frames_and_starts_no_thread_per_frame():
    """The waker only checks that the loop drew: every frame is drawn by the logging thread (no GIL
    hand-offs with a frame thread), and one waker thread serves every frame of every loop."""
    threads: list[str] = []
    version = [0]

    def paint(final: bool) -> int:
        threads.append(threading.current_thread().name)
        return DRAWN

    loops = [FrameLoop(paint, lambda: version[0], interval=0.05) for _ in range(3)]
    before = {t.ident for t in threading.enumerate()}
    end = time.monotonic() + 1.0
    while time.monotonic() < end:  # a busy loop logging to three widgets, ~1 ms per step
        version[0] += 1
        for loop in loops:
            loop.poke(time.monotonic())
        t = time.perf_counter()
        while time.perf_counter() - t < 0.001:
            pass
    started = [t for t in threading.enumerate() if t.ident not in before]
    assert len(threads) >= 3 * 10  # ~20 frames per loop in 1 s at 0.05 s
    # drawn by the loop's thread (the waker draws one only when the loop was late by its grace: a loaded machine)
    assert threads.count(threading.current_thread().name) >= 0.8 * len(threads)
    assert [t.name for t in started] in ([], ["lossplot-frames"])  # at most the one waker, not a thread per frame
    deadline = time.monotonic() + 3  # logging stopped: the waker draws each loop's trailing frame
    while any(loop.dirty for loop in loops) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not any(loop.dirty for loop in loops) and threads[-1] == "lossplot-frames"


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


def test_stop_at_exit_waits_for_a_frame_in_progress_and_allows_no_more_off_the_main_thread():
    """At interpreter exit a frame on the daemon timer thread (a torch stack, a device read) aborted the
    process while the runtime was torn down; ``stop()`` (run by atexit for every loop) prevents it."""
    started, release, painted = threading.Event(), threading.Event(), []

    def paint(final):
        painted.append(threading.current_thread().name)
        started.set()
        release.wait(5)
        return DRAWN

    version = [0]
    loop = FrameLoop(paint, version=lambda: version[0], interval=0.01)
    busy = threading.Thread(target=loop.draw, args=(True,), name="frame")
    busy.start()
    assert started.wait(5)
    threading.Timer(0.2, release.set).start()
    t0 = time.monotonic()
    loop.stop()  # waits for the frame in progress
    assert time.monotonic() - t0 >= 0.15 and painted == ["frame"]
    busy.join(5)
    version[0] += 1
    loop.background = True  # frames only from the waker: it is not asked any more...
    loop.poke(time.monotonic())
    assert not loop.armed
    other = threading.Thread(target=loop.draw, args=(True,), name="late")
    other.start()
    other.join(5)  # ...and no frame off the main thread
    assert painted == ["frame"]
    loop.flush()  # the main thread may still draw (an atexit flush)
    assert painted == ["frame", "MainThread"]


SCRIPT_ENDING_MID_FRAME = """
import threading, torch
from lossplot_widget import LiveLossWidget
from lossplot_widget.core import readback
readback.READ_AT_ONCE = frozenset()  # device tensors: read on the frame thread, as on a GPU
inside, real = threading.Event(), readback._torch_to_host
def slow_read(tensors):  # the frame's device read, made long: the script ends in the middle of it
    inside.set()
    x = torch.randn(256, 256)
    for _ in range(300):
        x = torch.tanh(x @ x)
    return real(tensors)
readback._torch_to_host = slow_read
w = LiveLossWidget(refresh_interval=0.05)
for i in range(100):
    w.log(loss=torch.tensor(float(i)))
assert inside.wait(30)
"""


def test_a_script_that_ends_while_a_frame_reads_tensors_exits_cleanly():
    """Before stop() at exit: 'terminate called without an active exception', exit code 134, every time."""
    require("torch")
    done = subprocess.run([sys.executable, "-c", SCRIPT_ENDING_MID_FRAME], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


SCRIPT_ENDING_WITH_A_PENDING_FRAME = """
from lossplot_widget import LiveLossWidget
ws = [LiveLossWidget(refresh_interval=0.05) for _ in range(3)]
for i in range(3000):
    for w in ws:
        w.log(loss=1.0 / (i + 1))  # the waker is armed for each widget when the script ends
print("logged")
"""


def test_scripts_ending_with_widgets_alive_exit_at_once_and_draw_nothing_at_teardown():
    """The waker stops at exit: a widget's ``__del__`` during the final teardown once waited forever on a lock
    held by the frozen waker thread (1 run in 3), and tried to draw (``DrawWarning: ... sys.meta_path is None``)."""
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", SCRIPT_ENDING_WITH_A_PENDING_FRAME], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0 and done.stdout.strip() == "logged", done.stderr[-2000:]
        assert "Warning" not in done.stderr, done.stderr[-2000:]


def test_cancel_never_waits_long_for_a_waker_frozen_holding_its_lock():
    """At the interpreter's final teardown a daemon thread that re-takes a lock is frozen holding it; a widget's
    ``__del__`` then cancels its frames: that must not hang the process (it did, once in three runs under load)."""
    from lossplot_widget.render import schedule

    loop = FrameLoop(lambda final: DRAWN, version=lambda: 1, interval=60.0)
    loop.poke(time.monotonic())
    loop.poke(time.monotonic())  # throttled: armed
    assert loop.armed
    held, release = threading.Event(), threading.Event()

    def frozen() -> None:
        with schedule._WAKER._cond:  # a frozen waker would hold this forever
            held.set()
            release.wait(10)

    t = threading.Thread(target=frozen)
    t.start()
    assert held.wait(5)
    t0 = time.monotonic()
    loop.cancel()
    assert time.monotonic() - t0 < 2.0 and not loop.armed
    release.set()
    t.join(5)


def test_a_closed_waker_ends_its_thread_and_takes_no_more_wake_ups():
    from lossplot_widget.render.schedule import Waker

    waker, woken = Waker(), []

    class Loop:
        def wake(self) -> None:
            woken.append(time.monotonic())

    loop = Loop()
    waker.arm(loop, time.monotonic() + 0.05)  # type: ignore[arg-type]
    deadline = time.monotonic() + 5
    while not woken and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(woken) == 1
    thread = waker._thread
    waker.close()
    assert thread is not None and not thread.is_alive()
    waker.arm(loop, time.monotonic())  # type: ignore[arg-type]
    time.sleep(0.2)
    assert len(woken) == 1 and waker._thread is thread  # closed: nothing started, nothing woken
