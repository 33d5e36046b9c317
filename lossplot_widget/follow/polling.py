"""The background thread of a follower: started, stopped and asked whether it runs, the same way for every kind.

>>> class Counter(PollingThread):
...     def _loop(self) -> None:
...         self._stop.wait()
>>> c = Counter("demo"); c.start(); c.running
True
>>> c.stop(); c.running
False
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["PolledSource", "PollingThread"]


class PollingThread:
    """A daemon thread running :meth:`_loop` until :meth:`stop` (subclasses write ``_loop`` and may wake it)."""

    def __init__(self, what: str) -> None:
        self._what = what  # in the thread's name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the polling thread (done by :meth:`LiveLossWidget.follow`)."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=f"lossplot-follow:{self._what}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop following (the points already read stay in the widget)."""
        self._stop.set()
        self._wake()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def _loop(self) -> None:
        raise NotImplementedError

    def _wake(self) -> None:
        """Cut the thread's wait short (after :meth:`stop` set the stop flag)."""


class PolledSource(PollingThread):
    """A source read in whole polls (a run store, an Optuna study): :meth:`_poll` reads what is new and hands it to
    the sink; one poll at a time (the thread's and a direct :meth:`poll_once`); a failure of a kind in
    :attr:`failures` is reported once per message (a ``warning`` and a note on the widget) and polling goes on.

    Subclasses set ``poll`` (seconds), ``_sink`` (a weak reference to the sink, which has ``note(text)``),
    ``warning`` (the warning category) and write :meth:`_poll` and :meth:`_failure`. :attr:`polls` and
    :attr:`points` count the polls made while the widget lived and the points they read.
    """

    poll: float
    _sink: Callable[[], Any]
    warning: type[Warning] = UserWarning
    failures: tuple[type[BaseException], ...] = (Exception,)

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self._polling = threading.Lock()  # one poll at a time (the thread's and a direct call)
        #: the failures reported so far (each message once)
        self.errors: list[str] = []
        #: polls made (while the widget lived) and the points they read
        self.polls = 0
        self.points = 0

    def _loop(self) -> None:
        while not self._stop.is_set() and self._sink() is not None:
            try:
                self.poll_once()
            except self.failures as exc:  # reported once per message; polling goes on
                self._report(self._failure(exc))
            self._stop.wait(self.poll)

    def poll_once(self) -> int:
        """Read what is new and hand it to the widget; return the points read."""
        with self._polling:
            sink = self._sink()
            if sink is None:  # the widget is gone: nothing to hand over
                return 0
            n = self._poll(sink)
            self.polls += 1
            self.points += n
            return n

    def _poll(self, sink: Any) -> int:
        """Read what is new, hand it to ``sink``; return the points read."""
        raise NotImplementedError

    def _failure(self, exc: BaseException) -> str:
        """The message reporting ``exc``."""
        raise NotImplementedError

    def _report(self, message: str) -> None:
        if message in self.errors:
            return
        self.errors.append(message)
        warnings.warn(message, self.warning, stacklevel=2)
        sink = self._sink()
        if sink is not None:
            sink.note(message)
