"""The Stop button, Pause toggle and status label of the toolbar, wired to a :class:`RunControl`.

Labels are plain text/unicode (Voilà serves no icon font offline).
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..control import run as control
from ..control.peek import Peeker, peek_supported
from ..control.run import HANDLER, HOOK, MECHANISM_TEXT, PEEK, _kernel, install_routing_hook, routing_hook_supported

if TYPE_CHECKING:
    from ..widget import LiveLossWidget

PAUSE_LABEL = "❚❚ Pause"
RESUME_LABEL = "▶ Resume"


class ControlBar:
    """Stop and Pause for one view; the hook (where available) is installed on these buttons' comms."""

    def __init__(self, owner: "LiveLossWidget") -> None:
        self.owner = owner
        ctl = self.control = owner._control
        self.stop = widgets.Button(
            description="■ Stop", tooltip="stop the training run at its next step",
            layout=widgets.Layout(width="80px"),
        )
        self.pause = widgets.ToggleButton(
            value=False, description=PAUSE_LABEL, tooltip="pause the training run (click again to resume)",
            layout=widgets.Layout(width="96px"),
        )
        self.status = widgets.HTML()
        self.stop.add_class("lossplot-stop")
        self.pause.add_class("lossplot-pause")
        self.status.add_class("lossplot-control-status")
        self.mechanism = self._connect()
        ctl.mechanism = self.mechanism
        owner._next_poll = 0.0 if self.mechanism == PEEK else math.inf  # log() looks every POLL_INTERVAL
        self._syncing = False
        self._state = ""
        self.stop.on_click(self._on_stop_click)
        self.pause.observe(self._on_pause_change, names="value")
        ctl.add_listener(self._on_event)
        self._render()

    @property
    def widgets(self) -> list[Any]:
        return [self.stop, self.pause, self.status]

    def _connect(self) -> str:
        """Pick how clicks reach a blocked loop: the routing hook, else peeking, else plain handlers."""
        ctl = self.control
        force = control.FORCE_MECHANISM
        if not ctl.hooks or force == HANDLER:
            return HANDLER
        if force != PEEK and all(routing_hook_supported(w.comm) for w in (self.stop, self.pause)):
            install_routing_hook(self.stop.comm, ctl.observe_stop_message)
            install_routing_hook(self.pause.comm, ctl.observe_pause_message)
            return HOOK
        kernel = _kernel()
        if peek_supported(kernel):
            if ctl.peeker is None or ctl.peeker.kernel is not kernel:
                ctl.peeker = Peeker(kernel)
            ctl.peeker.watch(self.stop.model_id, ctl.observe_peeked_stop)
            ctl.peeker.watch(self.pause.model_id, ctl.observe_pause_message)
            return PEEK
        return HANDLER

    # ------------------------------------------------------------ frontend events (main thread)
    def _on_stop_click(self, _button: Any) -> None:
        ctl = self.control
        if self.mechanism == HOOK:
            return  # the late second delivery of a click the hook already acted on
        if self.mechanism == PEEK and ctl.late_clicks < ctl.peeked_clicks:
            ctl.late_clicks += 1  # the peeker acted on this click while the cell blocked
            return
        if ctl.request_stop():
            self._on_event("stopping")

    def _on_pause_change(self, change: Any) -> None:
        if self._syncing:
            return
        if self.mechanism != HOOK:  # a value, not a toggle: applying it twice in a run is harmless
            self.control.set_paused(bool(change["new"]))
        self._sync_toggle()  # show the real state (e.g. a click while no run was active snaps back)

    # ------------------------------------------------------------ run events (main or training thread)
    def _on_event(self, event: str) -> None:
        ctl = self.control
        step = self.owner.history.last_step
        if event in ("begin", "resumed"):
            self._state = "running"
        elif event == "paused":
            self._state = f"paused at step {step}: Resume or Stop"
        elif event == "stopping":
            self._state = "stopping…"
        elif event == "stopped":
            self._state = f"stopped at step {step}"
        elif event == "end":
            run = ctl.last_run
            self._state = self._state if run is not None and run.stop_seen else ""
        self._sync_toggle()
        self._render()

    def _sync_toggle(self) -> None:
        run = self.control.run
        paused = run is not None and run.paused and not run.stopped
        self._syncing = True
        try:
            if self.pause.value != paused:
                self.pause.value = paused
            label = RESUME_LABEL if paused else PAUSE_LABEL
            if self.pause.description != label:
                self.pause.description = label
        finally:
            self._syncing = False

    def _render(self) -> None:
        short, tip = MECHANISM_TEXT[self.mechanism]
        text = f"control: {short}" + (f" · {self._state}" if self._state else "")
        value = (
            f'<span title="{html.escape(tip)}" style="color: var(--jp-ui-font-color2, #757575); '
            f'font-size: var(--jp-ui-font-size1, 12px)">{html.escape(text)}</span>'
        )
        if self.status.value != value:
            self.status.value = value

    def close(self) -> None:
        self.control.remove_listener(self._on_event)
        for w in self.widgets:
            w.close()
