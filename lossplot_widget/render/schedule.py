"""When frames are drawn: throttled by time, a trailing frame by timer, one frame at a time.

:class:`FrameLoop` knows nothing about what a frame is: it calls ``paint()`` (the widget's
"build a frame from the history and show it") when one is due, and compares ``version()``
(the history's change counter) with the version last drawn to know whether anything is new.

- :meth:`FrameLoop.poke` is the hot path (every ``log()``): one comparison with the time the
  next frame is due; otherwise a timer thread is armed once, so the last value is drawn even
  when logging stops (the trailing flush, also for training in a background thread).
- :meth:`FrameLoop.flush` draws now (end of cell, ``close()``, ``with w:``).
- A ``KeyboardInterrupt`` arriving mid-frame is raised right after it
  (:func:`~lossplot_widget.core.interrupts.defer_interrupts`); an exception in ``paint`` is kept in
  :attr:`FrameLoop.error` and warned about once (:class:`DrawWarning`), never raised into the loop.

``paint(final)`` returns :data:`DRAWN`, :data:`NO_VIEW` or :data:`PARTIAL` (a frame budget left
changed series for later frames: the loop stays dirty and draws again when the next frame is due;
``final`` is True for :meth:`FrameLoop.flush`, which must draw everything).

>>> painted = []
>>> loop = FrameLoop(lambda final: painted.append(final) or DRAWN, version=lambda: 7, interval=60.0)
>>> loop.dirty, loop.flush(), loop.dirty, loop.frames, painted
(True, None, False, 1, [True])
"""

from __future__ import annotations

import atexit
import threading
import time
import warnings
import weakref
from collections.abc import Callable

from ..core.interrupts import defer_interrupts
from .throttle import Throttle

__all__ = ["DRAWN", "NO_VIEW", "PARTIAL", "DrawWarning", "FrameLoop"]

#: what ``paint`` returns: nothing to draw on / drawn / drawn, but some changes wait for later frames
NO_VIEW, DRAWN, PARTIAL = 0, 1, 2


class DrawWarning(RuntimeWarning):
    """A frame could not be drawn (training goes on; ``LiveLossWidget.draw_error`` holds the error)."""


class FrameLoop:
    """Draw at most every ``interval`` seconds, and never more than 5% of the time (see :class:`Throttle`).

    Parameters
    ----------
    paint : callable
        ``paint(final)`` builds and shows one frame; returns :data:`DRAWN`, :data:`NO_VIEW` (nothing to
        show it on) or :data:`PARTIAL` (more to draw at the next frames; never when ``final``).
    version : callable
        The data's change counter: a frame is needed while it differs from the last drawn one.
    interval : float
        Minimum seconds between two frames.
    """

    def __init__(self, paint: Callable[[bool], int], version: Callable[[], int], interval: float = 0.25) -> None:
        self._paint = paint
        self._version = version
        self.throttle = Throttle(interval)
        self.drawn_version = -1
        self.frames = 0  # frames painted on a view
        self.error: Exception | None = None
        self._warned = False
        #: one frame at a time; re-entrant, so a control handler holding it (see :attr:`lock`) may draw
        self._lock = threading.RLock()
        self._timer: threading.Timer | None = None
        self._timer_lock = threading.Lock()
        #: draw only on the timer thread, never inside ``poke`` (measured, see benchmarks/RESULTS.md section 3)
        self.background = False
        self._stopped = False  # at interpreter exit: no more frames off the main thread
        _LOOPS.add(self)

    @property
    def lock(self) -> threading.RLock:
        """Held while a frame is drawn: whoever changes what frames read (a control's handler) holds it too."""
        return self._lock

    @property
    def dirty(self) -> bool:
        """True while something changed since the last frame."""
        return self._version() != self.drawn_version

    def invalidate(self) -> None:
        """The next frame is needed although the data did not change (options, zoom, notes)."""
        self.drawn_version = -1

    def poke(self, now: float) -> None:
        """Something changed at ``now`` (``time.monotonic()``): draw if a frame is due, else arm the timer."""
        if now >= self.throttle.next_at and not self.background:
            self.draw(blocking=False)
        elif self._timer is None:
            self._schedule(self.throttle.wait(now))

    def flush(self) -> None:
        """Draw everything now, waiting for a frame in progress on another thread."""
        self.draw(blocking=True, final=True)

    def draw(self, blocking: bool, final: bool = False) -> None:
        """Paint one frame (skipped when another thread is painting and ``blocking`` is False)."""
        more = False
        with defer_interrupts():
            if not self._lock.acquire(blocking=blocking):
                return
            if self._stopped and threading.current_thread() is not threading.main_thread():
                self._lock.release()
                return
            try:
                # the cost is this thread's CPU time: what drawing takes from the machine, not the time
                # other processes (a busy browser on a small machine) take from us meanwhile
                start = time.thread_time()
                version = self._version()
                result = self._paint(final)
                if result:
                    self.frames += 1
                self.error = None  # a frame that did not fail clears the last error
                more = result == PARTIAL
                self.drawn_version = -1 if more else version
                self.throttle.sent(time.monotonic(), time.thread_time() - start)
            except Exception as exc:  # drawing must never break the training loop
                self.error = exc
                if not self._warned:
                    self._warned = True
                    warnings.warn(f"lossplot_widget could not draw a frame: {exc!r}", DrawWarning, stacklevel=3)
                self.throttle.sent(time.monotonic(), 1.0)
            finally:
                self._lock.release()
        if more:  # the rest at the next frames, also when nothing more is logged
            self._schedule(self.throttle.wait(time.monotonic()))

    def _schedule(self, delay: float) -> None:
        with self._timer_lock:
            if self._timer is None and not self._stopped:
                timer = threading.Timer(delay + 0.005, self._on_timer)
                timer.daemon = True
                self._timer = timer
                timer.start()

    def _on_timer(self) -> None:
        with self._timer_lock:
            self._timer = None
        if self.dirty:
            if self.throttle.due(time.monotonic()):
                self.draw(blocking=False)
            if self.dirty:
                self._schedule(max(self.throttle.wait(time.monotonic()), 0.01))

    def cancel(self) -> None:
        """Disarm the timer (a pending trailing frame is dropped; :meth:`flush` first to keep it)."""
        with self._timer_lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    def stop(self, timeout: float = 2.0) -> None:
        """No more frames on the timer thread; wait up to ``timeout`` s for one in progress to end."""
        self._stopped = True
        self.cancel()
        if self._lock.acquire(timeout=timeout):
            self._lock.release()


_LOOPS: weakref.WeakSet[FrameLoop] = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    # A frame on the daemon timer thread while the interpreter is torn down (torch's or jax's runtime
    # destroyed under a stack or a device read) aborted the process: "terminate called without an
    # active exception". atexit runs before daemon threads are frozen: stop them here. A frame in progress
    # gets up to 10 s (on a busy machine a long device read took more than 2 s and the process still aborted).
    for loop in list(_LOOPS):
        loop.stop(timeout=10.0)
