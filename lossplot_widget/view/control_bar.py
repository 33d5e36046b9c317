"""The Stop and Pause buttons and the status label of the toolbar, wired to a run control.

The widgets are handed to :meth:`LoopControl.connect <lossplot_widget.control.scope.LoopControl.connect>`,
which decides how their clicks reach a blocked loop; their normal handlers forward to it too.
Pause is a button whose label says what the next click does (❚❚ pause, ▶ resume), not a toggle: a
click is a message the page sends at once, whereas ipywidgets holds a toggle's second change until
the kernel answered its first, which a kernel without subshells does only after the cell.
Labels are plain text/unicode (Voilà serves no icon font offline).
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..control.delivery import HANDLER, LIVE_SETTINGS, MECHANISM_TEXT

if TYPE_CHECKING:
    from ..control.scope import LoopControl

__all__ = ["PAUSE_LABEL", "RESUME_LABEL", "STOP_LABEL", "ControlBar"]

PAUSE_LABEL = "❚❚"
RESUME_LABEL = "▶"
STOP_LABEL = "■"
#: tooltips (the buttons show symbols only, to keep the toolbar on one line)
PAUSE_TIP = "Pause the training run at its next step (click again to resume)"
RESUME_TIP = "Resume the paused training run"
#: shown while a cell blocks under a mechanism that delivers only Stop/Pause at once
WAITING_TEXT = "settings: after the cell"


class ControlBar:
    """Stop and Pause for one view.

    Parameters
    ----------
    control : LoopControl
        The run state the buttons act on (and whose events the label shows).
    current_step : callable
        The latest logged step, for the "paused at step N" label.
    current_run : callable, optional
        The name of the run that step belongs to where the widget shows several (``None``: one run), so the
        label says which: "stopped at step 19 of trial-12".
    """

    def __init__(
        self, control: LoopControl, current_step: Callable[[], int | None],
        current_run: Callable[[], str | None] = lambda: None,
    ) -> None:
        self.control = control
        self._current_step = current_step
        self._current_run = current_run
        self.stop = widgets.Button(
            description=STOP_LABEL, tooltip="Stop the training run at its next step",
            layout=widgets.Layout(width="30px", padding="0"),
        )
        self.pause = widgets.Button(
            description=PAUSE_LABEL, tooltip=PAUSE_TIP, layout=widgets.Layout(width="30px", padding="0"),
        )
        self.status = widgets.HTML(layout=widgets.Layout(margin="0 0 0 4px"))
        self.stop.add_class("lossplot-stop")
        self.pause.add_class("lossplot-pause")
        self.status.add_class("lossplot-control-status")
        self.mechanism = control.connect(self.stop, self.pause)
        self._state = ""
        self._waiting = False  # a cell blocks and settings other than Stop/Pause wait for it
        self.stop.on_click(self._on_stop_click)
        self.pause.on_click(self._on_pause_click)
        control.add_listener(self._on_event)
        self._render()

    @property
    def widgets(self) -> list[widgets.Widget]:
        return [self.stop, self.pause, self.status]

    # ------------------------------------------------------------ frontend events (main thread)
    def _on_stop_click(self, _button: Any) -> None:
        self.control.stop_clicked()

    def _on_pause_click(self, _button: Any) -> None:
        self.control.pause_clicked()
        self._sync_label()  # the label says what the next click does, before the loop reaches its pause

    # ------------------------------------------------------------ run events (main or training thread)
    def _on_event(self, event: str) -> None:
        step = self._current_step()
        run = self._current_run()
        at = f"step {step}" if run is None else f"step {step} of {run}"
        scope = self.control.scope
        self._waiting = (
            self.mechanism not in LIVE_SETTINGS and scope is not None and scope.thread is threading.main_thread()
        )
        if event in ("begin", "resumed"):
            self._state = "running"
        elif event == "paused":
            self._state = f"paused at {at}"
        elif event == "stopping":
            self._state = "stopping…"
        elif event == "stopped":
            self._state = f"stopped at {at}"
        elif event == "end":
            scope = self.control.last_scope
            self._state = self._state if scope is not None and scope.stop_seen else ""
        self._sync_label()
        self._render()

    def _sync_label(self) -> None:
        scope = self.control.scope
        paused = scope is not None and scope.paused and not scope.stopped
        label, tip = (RESUME_LABEL, RESUME_TIP) if paused else (PAUSE_LABEL, PAUSE_TIP)
        if self.pause.description != label:
            with self.pause.hold_sync():
                self.pause.description = label
                self.pause.tooltip = tip

    def _render(self) -> None:
        short, tip = MECHANISM_TEXT[self.mechanism]
        # the toolbar shows a dot (green: Stop/Pause act while a cell blocks) and the run's state, if any;
        # "running" is the dot alone (a word there wrapped the toolbar at 800 px); the tooltip says it all
        shown = "" if self._state == "running" else self._state
        if self._waiting:  # the person must not see a setting the plot ignores without a word why
            shown = f"{shown} · {WAITING_TEXT}" if shown else WAITING_TEXT
        title = f"control: {short}" + (f" · {self._state}" if self._state else "") + f". {tip}"
        dot = "var(--jp-success-color1, #388e3c)" if self.mechanism != HANDLER else "var(--jp-ui-font-color3, #bdbdbd)"
        value = (
            f'<span title="{html.escape(title)}" style="color: var(--jp-ui-font-color2, #757575); '
            f'font-size: var(--jp-ui-font-size1, 12px); white-space: nowrap"><span style="color: {dot}">●</span>'
            + (f" {html.escape(shown)}" if shown else "") + "</span>"
        )
        if self.status.value != value:
            self.status.value = value

    def close(self) -> None:
        """Stop listening to the run (the widgets are closed with the view's tree)."""
        self.control.remove_listener(self._on_event)
