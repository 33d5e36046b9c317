"""Stop and Pause for a training loop, even while it blocks the kernel's main thread.

A *control scope* (what Stop and Pause act on; not a plotted run of :mod:`lossplot_widget.core.run`)
begins at the first ``log()`` (or ``should_stop``, ``steps()``, ``check_controls()``, as the
framework callbacks call it) and ends with the cell (IPython ``post_run_cell``), with a ``with w:`` block
(in its ``finally``), or when the thread that began it is gone.
Its stop and pause requests are :class:`threading.Event` objects mirrored by plain flags, so a loop
checks them for the cost of an attribute read. Requests made while no scope is active are ignored.
How a click reaches a blocked loop is :mod:`lossplot_widget.control.delivery`'s business.

>>> ctl = LoopControl(hooks=False)
>>> ctl.request_stop()          # no scope yet: ignored
False
>>> scope = ctl.begin(); ctl.request_stop(), scope.stop.is_set()
(True, True)
>>> ctl.end(scope); ctl.scope is None
True
"""

from __future__ import annotations

import itertools
import math
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from . import cells, delivery
from .delivery import HANDLER, PEEK, is_click, request_scope
from .peek import Peeker
from .subshell import SubshellRouter

__all__ = ["ControlScope", "LoopControl"]

T = TypeVar("T")


class ControlScope:
    """What Stop and Pause act on: a cell, a ``with w:`` block or a training thread (not a plotted run).

    Its id, the thread that began it, and its stop/pause requests.
    """

    __slots__ = ("id", "thread", "request", "stop", "pause", "wake", "stopped", "paused", "stop_seen", "__weakref__")

    def __init__(self, scope_id: int, thread: threading.Thread, request: Any) -> None:
        self.id = scope_id
        self.thread = thread
        self.request = request  # the kernel request (cell) that began it
        self.stop = threading.Event()
        self.pause = threading.Event()
        self.wake = threading.Event()  # set on resume and on stop: ends a pause wait at once
        # plain mirrors of the two events, for the per-step checks (an attribute read, no call)
        self.stopped = False
        self.paused = False
        self.stop_seen = False


