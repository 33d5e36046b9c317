"""Stop and Pause for a training run, even while the loop blocks the kernel's main thread.

A *run* begins at the first ``log()`` (or ``should_stop``, ``steps()``, ``check_controls()``, as the
framework callbacks call it) and ends with the cell (IPython ``post_run_cell``), with a ``with w:`` block
(in its ``finally``), or when the thread that began it is gone.
Its stop and pause requests are :class:`threading.Event` objects, so a loop checks them for the cost of a
method call. Requests made while no run is active are ignored.

How a click reaches a blocked kernel (chosen by feature detection, shown in the widget):

``hook``
    ipykernel >= 7.4 reads every shell message on a separate shell-channel thread and asks the target
    comm where to route it (a private ``_reply_subshell_for`` method). We wrap that method on our own
    buttons' comms only: the wrapper looks at the message data, sets an Event, and returns whatever the
    original returns, so the message continues on its normal route. It does no I/O, touches no widget
    and never raises. The normal ``on_click`` that follows later does nothing (the hook already acted).
``peek``
    ipykernel 6 and 7.0-7.3: every :data:`POLL_INTERVAL` seconds, from ``log()`` on the main thread, the
    messages waiting for the main thread are read (never taken, reordered or dispatched early) and our
    buttons' clicks acted on (see :mod:`._peek`).
``handler``
    Otherwise (other kernels, or hooks turned off): the ordinary ``on_click``/``observe`` handlers. They
    act when the kernel is idle, e.g. for training in a background thread; a loop that blocks a cell sees
    them only after the cell, when its run is over.

In every mode the normal handlers also run (late, for clicks the hook or the peeker already acted on;
those are recognised and ignored), and training in a background thread is stopped at once.

Set ``LiveLossWidget(control_hooks=False)``, :data:`HOOKS_ENABLED` or the environment variable
``LOSSPLOT_CONTROL_HOOKS=0`` to never touch ipykernel's private internals (neither hook nor peek).

>>> ctl = RunControl(hooks=False)
>>> ctl.request_stop()          # no run yet: ignored
False
>>> run = ctl.begin(); ctl.request_stop(), run.stop.is_set()
(True, True)
>>> ctl.end(run); ctl.run is None
True
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
from typing import Any, Callable

from . import cells as _ipython

#: module-wide default for ``LiveLossWidget(control_hooks=...)``
HOOKS_ENABLED = os.environ.get("LOSSPLOT_CONTROL_HOOKS", "1").strip().lower() not in {"0", "false", "no", "off"}

#: tests only: force ``"peek"`` or ``"handler"`` where the hook would be chosen (``LOSSPLOT_CONTROL_MECHANISM``)
FORCE_MECHANISM = os.environ.get("LOSSPLOT_CONTROL_MECHANISM", "").strip().lower() or None
#: seconds between two looks at pending shell messages (``peek`` mechanism, from ``log()``)
POLL_INTERVAL = 0.05
HOOK = "hook"
PEEK = "peek"
HANDLER = "handler"
MECHANISM_TEXT = {
    HOOK: ("live", "Stop/Pause act while a cell blocks (ipykernel shell-channel hook)"),
    PEEK: ("live (polled)", "Stop/Pause act within ~50 ms while a cell blocks (waiting messages are read)"),
    HANDLER: (
        "between cells",
        "Stop/Pause act when the kernel is idle or training runs in a thread; "
        "a loop blocking a cell sees them only after the cell",
    ),
}
_ROUTE_METHOD = "_reply_subshell_for"


class Run:
    """One training run: its id, the thread that began it, and its stop/pause requests."""

    __slots__ = ("id", "thread", "scope", "stop", "pause", "wake", "stopped", "paused", "stop_seen", "__weakref__")

    def __init__(self, run_id: int, thread: threading.Thread, scope: Any) -> None:
        self.id = run_id
        self.thread = thread
        self.scope = scope
        self.stop = threading.Event()
        self.pause = threading.Event()
        self.wake = threading.Event()  # set on resume and on stop: ends a pause wait at once
        # plain mirrors of the two events, for the per-step checks (an attribute read, no call)
        self.stopped = False
        self.paused = False
        self.stop_seen = False


def _kernel() -> Any:
    """The running ipykernel kernel, or None (plain Python, other kernels)."""
    mod = sys.modules.get("ipykernel.kernelbase")
    if mod is None:
        return None
    try:
        return mod.Kernel.instance() if mod.Kernel.initialized() else None
    except Exception:
        return None


def _scope() -> Any:
    """Which shell request a main-thread run belongs to (a cell, or a button click in Voilà)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    kernel = _kernel()
    if kernel is None:
        return None
    try:
        return kernel.get_parent("shell").get("header", {}).get("msg_id")
    except Exception:
        return None


