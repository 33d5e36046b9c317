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

__all__ = ["PollingThread"]


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
