"""How a Stop/Pause click reaches a loop that blocks the kernel: every private ipykernel mechanism is here.

While a cell runs, the kernel's main thread is busy in the user's loop, so an ordinary
``on_click`` runs only after the cell. :func:`connect_buttons` picks, by feature detection,
the first of four ways that works on the running kernel and returns its name:

``subshell`` (ipykernel >= 7.4; :mod:`lossplot_widget.control.subshell`)
    A kernel subshell handles every message to the widget's comms (toolbar, panels, run table,
    zoom), so *every* control acts while a cell blocks, in order, and the page's pending counter
    is released (Resume reaches a paused loop). Handlers run on that thread under the widget's
    drawing lock.
``hook`` (ipykernel >= 7.4 where no subshell could be made)
    ipykernel reads every shell message on its own shell-channel thread and asks the target
    comm where to route it. Private attributes used, and how each is detected:

    - ``Comm._reply_subshell_for(data, default)``: must be callable on our buttons' comms;
    - ``Kernel.shell_channel_thread``: must exist and be alive;
    - ``type(Kernel).shell_channel_thread_main``: its code object's constants must name
      ``"_reply_subshell_for"`` (so the thread really consults it, per message).

    We wrap ``_reply_subshell_for`` on our own buttons' comms only (:func:`observing_route`):
    the wrapper looks at the message data, sets an Event, and returns what the original
    returns, so the message goes on as usual. It does no I/O, touches no widget, never raises.
``peek`` (ipykernel 6 and 7.0-7.3; :mod:`lossplot_widget.control.peek`)
    From ``log()`` on the main thread, at most every :data:`POLL_INTERVAL` seconds, the
    messages waiting for the main thread are *read* (never taken, reordered or dispatched).
    Private attributes used, each checked by :func:`~lossplot_widget.control.peek.peek_supported`:

    - ipykernel 6: ``Kernel.shell_stream`` (``.flush()``, ``.socket``), ``Kernel.msg_queue._queue``
      (a list of ``(index, dispatch, args)``), ``Kernel.dispatch_shell``, ``Kernel.session``;
    - ipykernel 7.0-7.3: ``Kernel.shell_channel_thread.manager._shell_channel_to_main.to_stream``
      (``.flush()``, ``._recv_callback``, ``.socket``), ``Kernel.session``.
``handler`` (any other kernel, or hooks turned off)
    The ordinary handlers: they act when the kernel is idle, e.g. for training in a thread.

Public ipykernel API used as well: ``ipykernel.kernelbase.Kernel.instance()`` /
``.initialized()`` (read from ``sys.modules``, never imported here) and
``Kernel.get_parent("shell")`` (which request a main-thread run belongs to).

Turn the private mechanisms off per widget with ``LiveLossWidget(control_hooks=False)``, or for every widget
with the environment variable ``LOSSPLOT_CONTROL_HOOKS=0`` (read when a widget is made, see :func:`hooks_wanted`).

>>> seen = []
>>> route = observing_route(lambda data, default: default, seen.append)
>>> route({"method": "custom"}, None), seen
(None, [{'method': 'custom'}])
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Any, Protocol

from .peek import Peeker, peek_supported
from .subshell import SubshellRouter, kernel_subshell, routes_per_comm

__all__ = [
    "FORCE_MECHANISM",
    "HANDLER",
    "HOOK",
    "MECHANISM_TEXT",
    "LIVE_SETTINGS",
    "PEEK",
    "POLL_INTERVAL",
    "SUBSHELL",
    "ClickSink",
    "connect_buttons",
    "current_kernel",
    "hooks_wanted",
    "install_routing_hook",
    "is_click",
    "observing_route",
    "request_scope",
    "routing_hook_supported",
]

#: tests only: force ``"hook"``, ``"peek"`` or ``"handler"`` where the subshell would be chosen
#: (``LOSSPLOT_CONTROL_MECHANISM``)
FORCE_MECHANISM = os.environ.get("LOSSPLOT_CONTROL_MECHANISM", "").strip().lower() or None
#: seconds between two looks at pending shell messages (``peek`` mechanism, from ``log()``)
POLL_INTERVAL = 0.05
SUBSHELL = "subshell"
HOOK = "hook"
PEEK = "peek"
HANDLER = "handler"


def hooks_wanted(control_hooks: bool | None = None) -> bool:
    """The one switch for the private mechanisms: ``control_hooks`` when given (``LiveLossWidget(control_hooks=...)``),
    else the environment variable ``LOSSPLOT_CONTROL_HOOKS`` (``0``, ``false``, ``no``, ``off``: off), else on.

    >>> hooks_wanted(False), hooks_wanted(True)
    (False, True)
    """
    if control_hooks is not None:
        return bool(control_hooks)
    return os.environ.get("LOSSPLOT_CONTROL_HOOKS", "1").strip().lower() not in {"0", "false", "no", "off"}
#: the mechanisms under which every setting (not only Stop/Pause) acts while a cell blocks
LIVE_SETTINGS = frozenset({SUBSHELL})
MECHANISM_TEXT = {
    SUBSHELL: ("live", "every control acts while a cell blocks (a kernel subshell handles this widget's messages)"),
    HOOK: ("live", "Stop/Pause act while a cell blocks (ipykernel shell-channel hook); other settings "
           "apply when the cell ends"),
    PEEK: ("live (polled)", "Stop/Pause act within ~50 ms while a cell blocks (waiting messages are read); "
           "other settings apply when the cell ends"),
    HANDLER: (
        "between cells",
        "controls act when the kernel is idle or training runs in a thread; "
        "a loop blocking a cell sees them only after the cell",
    ),
}
_ROUTE_METHOD = "_reply_subshell_for"


class ClickSink(Protocol):
    """What the delivered messages act on (a :class:`~lossplot_widget.control.scope.LoopControl`)."""

    peeker: Peeker | None
    router: SubshellRouter | None
    lock: Any  # the widget's drawing lock, held by handlers on the subshell

    def observe_stop_message(self, data: Any) -> None: ...
    def observe_pause_message(self, data: Any) -> None: ...


class _HasComm(Protocol):
    comm: Any
    model_id: str


def current_kernel() -> Any:
    """The running ipykernel kernel, or None (plain Python, other kernels)."""
    mod = sys.modules.get("ipykernel.kernelbase")
    if mod is None:
        return None
    try:
        return mod.Kernel.instance() if mod.Kernel.initialized() else None
    except Exception:
        return None


def request_scope() -> Any:
    """Which shell request a main-thread run belongs to (a cell, or a button click in Voilà)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    kernel = current_kernel()
    if kernel is None:
        return None
    try:
        return kernel.get_parent("shell").get("header", {}).get("msg_id")
    except Exception:
        return None


