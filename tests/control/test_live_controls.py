"""Controls handled on another thread (the kernel subshell) while the main thread logs and draws.

No kernel here: a thread plays the subshell, delivering thousands of the page's messages through the
comms' own ``handle_msg`` (as the kernel does), while the main thread logs two runs and draws frames.
"""

from __future__ import annotations

import random
import threading
import warnings

import numpy as np

from lossplot_widget import LiveLossWidget
from lossplot_widget.control import delivery
from lossplot_widget.render.schedule import DrawWarning
from lossplot_widget.render.wire import narrow


def deliver(widget, data: dict) -> None:
    """What the kernel does with a ``comm_msg`` for ``widget``: its comm's handler, on this thread."""
    widget.comm.handle_msg({"content": {"comm_id": widget.comm.comm_id, "data": data}, "buffers": []})


def update(widget, **state) -> None:
    deliver(widget, {"method": "update", "state": state, "buffer_paths": []})


def click(widget) -> None:
    deliver(widget, {"method": "custom", "content": {"event": "click"}})


def live_widget(monkeypatch, **kwargs) -> LiveLossWidget:
    monkeypatch.setattr(delivery, "kernel_subshell", lambda kernel: "lossplot-subshell")
    w = LiveLossWidget(**kwargs)
    assert w.loop_control.mechanism == delivery.SUBSHELL
    return w


def test_every_control_a_person_touches_is_routed_to_the_subshell(recorder, monkeypatch):
    w = live_widget(monkeypatch)
    with w.run("a"):
        w.log(loss=1.0, val_loss=2.0)
    with w.run("b"):
        w.log(loss=1.0)
    w.flush()
    view = w._view
    touched = [
        view.smoothing, view.log_y, view.all_y, view.x_axis, view.panel_filter, *view.zoom.widgets,
        *view.control_bar.widgets[:2], view.panels["loss"].header, view.panels["loss"].x_scale,
        view.run_table.checks["a"], view.run_table.checks["b"], *view.run_table._buttons.values(),
    ]
    assert all(t.comm._reply_subshell_for({}, None) == "lossplot-subshell" for t in touched)
    # a run that appears later is routed too
    with w.run("c"):
        w.log(loss=3.0)
    w.flush()
    assert view.run_table.checks["c"].comm._reply_subshell_for({}, None) == "lossplot-subshell"


def test_a_handler_holds_the_drawing_lock(recorder, monkeypatch):
    w = live_widget(monkeypatch)
    w.log(loss=1.0)
    held = []
    w._view.log_y.observe(lambda change: held.append(w._frames.lock._is_owned()), names="value")
    update(w._view.log_y, value=True)
    assert held == [True] and w.log_y


def test_thousands_of_changes_from_another_thread_while_logging_and_drawing(recorder, monkeypatch):
    w = live_widget(monkeypatch, smoothing=0.6, refresh_interval=0.0)
    with w.run("a"):
        w.log(loss=1.0, val_loss=2.0, acc=0.1)
    with w.run("b"):
        w.log(loss=1.0, val_loss=2.0, acc=0.1)
    w.flush()
    view = w._view
    rng = random.Random(0)
    actions = [
        lambda: update(view.smoothing, value=round(rng.random() * 0.99, 3)),
        lambda: update(view.log_y, value=rng.random() < 0.5),
        lambda: update(view.all_y, value=rng.random() < 0.5),
        lambda: update(view.x_axis, index=rng.randrange(3)),
        lambda: update(view.panel_filter, value=rng.choice(["", "loss", "acc", "(", "val"])),
        lambda: click(rng.choice(list(view.panels.values())).header),
        lambda: update(view.run_table.checks[rng.choice("ab")], value=rng.random() < 0.5),
        lambda: update(view.zoom.toggle, value=rng.random() < 0.5),
        lambda: update(view.panels["loss"].x_scale, min=float(rng.randrange(50)), max=float(rng.randrange(60, 400))),
        lambda: click(view.zoom.reset_button),
        lambda: click(rng.choice(list(view.run_table._buttons.values()))),
    ]
    errors: list[BaseException] = []
    done = threading.Event()

    def person() -> None:
        try:
            for _ in range(2000):
                rng.choice(actions)()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            done.set()

    steps = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        thread = threading.Thread(target=person)
        thread.start()
        while not done.is_set() or steps < 200:
            for name in "ab":
                with w.run(name):
                    w.log(loss=1.0 / (steps + 2), val_loss=2.0 / (steps + 2), acc=steps / (steps + 10))
            steps += 1
        thread.join()
        w.flush()
    assert errors == []
    assert [c for c in caught if issubclass(c.category, DrawWarning)] == [] and w.draw_error is None
    assert w.frames_sent > 10
    for name in "ab":  # every value kept, in order
        h = w.runs[name].history
        assert len(h["loss"].values) == steps + 1
        np.testing.assert_array_equal(h["loss"].values[1:], 1.0 / (np.arange(steps) + 2))
    # the final frame shows the final options: the view holds exactly what a fresh frame of them draws
    frame = w._builder.build(w._options())
    assert set(frame.panels) <= set(view.panels)
    for title, series in frame.panels.items():
        panel = view.panels[title]
        assert panel.x_axis.label == frame.x_label and panel.log_y == w.log_y
        for sf in series:
            marks = panel.series[sf.key]
            np.testing.assert_array_equal(marks.raw.x, narrow(sf.x))
            np.testing.assert_array_equal(marks.smooth.y, narrow(sf.smooth_y))
        drawn = {key for key in panel.series if len(panel.series[key].raw.x)}
        assert drawn == {sf.key for sf in series}
    assert view.smoothing.value == w.smoothing and view.log_y.value == w.log_y and view.x_axis.value == w.x_axis
