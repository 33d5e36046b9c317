"""Nothing lost under threads, interrupts and odd input; the plot never breaks the run."""

from __future__ import annotations

import gc
import os
import random
import signal
import threading
import time

import numpy as np
import pytest

from lossplot_widget import LiveLossWidget
from lossplot_widget.render.builder import FrameBuilder
from lossplot_widget.render.frame import FrameOptions


def _consistent(w: LiveLossWidget) -> None:
    for name in w.history.names:
        s = w.history[name]
        n = len(s)
        assert len(s.steps) == len(s.values) == len(s.times) == len(s.epochs) == n


def test_four_threads_100k_each_lose_nothing(recorder):
    w = LiveLossWidget(refresh_interval=0.05)
    w.widget
    n, errors = 100_000, []

    def worker(k: int) -> None:
        try:
            for i in range(n):
                w.log({f"t{k}": float(i), "shared": float(k * n + i)})
        except BaseException as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        w.flush()  # the main thread draws while the others log (as the Voila dashboard does)
        time.sleep(0.01)
    for t in threads:
        t.join()
    w.flush()
    assert errors == []
    _consistent(w)
    for k in range(4):
        np.testing.assert_array_equal(w.history[f"t{k}"].values, np.arange(n, dtype=float))
    shared = w.history["shared"].values
    assert len(shared) == 4 * n
    for k in range(4):
        mine = shared[(shared >= k * n) & (shared < (k + 1) * n)]
        np.testing.assert_array_equal(mine, np.arange(k * n, (k + 1) * n, dtype=float))  # per-thread order kept
    assert len(np.unique(w.history["shared"].steps)) == 4 * n  # every call got its own step
    assert w.frames_sent > 1


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="needs the main thread")
def test_keyboard_interrupts_anywhere_leave_history_consistent(recorder):
    w = LiveLossWidget(refresh_interval=0.0)  # draw on every call: interrupts land in drawing code too
    w.widget
    rng = random.Random(0)
    stop, armed = threading.Event(), threading.Event()
    main_pid = os.getpid()

    handled = threading.Event()

    def interrupter() -> None:
        # one SIGINT in flight at a time: the next is armed only once the last was handled. A SIGINT that
        # lands in a finalizer (__del__, a weakref callback run by the garbage collector) is swallowed by
        # Python ("Exception ignored in ..."): then, after 2 s without a KeyboardInterrupt, send another
        while not stop.is_set():
            if not armed.wait(timeout=0.05):
                continue
            armed.clear()
            handled.clear()
            time.sleep(rng.uniform(0.0005, 0.003))
            os.kill(main_pid, signal.SIGINT)
            while not handled.wait(timeout=2.0) and not stop.is_set():
                os.kill(main_pid, signal.SIGINT)

    interrupts, logged = 0, 0
    gc.collect()  # finalizers of earlier tests' garbage run now, not inside the loop below
    t = threading.Thread(target=interrupter, daemon=True)
    t.start()
    armed.set()
    try:
        while interrupts < 150:
            try:
                for i in range(10**9):
                    w.log(loss=float(i), acc=float(-i))
                    logged += 1
            except KeyboardInterrupt:
                interrupts += 1
                handled.set()
                if interrupts < 150:
                    armed.set()
    finally:
        stop.set()
        t.join()
    _consistent(w)
    loss, acc = w.history["loss"], w.history["acc"]
    # an interrupt between two metrics of one call may record the first without the second, never more
    assert logged <= len(loss) <= logged + interrupts
    assert len(acc) <= len(loss)
    # the next "cell" keeps logging into the same widget, and the trailing flush draws the last value
    w.log(loss=-1.0, acc=-2.0)
    w.flush()
    raw = w._view.panels["loss"].marks("loss").raw
    assert raw.y[-1] == -1.0
    assert not w.dirty


def test_closed_widget_keeps_recording_and_redisplays(recorder):
    w = LiveLossWidget()
    w.widget
    w.log(loss=1.0)
    w.close()
    for i in range(100):
        w.log(loss=float(i))
    assert len(w.history["loss"]) == 101
    w.widget
    assert len(w._view.panels["loss"].marks("loss").raw.y) == 101