def routing_hook_supported(comm: Any) -> bool:
    """True where ipykernel's shell-channel thread consults ``comm._reply_subshell_for`` per message."""
    kernel = current_kernel()
    return kernel is not None and callable(getattr(comm, _ROUTE_METHOD, None)) and routes_per_comm(kernel)


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
    """A Button click as ipywidgets sends it: ``{method: custom, content: {event: click}}``.

    >>> is_click({"method": "custom", "content": {"event": "click"}}), is_click({"method": "update"})
    (True, False)
    """
    if data.__class__ is not dict or data.get("method") != "custom":
        return False
    content = data.get("content")
    return content.__class__ is dict and content.get("event") == "click"


def connect_buttons(sink: ClickSink, stop: _HasComm, pause: _HasComm, hooks: bool) -> str:
    """Pick how clicks on ``stop``/``pause`` reach a blocked loop; wire them to ``sink``; return the mechanism."""
    force = FORCE_MECHANISM
    if not hooks or force == HANDLER:
        return HANDLER
    if force is None:
        subshell = kernel_subshell(current_kernel())
        if subshell is not None:
            sink.router = SubshellRouter(subshell, sink.lock)
            sink.router.adopt([stop, pause])
            return SUBSHELL
    if force != PEEK and all(routing_hook_supported(w.comm) for w in (stop, pause)):
        install_routing_hook(stop.comm, sink.observe_stop_message)
        install_routing_hook(pause.comm, sink.observe_pause_message)
        return HOOK
    kernel = current_kernel()
    if peek_supported(kernel):
        if sink.peeker is None or sink.peeker.kernel is not kernel:
            sink.peeker = Peeker(kernel)
        sink.peeker.watch(stop.model_id, sink.observe_stop_message)
        sink.peeker.watch(pause.model_id, sink.observe_pause_message)
        return PEEK
    return HANDLER
