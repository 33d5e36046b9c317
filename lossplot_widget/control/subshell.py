"""Every control of a widget acts while a cell blocks: its comms are served by a kernel subshell.

While a cell runs, the kernel's main thread is busy in the user's loop; a message from the page to a
widget (a slider moved, a toggle pressed, a scale zoomed, a button clicked) normally waits for the
cell. Worse, ipywidgets' front end holds a model's *next* update until the kernel answered the
previous one, so a second change to the same control (Resume after Pause) is never even sent.

ipykernel >= 7.4 reads every shell message on its shell-channel thread and asks the target comm
which subshell handles it (``Comm._reply_subshell_for(data, default)``). A subshell is a kernel thread
with its own event loop that handles messages, publishes ``busy``/``idle`` with the message as parent
(which releases the page's pending counter) and never waits for the main thread. This module makes
one such subshell per kernel, for the widgets of this package only, and points their comms at it:
their handlers then run at once, in the order the person made the changes, on that one thread.

Private ipykernel attributes used (each checked by :func:`subshells_supported`; any missing one means
the caller falls back to the other mechanisms of :mod:`~lossplot_widget.control.delivery`):

- ``Kernel._supports_kernel_subshells`` (True) and ``Kernel.shell_channel_thread`` (alive, with an
  ``io_loop``);
- ``shell_channel_thread.manager._create_subshell()`` (run on that thread, as the kernel's own
  ``create_subshell_request`` does through a socket);
- ``Comm._reply_subshell_for`` (replaced on our comms) and ``type(Kernel).shell_channel_thread_main``
  naming it (so the thread consults it for every message);
- ``comm.base_comm.BaseComm._msg_callback`` (wrapped, so a handler holds the widget's drawing lock:
  handlers run beside the training thread and must not race its frames).

>>> import threading
>>> router = SubshellRouter("abc", threading.RLock())
>>> router.route({"method": "update"}, None)
'abc'
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Any

__all__ = ["SubshellRouter", "kernel_subshell", "routes_per_comm", "subshells_supported"]

_ROUTE = "_reply_subshell_for"
_CALLBACK = "_msg_callback"
#: one subshell per kernel, made on first use and kept for the kernel's life
_subshells: dict[int, str] = {}
_make_lock = threading.Lock()


def routes_per_comm(kernel: Any) -> bool:
    """True where ``kernel``'s shell-channel thread (alive) asks each comm where its messages go."""
    thread = getattr(kernel, "shell_channel_thread", None)
    if thread is None or not thread.is_alive():
        return False
    main = getattr(type(kernel), "shell_channel_thread_main", None)
    code = getattr(main, "__code__", None)
    return code is not None and _ROUTE in code.co_consts


def subshells_supported(kernel: Any) -> bool:
    """True where ``kernel`` routes comm messages per comm and can make a subshell for us."""
    if kernel is None or not getattr(kernel, "_supports_kernel_subshells", False) or not routes_per_comm(kernel):
        return False
    thread = kernel.shell_channel_thread
    return getattr(thread, "io_loop", None) is not None and callable(
        getattr(getattr(thread, "manager", None), "_create_subshell", None)
    )


def kernel_subshell(kernel: Any, timeout: float = 5.0) -> str | None:
    """The id of this package's subshell in ``kernel`` (made on first call), or None where that fails."""
    if not subshells_supported(kernel):
        return None
    with _make_lock:
        known = _subshells.get(id(kernel))
        if known is not None:
            return known
        thread = kernel.shell_channel_thread
        made: list[str] = []
        done = threading.Event()

        def make() -> None:  # on the shell-channel thread, where the manager creates subshells
            try:
                made.append(thread.manager._create_subshell())
            finally:
                done.set()

        if threading.current_thread() is thread:  # pragma: no cover - never called from there
            make()
        else:
            thread.io_loop.add_callback(make)
            done.wait(timeout)
        if not made:
            return None
        _subshells[id(kernel)] = made[0]
        return made[0]


class SubshellRouter:
    """Points widgets' comms at subshell ``subshell_id``; their handlers hold ``lock``.

    Parameters
    ----------
    subshell_id : str
        What ``_reply_subshell_for`` answers for every message to an adopted comm.
    lock : context manager
        Held while a handler runs (the widget's drawing lock, re-entrant: a handler may draw).
    """

    def __init__(self, subshell_id: str, lock: AbstractContextManager[Any]) -> None:
        self.subshell_id = subshell_id
        self.lock = lock
        self._adopted: set[str] = set()

    def route(self, data: Any, default: Any) -> str:
        """Where a message to an adopted comm goes (called on the kernel's shell-channel thread)."""
        return self.subshell_id

    def adopt(self, widgets: Iterable[Any]) -> int:
        """Route the comms of ``widgets`` (those not adopted yet); return how many were new."""
        new = 0
        for widget in widgets:
            comm = getattr(widget, "comm", None)
            comm_id = getattr(comm, "comm_id", None)
            if comm_id is None or comm_id in self._adopted or not callable(getattr(comm, _ROUTE, None)):
                continue
            callback = getattr(comm, _CALLBACK, None)
            if callback is not None:
                setattr(comm, _CALLBACK, self._locked(callback))
            setattr(comm, _ROUTE, self.route)
            self._adopted.add(comm_id)
            new += 1
        return new

    def _locked(self, callback: Callable[[Any], Any]) -> Callable[[Any], Any]:
        lock = self.lock

        def handle(msg: Any) -> Any:
            with lock:
                return callback(msg)

        return handle
