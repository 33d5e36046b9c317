"""Run state, Stop/Pause semantics and the toolbar controls, without a kernel (see test_control_kernel.py)."""

from __future__ import annotations

import threading
import time

from lossplot_widget import LiveLossWidget
from lossplot_widget.control.delivery import is_click, observing_route
from lossplot_widget.control.scope import LoopControl


def in_thread(target, *args):
    th = threading.Thread(target=target, args=args, daemon=True)
    th.start()
    return th


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
    in_thread(lambda: runs.append(ctl.begin())).join()
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
    progress = []

    def train():
        for i in range(2000):
            w.log(loss=float(i))
            progress.append(i)
            time.sleep(0.0005)

    w.log(loss=0.0)  # the run is active
    w.pause()
    th = in_thread(train)
    time.sleep(0.2)
    assert len(progress) <= 1  # blocked in its first log()
    assert w.paused
    w.resume()
    th.join(timeout=10)
    assert not th.is_alive() and len(progress) == 2000


def test_stop_ends_a_pause_at_once():
    w = LiveLossWidget()
    ended = []

    def train():
        for i in w.steps(range(10**6)):
            w.log(loss=float(i))
        ended.append(time.monotonic())

    th = in_thread(train)
    time.sleep(0.05)
    w.pause()
    time.sleep(0.2)
    stop = time.monotonic()
    w.request_stop()
    th.join(timeout=5)
    assert ended and ended[0] - stop < 0.2


def test_pause_in_log_epoch_waits_outside_the_history_lock():
    w = LiveLossWidget(refresh_interval=0.01)
    w.widget  # a view, so frames really draw (from a timer thread too)
    done = []
    w.log(loss=0.0)  # the run is active
    w.pause()
    th = in_thread(lambda: (w.log_epoch(val_loss=1.0), done.append(True)))
    time.sleep(0.2)
    assert not done and w.history["val_loss"].values.tolist() == [1.0]  # recorded, then paused
    assert w.history.lock.acquire(timeout=1)  # nobody sleeps on the history lock while paused
    w.history.lock.release()
    w.resume()
    th.join(timeout=10)
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
    import threading
    import time

    from lossplot_widget.control.scope import LoopControl

    ctl = LoopControl(hooks=False)
    events = []
    ctl.add_listener(events.append)
    t = threading.Thread(target=ctl.begin)
    t.start()
    t.join()
    deadline = time.monotonic() + 5
    while ctl.scope is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ctl.scope is None and events == ["begin", "end"]