def test_resumed_run_replaces_from_its_first_step():
    w = LiveLossWidget(smoothing=0.0)
    for s in range(100):
        w.log(loss=1.0, step=s)
    for s in range(50, 150):  # resumed from a checkpoint at step 50
        w.log(loss=2.0, step=s)
    assert len(w.history["loss"]) == 200  # nothing lost
    sf = FrameBuilder(w.history).build(FrameOptions(smoothing=0.0)).panels["loss"][0]
    assert sf.x.tolist() == list(range(150))  # x never goes back: no zig-zag
    assert sf.y[:50].tolist() == [1.0] * 50 and sf.y[50:].tolist() == [2.0] * 100


def test_duplicate_steps_last_value_wins_and_huge_steps():
    w = LiveLossWidget(smoothing=0.5)
    w.log(loss=1.0, step=5)
    w.log(loss=3.0, step=5)
    w.log(loss=4.0, step=2**53)
    sf = FrameBuilder(w.history).build(FrameOptions(smoothing=0.5)).panels["loss"][0]
    assert sf.x.tolist() == [5.0, float(2**53)]
    assert sf.y.tolist() == [3.0, 4.0]
    assert w.history["loss"].steps.tolist() == [5, 5, 2**53]
    assert len(sf.smooth_y) == 2


@pytest.mark.parametrize("log_y", [False, True])
def test_extreme_values_never_crash_or_vanish(recorder, log_y):
    w = LiveLossWidget(smoothing=0.6, log_y=log_y)
    w.widget
    extremes = [1e308, -1e308, 1e-308, 5e-324, 1.0, 2.2250738585072014e-308]
    for v in extremes:
        w.log(loss=v)
    w.flush()
    np.testing.assert_array_equal(w.history["loss"].values, extremes)  # kept exactly
    marks = w._view.panels["loss"].marks("loss")
    y = np.asarray(marks.raw.y, dtype=float)
    assert np.isfinite(y[np.isfinite(y)]).all()
    finite = y[np.isfinite(y)]
    assert len(finite) >= (4 if log_y else 6)  # the line does not vanish
    if not log_y:
        assert np.abs(finite).max() <= 1e307  # a domain the browser's scale can represent
        assert "drawn clipped" in w._view.notes.value
    else:
        assert (finite > 0).all() and "value(s) &le; 0" in w._view.notes.value
    smooth = np.asarray(marks.smooth.y, dtype=float)
    assert not np.isinf(smooth).any()


@pytest.mark.parametrize(
    "name",
    ['<b>bold</b>', 'say "hi" & \'bye\'', "ünïcödé λ 損失", "train/loss/with/slashes", "<script>alert(1)</script>"],
)
def test_names_are_shown_literally(recorder, name):
    w = LiveLossWidget()
    w.widget
    w.log({name: 1.0})
    w.flush()
    view = w._view
    panel = next(iter(view.panels.values()))
    marks = next(iter(panel.series.values()))
    assert marks.raw.labels == [name]  # bqplot draws legend labels as text
    assert panel.title in (name, name.partition("/")[2])
    assert panel.header.description == f"\u25be {panel.title}"  # a Button's description is drawn as text
    assert "<script>" not in view.summary.value and "<b>bold" not in view.summary.value
    import html

    assert html.escape(name) in view.summary.value


def test_a_failing_frame_warns_and_the_loop_goes_on(recorder, monkeypatch):
    w = LiveLossWidget(refresh_interval=600)  # no timer fires: the flush below is the frame
    w.widget

    def broken(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(w._builder, "build", broken)
    with pytest.warns(RuntimeWarning, match="could not draw"):
        for i in range(100):
            w.log(loss=float(i))
        w.flush()
    w.log(loss=100.0)
    w.flush()  # warns once, then stays quiet
    assert len(w.history["loss"]) == 101
    assert isinstance(w.draw_error, RuntimeError)


def test_interrupted_cell_still_gets_its_trailing_flush(recorder):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.run_cell(
            "from lossplot_widget import LiveLossWidget\n"
            "w = LiveLossWidget(refresh_interval=600)\n"
            "w.widget\n"
        )
        result = shell.run_cell("for i in range(1000):\n    w.log(loss=float(i))\n    if i == 499: raise KeyboardInterrupt\n")
        assert isinstance(result.error_in_exec, KeyboardInterrupt)
        w = shell.user_ns["w"]
        assert w._view.panels["loss"].marks("loss").raw.y[-1] == 499.0
        shell.run_cell("w.log(loss=-1.0)")  # the next cell keeps logging into the same widget
        assert w._view.panels["loss"].marks("loss").raw.y[-1] == -1.0
    finally:
        InteractiveShell.clear_instance()
