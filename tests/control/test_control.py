"""Run state, Stop/Pause semantics and the toolbar controls, without a kernel (see test_control_kernel.py)."""

from __future__ import annotations

import threading
import time

from lossplot_widget import LiveLossWidget
from lossplot_widget.control.delivery import is_click, observing_route
from lossplot_widget.control.scope import LoopControl


class Worker(threading.Thread):
    """A daemon thread whose exception is kept, to be re-raised in the test by :meth:`finish`."""

    def __init__(self, target, *args) -> None:
        super().__init__(daemon=True)
        self._call = lambda: target(*args)
        self.errors: list[BaseException] = []

    def run(self) -> None:
        try:
            self._call()
        except BaseException as exc:
            self.errors.append(exc)

    def finish(self, timeout: float = 10.0) -> None:
        """Join (with a timeout), check that the thread ended, and re-raise what it raised."""
        self.join(timeout)
        assert not self.is_alive(), f"the thread did not finish within {timeout} s"
        if self.errors:
            raise self.errors[0]


def in_thread(target, *args) -> Worker:
    th = Worker(target, *args)
    th.start()
    return th


class Events:
    """A LoopControl listener: the events it was told of, in order, and a way to wait for one."""

    def __init__(self, control: LoopControl) -> None:
        self.seen: list[str] = []
        self._cond = threading.Condition()
        control.add_listener(self)

    def __call__(self, event: str) -> None:
        with self._cond:
            self.seen.append(event)
            self._cond.notify_all()

    def wait_for(self, event: str, timeout: float = 10.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: event in self.seen, timeout)


class WakeOnlyWhenSet(threading.Event):
    """A scope's ``wake`` event whose ``wait()`` ignores its (0.25 s) timeout: only ``set()`` ends a pause wait.

    With it, a pause that Stop/resume ends "at once" (by setting the event) still ends, while one that only
    ended when its wait timed out and it looked again would hang, and the test's join would fail.
    """

    def wait(self, timeout: float | None = None) -> bool:
        return super().wait(60)


def test_requests_without_an_active_run_are_ignored():
    ctl = LoopControl(hooks=False)
    assert ctl.request_stop() is False and ctl.set_paused(True) is False
    run = ctl.begin()
    assert not run.stop.is_set() and not run.pause.is_set()
    assert ctl.request_stop() is True and run.stop.is_set()
    ctl.end(run)
    assert ctl.scope is None and ctl.request_stop() is False
    assert not ctl.begin().stop.is_set()  # a new run starts clean


def test_begin_reuses_the_active_run_unless_fresh_and_end_ignores_other_runs():
    ctl = LoopControl(hooks=False)
    first = ctl.begin()
    assert ctl.begin() is first
    second = ctl.begin(fresh=True)
    assert second is not first and second.id == first.id + 1
    ctl.end(first)  # not the active run: nothing happens
    assert ctl.scope is second


def test_a_run_of_a_finished_thread_is_stale():
    ctl = LoopControl(hooks=False)
    runs = []
    in_thread(lambda: runs.append(ctl.begin())).finish()
    old = runs[0]
    old.stopped = True  # a stop that landed just before its thread ended
    old.stop.set()
    fresh = ctl.current()
    assert fresh is not old and fresh.thread is threading.current_thread()
    assert not fresh.stop.is_set() and not fresh.stopped


def test_message_parsing_matches_what_ipywidgets_sends():
    assert is_click({"method": "custom", "content": {"event": "click"}})
    assert not is_click({"method": "custom", "content": {"event": "hover"}})
    assert not is_click({"method": "update", "state": {}})
    assert not is_click(None) and not is_click("click") and not is_click({"method": "custom", "content": 3})


def test_the_routing_wrapper_passes_the_route_through_and_never_raises():
    ctl = LoopControl(hooks=False)
    run = ctl.begin()
    calls = []

    def original(data, default):
        calls.append((data, default))
        return "sub-1"

    route = observing_route(original, ctl.observe_stop_message)
    click = {"method": "custom", "content": {"event": "click"}}
    assert route(click, None) == "sub-1" and calls == [(click, None)]
    assert run.stop.is_set()

    def broken(data):
        raise KeyboardInterrupt  # even this must not escape on the shell-channel thread

    assert observing_route(original, broken)({"x": 1}, "d") == "sub-1"


def test_should_stop_and_request_stop():
    w = LiveLossWidget()
    w.request_stop()  # no run yet: ignored
    assert w.should_stop is False  # reading it begins a run
    w.log(loss=1.0)
    w.request_stop()
    assert w.should_stop is True


def test_steps_ends_at_the_next_step_and_an_outer_epoch_loop_gets_nothing_more():
    w = LiveLossWidget()
    seen = []
    for epoch in range(3):
        for i in w.steps(range(10)):
            seen.append((epoch, i))
            w.log(loss=float(i))
            if (epoch, i) == (1, 3):
                w.request_stop()
    assert seen[-1] == (1, 3) and len(seen) == 14