def routing_hook_supported(comm: Any) -> bool:
    """True where ipykernel's shell-channel thread consults ``comm._reply_subshell_for`` per message."""
    kernel = _kernel()
    if kernel is None or not callable(getattr(comm, _ROUTE_METHOD, None)):
        return False
    thread = getattr(kernel, "shell_channel_thread", None)
    if thread is None or not thread.is_alive():
        return False
    main = getattr(type(kernel), "shell_channel_thread_main", None)
    code = getattr(main, "__code__", None)
    return code is not None and _ROUTE_METHOD in code.co_consts


def install_routing_hook(comm: Any, observe: Callable[[Any], None]) -> bool:
    """Let ``observe(data)`` see each message for ``comm`` on the shell-channel thread.

    ``observe`` must only set events. Its exceptions are swallowed: that thread carries all shell
    traffic. Returns False (and changes nothing) where the kernel offers no such hook.
    """
    if not routing_hook_supported(comm):
        return False
    setattr(comm, _ROUTE_METHOD, observing_route(getattr(comm, _ROUTE_METHOD), observe))
    return True


def observing_route(original: Callable[[Any, Any], Any], observe: Callable[[Any], None]) -> Callable[[Any, Any], Any]:
    """``original`` (the comm's routing method), after showing the message data to ``observe``.

    >>> seen = []
    >>> route = observing_route(lambda data, default: default, seen.append)
    >>> route({"method": "custom"}, None), seen
    (None, [{'method': 'custom'}])
    >>> observing_route(lambda data, default: "main", lambda data: 1 / 0)({}, None)
    'main'
    """

    def route(data: Any, default: Any) -> Any:
        try:
            observe(data)
        except BaseException:  # noqa: BLE001 - never disturb the kernel's routing
            pass
        return original(data, default)

    route.__lossplot_hook__ = True  # type: ignore[attr-defined]
    return route


def is_click(data: Any) -> bool:
    """A Button click as ipywidgets sends it: ``{method: custom, content: {event: click}}``."""
    if data.__class__ is not dict or data.get("method") != "custom":
        return False
    content = data.get("content")
    return content.__class__ is dict and content.get("event") == "click"


def toggle_value(data: Any) -> bool | None:
    """The new ``value`` in a ToggleButton state update, else None."""
    if data.__class__ is not dict or data.get("method") != "update":
        return None
    state = data.get("state")
    if state.__class__ is not dict:
        return None
    value = state.get("value")
    return value if value.__class__ is bool else None