class LoopControl:
    """The Stop/Pause state of one :class:`~lossplot_widget.widget.LiveLossWidget` and its Stop/Pause requests.

    ``request_stop`` and ``set_paused`` may be called from any thread, including the kernel's
    shell-channel thread: they only read ``self.scope`` and set events.

    Parameters
    ----------
    hooks : bool, optional
        Use ipykernel's internals so controls reach a loop that blocks the kernel (default: the
        environment variable ``LOSSPLOT_CONTROL_HOOKS``, else on; see :func:`~.delivery.hooks_wanted`).
    lock : context manager, optional
        The widget's drawing lock (re-entrant): held by every control handler that runs on the
        kernel's subshell, so it never races a frame drawn by the training thread.
    """

    def __init__(self, hooks: bool | None = None, lock: Any = None) -> None:
        self.hooks = delivery.hooks_wanted(hooks)
        self.lock = threading.RLock() if lock is None else lock
        self.scope: ControlScope | None = None
        self.mechanism = HANDLER
        #: serves the view's comms on a kernel subshell (the ``subshell`` mechanism), else None
        self.router: SubshellRouter | None = None
        #: ``time.monotonic()`` at which ``log()`` should next look for clicks (:meth:`poll`); +inf
        #: unless the ``peek`` mechanism is connected
        self.next_poll = math.inf
        self.last_scope: ControlScope | None = None
        self.peeker: Peeker | None = None  # ipykernel 6 and 7.0-7.3
        #: per button, clicks acted on when they first arrived (``hook``, ``peek``) and how many of their
        #: normal ``on_click`` deliveries, after the cell, were then ignored
        self.early_clicks = {"stop": 0, "pause": 0}
        self.late_clicks = {"stop": 0, "pause": 0}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()  # begin/end only; never taken by the hook
        self._listeners: list[Callable[[str], None]] = []
        cells.watch(self.end_cell)  # a main-thread scope ends with its cell

    # ------------------------------------------------------------ requests
    def request_stop(self) -> bool:
        """Ask the active scope to stop; False (ignored) when no scope is active."""
        scope = self.scope
        if scope is None:
            return False
        scope.stopped = True
        scope.stop.set()
        scope.wake.set()
        return True

    def set_paused(self, paused: bool) -> bool:
        """Pause or resume the active run; False (ignored) when no scope is active."""
        scope = self.scope
        if scope is None:
            return False
        if paused:
            scope.paused = True
            scope.pause.set()
        else:
            scope.paused = False
            scope.pause.clear()
            scope.wake.set()
        return True

    def stop_requested(self) -> bool:
        """True while the active scope has a Stop request (a plain read: begins nothing, unlike :meth:`should_stop`)."""
        scope = self.scope
        return scope is not None and scope.stopped

    def toggle_pause(self) -> bool:
        """Pause the active scope, or resume it if paused; False (ignored) when no scope is active."""
        scope = self.scope
        return scope is not None and self.set_paused(not scope.paused)

    def observe_stop_message(self, data: Any) -> None:
        """A Stop message seen on its first arrival (``hook``: shell-channel thread; ``peek``: main thread)."""
        if is_click(data):
            self.early_clicks["stop"] += 1
            self.request_stop()

    def observe_pause_message(self, data: Any) -> None:
        """A Pause/Resume message seen on its first arrival (as :meth:`observe_stop_message`)."""
        if is_click(data):
            self.early_clicks["pause"] += 1
            self.toggle_pause()

    def poll(self, now: float | None = None) -> None:
        """On the main thread: where the kernel needs it (``peek``), look for pending clicks."""
        if now is not None:
            self.next_poll = now + delivery.POLL_INTERVAL
        peeker = self.peeker
        if peeker is not None:
            peeker.poll()

    def connect(self, stop: Any, pause: Any) -> str:
        """Wire the Stop and Pause buttons (see :func:`~.delivery.connect_buttons`)."""
        self.mechanism = delivery.connect_buttons(self, stop, pause, self.hooks)
        self.next_poll = 0.0 if self.mechanism == PEEK else math.inf
        return self.mechanism

    def route(self, widgets: Iterable[Any]) -> None:
        """Let the kernel subshell serve these widgets' comms too (a no-op under other mechanisms)."""
        router = self.router
        if router is not None:
            router.adopt(widgets)

    # ------------------------------------------------------------ the buttons' normal handlers
    def _late(self, button: str) -> bool:
        """True for the normal delivery of a click already acted on when it first arrived."""
        if self.late_clicks[button] < self.early_clicks[button]:
            self.late_clicks[button] += 1
            return True
        return False

    def stop_clicked(self) -> bool:
        """The Stop button's ``on_click``: True when it stopped the scope (False: ignored or already done)."""
        if not self._late("stop") and self.request_stop():
            self._notify("stopping")
            return True
        return False

    def pause_clicked(self) -> bool:
        """The Pause button's ``on_click`` (it pauses, or resumes a paused scope): True when it acted."""
        return not self._late("pause") and self.toggle_pause()

    # ------------------------------------------------------------ lifecycle
    def _stale(self, scope: ControlScope) -> bool:
        if not scope.thread.is_alive():
            return True
        here = threading.current_thread()
        return here is scope.thread and here is threading.main_thread() and scope.request != request_scope()

    def begin(self, fresh: bool = False) -> ControlScope:
        """The active scope, starting one if there is none (or if ``fresh``, or if the active one is stale)."""
        with self._lock:
            scope = self.scope
            if scope is not None and not fresh and not self._stale(scope):
                return scope
            scope = ControlScope(next(self._ids), threading.current_thread(), request_scope())
            self.scope = self.last_scope = scope
        self._notify("begin")
        if scope.thread is not threading.main_thread():
            # a training thread's scope ends when the thread does (the status label must not say "running")
            threading.Thread(target=self._end_after, args=(scope,), daemon=True, name="lossplot-run-end").start()
        return scope

    def _end_after(self, scope: ControlScope) -> None:
        scope.thread.join()
        self.end(scope)

    def end(self, scope: ControlScope | None = None) -> None:
        """End ``run`` (default: the active one); later requests are ignored until the next scope."""
        with self._lock:
            if self.scope is None or (scope is not None and self.scope is not scope):
                return
            self.scope = None
        self._notify("end")

    def current(self) -> ControlScope:
        """The active scope, checked for staleness (a stop left over from a finished request)."""
        scope = self.scope
        if scope is None or self._stale(scope):
            return self.begin()
        return scope

    def training_elsewhere(self) -> bool:
        """True while a scope is active on another thread than this one (e.g. a handler on the kernel subshell)."""
        scope = self.scope
        return scope is not None and scope.thread is not threading.current_thread()

    def end_cell(self) -> None:
        """End-of-cell: a scope begun on the main thread ends with its cell."""
        scope = self.scope
        if scope is not None and scope.thread is threading.main_thread():
            self.end(scope)

    def wait_while_paused(self, scope: ControlScope, on_pause: Callable[[], None] | None = None) -> None:
        """Block while ``run`` is paused; returns at once on resume or stop."""
        if on_pause is not None:
            on_pause()
        self._notify("paused")
        while True:
            scope.wake.clear()
            self.poll()
            if not scope.paused or scope.stopped:
                break
            scope.wake.wait(0.25 if self.peeker is None else 0.05)  # a timeout keeps Ctrl-C responsive
        self._notify("stopping" if scope.stopped else "resumed")

    # ------------------------------------------------------------ what the loop calls
    def should_stop(self) -> bool:
        """True once Stop was requested in this run; begins a scope when none is active."""
        scope = self.scope
        if scope is None:
            self.begin()
            return False
        if not scope.stopped:
            return False
        scope = self.current()  # a stop left from an earlier request (Voilà button) does not count
        if scope.stopped:
            self.note_stop_seen(scope)
            return True
        return False

    def checkpoint(self, on_pause: Callable[[], None] | None = None) -> None:
        """Begin a scope if none is active; block here while the scope is paused (Stop ends the wait)."""
        scope = self.scope
        if scope is None:
            self.begin()
            return
        if not scope.paused:
            return
        scope = self.current()
        if scope.paused:
            self.wait_while_paused(scope, on_pause=on_pause)

    def steps(self, iterable: Iterable[T], on_pause: Callable[[], None] | None = None) -> Iterator[T]:
        """Items of ``iterable`` until Stop; a pause waits between items (the running item finishes)."""
        it = iter(iterable)
        while True:
            if self.should_stop():
                return
            self.checkpoint(on_pause)
            if self.should_stop():
                return
            try:
                item = next(it)
            except StopIteration:
                return
            yield item

    def note_stop_seen(self, scope: ControlScope) -> None:
        if not scope.stop_seen:
            scope.stop_seen = True
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
