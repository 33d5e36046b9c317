"""The Stop/Pause bar with the normal handlers (no kernel): labels, clicks without a run, status text."""

from __future__ import annotations

from lossplot_widget import LiveLossWidget
from lossplot_widget.control.delivery import HANDLER, SUBSHELL
from lossplot_widget.control.scope import LoopControl
from lossplot_widget.view.control_bar import PAUSE_LABEL, RESUME_LABEL, STOP_LABEL, WAITING_TEXT, ControlBar


def test_toolbar_buttons_use_the_normal_handlers_without_a_kernel(recorder):
    w = LiveLossWidget()
    w.widget
    bar = w._view.control_bar
    assert bar.mechanism == HANDLER and "between cells" in bar.status.value
    assert bar.stop.description == STOP_LABEL and bar.pause.description == PAUSE_LABEL
    assert "Stop" in bar.stop.tooltip and "Pause" in bar.pause.tooltip  # symbols on the buttons, words in tooltips
    bar.pause.click()  # no run active: ignored
    assert bar.pause.description == PAUSE_LABEL
    bar.stop.click()
    w.log(loss=1.0)
    assert not w.should_stop and "control: between cells · running" in bar.status.value
    bar.pause.click()
    assert w.paused and bar.pause.description == RESUME_LABEL and "Resume" in bar.pause.tooltip
    bar.pause.click()
    assert not w.paused and bar.pause.description == PAUSE_LABEL
    bar.stop.click()
    assert w.should_stop and "stopped at step 0" in bar.status.value
    w.loop_control.end()
    assert "stopped at step 0" in bar.status.value  # the last outcome stays visible




def test_control_bar_alone_reports_run_events_with_the_current_step(recorder):
    ctl = LoopControl(hooks=False)
    step = [7]
    bar = ControlBar(ctl, lambda: step[0])
    assert bar.mechanism == HANDLER and ctl.mechanism == HANDLER
    assert bar.status.value.count("control: between cells") == 1
    run = ctl.begin()
    assert "running" in bar.status.value
    bar.pause.click()
    assert run.paused and bar.pause.description == RESUME_LABEL
    ctl.request_stop()
    ctl.note_stop_seen(run)
    assert "stopped at step 7" in bar.status.value
    ctl.end(run)
    assert bar.pause.description == PAUSE_LABEL
    bar.close()
    ctl.begin()
    assert "stopped at step 7" in bar.status.value  # closed: no longer listening


def test_status_says_settings_wait_for_the_cell_where_only_stop_and_pause_are_live(recorder):
    """Under a mechanism that delivers only Stop/Pause during a blocking cell, the toolbar says so."""
    ctl = LoopControl(hooks=False)
    bar = ControlBar(ctl, lambda: 3)
    run = ctl.begin()  # a run of the main thread: a blocking cell
    assert WAITING_TEXT in bar.status.value
    assert not bar.status.value.endswith("●</span></span>")  # a word is shown, not the dot alone
    ctl.end(run)
    assert WAITING_TEXT not in bar.status.value
    bar.mechanism = SUBSHELL  # every control live: "running" is the dot alone (one toolbar row at 800 px)
    run = ctl.begin()
    assert WAITING_TEXT not in bar.status.value and bar.status.value.endswith("●</span></span>")
    assert "running" in bar.status.value  # ... and the tooltip
    bar.close()


def test_the_label_names_the_run_of_its_step_where_several_are_shown(recorder):
    """With several runs (a sweep's trials) "stopped at step 19" alone does not say whose step it is."""
    w = LiveLossWidget(store=None)
    w.widget
    bar = w._view.control_bar
    with w.run("a"):
        for _ in range(3):
            w.log(loss=1.0)
    with w.run("trial-2"):
        for _ in range(5):
            w.log(loss=1.0)
        bar.stop.click()
        assert w.should_stop and "stopped at step 4 of trial-2" in bar.status.value
    one = LiveLossWidget(store=None)  # one run: the step says enough
    one.widget
    one.log(loss=1.0)
    one._view.control_bar.stop.click()
    assert one.should_stop  # the loop sees the Stop: the label says where it stopped
    label = one._view.control_bar.status.value
    assert "stopped at step 0" in label and "stopped at step 0 of" not in label