def test_steps_does_not_fetch_an_item_after_stop():
    w = LiveLossWidget()
    fetched = []

    def loader():
        for i in range(100):
            fetched.append(i)
            yield i

    for i in w.steps(loader()):
        if i == 2:
            w.request_stop()
    assert fetched == [0, 1, 2]


def test_with_block_is_one_fresh_run():
    w = LiveLossWidget()
    w.log(loss=1.0)
    w.request_stop()
    with w:
        assert w.should_stop is False  # the block began a fresh run
        w.request_stop()
        assert w.should_stop is True
    assert w.loop_control.scope is None


def test_pause_blocks_log_in_a_training_thread_until_resume():
    w = LiveLossWidget()
    events = Events(w.loop_control)
    progress = []

    def train():
        for i in range(2000):
            w.log(loss=float(i))
            progress.append(i)

    w.log(loss=0.0)  # the run is active
    w.pause()
    w.loop_control.scope.wake = WakeOnlyWhenSet()  # resume must wake the wait, not a timeout
    th = in_thread(train)
    assert events.wait_for("paused")  # the thread reached the pause...
    assert progress == [] and w.paused  # ...in its first log()
    th.join(0.1)
    assert th.is_alive() and progress == []  # and stays there
    w.resume()
    th.finish(10)
    assert len(progress) == 2000
    assert events.seen.count("paused") == 1 and events.seen.index("paused") < events.seen.index("resumed")


def test_stop_ends_a_pause_at_once():
    w = LiveLossWidget()
    events = Events(w.loop_control)
    started, order = threading.Event(), []

    def train():
        for i in w.steps(range(10**6)):
            w.log(loss=float(i))
            started.set()
        order.append("ended")

    th = in_thread(train)
    assert started.wait(10)  # the thread's scope is active
    scope = w.loop_control.scope
    assert scope is not None and scope.thread is th
    scope.wake = WakeOnlyWhenSet()  # "at once": Stop must wake the pause wait, not its timeout
    w.pause()
    assert events.wait_for("paused")
    assert order == [] and th.is_alive()
    order.append("stop")
    w.request_stop()
    th.finish(10)
    assert order == ["stop", "ended"]
    assert events.seen.index("paused") < events.seen.index("stopping") < events.seen.index("stopped")
    assert "resumed" not in events.seen  # the pause ended by the stop, not by a resume


def test_pause_in_log_epoch_waits_outside_the_history_lock():
    w = LiveLossWidget(refresh_interval=0.01)
    w.widget  # a view, so frames really draw (from a timer thread too)
    events = Events(w.loop_control)
    done = []
    w.log(loss=0.0)  # the run is active
    w.pause()
    th = in_thread(lambda: (w.log_epoch(val_loss=1.0), done.append(True)))
    assert events.wait_for("paused")  # log_epoch() reached the pause
    # first, with a timeout: nobody sleeps on the history lock while paused (reading the history takes it too)
    lock = w.history.lock
    got_lock = lock.acquire(timeout=10)  # (not asserted inline: pytest would repr w, which takes the lock too)
    assert got_lock, "the history lock is held while paused"
    lock.release()
    assert not done and th.is_alive() and w.history["val_loss"].values.tolist() == [1.0]  # recorded, then paused
    w.resume()
    th.finish(10)
    assert done and w.history.epoch == 1.0


def test_control_hooks_argument_then_environment(monkeypatch):
    """One switch: the argument wins; without it, LOSSPLOT_CONTROL_HOOKS read when the widget is made."""
    monkeypatch.delenv("LOSSPLOT_CONTROL_HOOKS", raising=False)
    assert LiveLossWidget().loop_control.hooks is True
    assert LiveLossWidget(control_hooks=False).loop_control.hooks is False
    monkeypatch.setenv("LOSSPLOT_CONTROL_HOOKS", "off")
    assert LiveLossWidget().loop_control.hooks is False
    assert LiveLossWidget(control_hooks=True).loop_control.hooks is True


def test_cost_of_the_stop_check():
    """Prints what a check costs (no timing assertion); checks that it reads the run and begins none."""
    w = LiveLossWidget()
    w.log(loss=0.0)
    run = w.loop_control.scope
    events = []
    w.loop_control.add_listener(events.append)
    n = 20000
    start = time.perf_counter()
    for _ in range(n):
        assert not w.should_stop
    per = (time.perf_counter() - start) / n
    print(f"\nw.should_stop: {per * 1e9:.0f} ns per check")
    assert w.loop_control.scope is run and events == []


def test_a_training_threads_run_ends_with_the_thread():
    ctl = LoopControl(hooks=False)
    events = Events(ctl)
    began, go = threading.Event(), threading.Event()
    th = in_thread(lambda: (ctl.begin(), began.set(), go.wait(10)))
    assert began.wait(10)
    assert ctl.scope is not None and ctl.scope.thread is th and events.seen == ["begin"]  # not before it ends
    go.set()
    th.finish(10)
    assert events.wait_for("end")  # the scope ends (on another thread) after the thread is gone
    assert ctl.scope is None and events.seen == ["begin", "end"]