class RunControl:
    """The run state of one :class:`~lossplot_widget.widget.LiveLossWidget` and its Stop/Pause requests.

    ``request_stop`` and ``set_paused`` may be called from any thread, including the kernel's
    shell-channel thread: they only read ``self.run`` and set events.
    """

    def __init__(self, hooks: bool | None = None) -> None:
        self.hooks = HOOKS_ENABLED if hooks is None else bool(hooks)
        self.run: Run | None = None
        self.mechanism = HANDLER
        self.last_run: Run | None = None
        self.peeker: Any = None  # a _peek.Peeker on ipykernel 6
        self.peeked_clicks = 0  # Stop clicks acted on by the peeker ...
        self.late_clicks = 0  # ... whose normal on_click, after the cell, is then ignored
        self._ids = itertools.count(1)
        self._lock = threading.Lock()  # begin/end only; never taken by the hook
        self._listeners: list[Callable[[str], None]] = []
        _ipython.watch(self)  # end_cell() after each IPython cell

    # ------------------------------------------------------------ requests
    def request_stop(self) -> bool:
        """Ask the active run to stop; False (ignored) when no run is active."""
        run = self.run
        if run is None:
            return False
        run.stopped = True
        run.stop.set()
        run.wake.set()
        return True

    def set_paused(self, paused: bool) -> bool:
        """Pause or resume the active run; False (ignored) when no run is active."""
        run = self.run
        if run is None:
            return False
        if paused:
            run.paused = True
            run.pause.set()
        else:
            run.paused = False
            run.pause.clear()
            run.wake.set()
        return True

    def observe_stop_message(self, data: Any) -> None:
        if is_click(data):
            self.request_stop()

    def observe_peeked_stop(self, data: Any) -> None:
        if is_click(data):
            self.peeked_clicks += 1
            self.request_stop()

    def poll(self) -> None:
        """Frame time on the main thread: where the kernel needs it, look for pending clicks."""
        peeker = self.peeker
        if peeker is not None:
            peeker.poll()

    def observe_pause_message(self, data: Any) -> None:
        value = toggle_value(data)
        if value is not None:
            self.set_paused(value)

    # ------------------------------------------------------------ lifecycle
    def _stale(self, run: Run) -> bool:
        if not run.thread.is_alive():
            return True
        here = threading.current_thread()
        return here is run.thread and here is threading.main_thread() and run.scope != _scope()

    def begin(self, fresh: bool = False) -> Run:
        """The active run, starting one if there is none (or if ``fresh``, or if the active one is stale)."""
        with self._lock:
            run = self.run
            if run is not None and not fresh and not self._stale(run):
                return run
            run = Run(next(self._ids), threading.current_thread(), _scope())
            self.run = self.last_run = run
        self._notify("begin")
        if run.thread is not threading.main_thread():
            # a training thread's run ends when the thread does (the status label must not say "running")
            threading.Thread(target=self._end_after, args=(run,), daemon=True, name="lossplot-run-end").start()
        return run

    def _end_after(self, run: Run) -> None:
        run.thread.join()
        self.end(run)

    def end(self, run: Run | None = None) -> None:
        """End ``run`` (default: the active one); later requests are ignored until the next run."""
        with self._lock:
            if self.run is None or (run is not None and self.run is not run):
                return
            self.run = None
        self._notify("end")

    def current(self) -> Run:
        """The active run, checked for staleness (a stop left over from a finished request)."""
        run = self.run
        if run is None or self._stale(run):
            return self.begin()
        return run

    def _after_cell(self) -> None:
        self.end_cell()

    def end_cell(self) -> None:
        """End-of-cell: a run begun on the main thread ends with its cell."""
        run = self.run
        if run is not None and run.thread is threading.main_thread():
            self.end(run)

    def wait_while_paused(self, run: Run, on_pause: Callable[[], None] | None = None) -> None:
        """Block while ``run`` is paused; returns at once on resume or stop."""
        if on_pause is not None:
            on_pause()
        self._notify("paused")
        while True:
            run.wake.clear()
            self.poll()
            if not run.paused or run.stopped:
                break
            run.wake.wait(0.25 if self.peeker is None else 0.05)  # a timeout keeps Ctrl-C responsive
        self._notify("stopping" if run.stopped else "resumed")

    def note_stop_seen(self, run: Run) -> None:
        if not run.stop_seen:
            run.stop_seen = True
            self._notify("stopped")

    # ------------------------------------------------------------ listeners (the view)
    def add_listener(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[str], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _notify(self, event: str) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception as exc:  # never break the training loop over a label
                print(f"lossplot_widget: control display failed: {exc!r}", file=sys.stderr)
