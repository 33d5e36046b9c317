"""When frames are drawn: throttled by time, a trailing frame by timer, one frame at a time.

:class:`FrameLoop` knows nothing about what a frame is: it calls ``paint()`` (the widget's
"build a frame from the history and show it") when one is due, and compares ``version()``
(the history's change counter) with the version last drawn to know whether anything is new.

- :meth:`FrameLoop.poke` is the hot path (every ``log()``): one comparison with the time the
  next frame is due; otherwise the process' one waker thread (:class:`Waker`) is asked, once, to
  look again shortly after that time, so the last value is drawn even when logging stops (the
  trailing frame, also for training in a background thread). While the loop keeps logging, its
  own ``poke`` draws each frame and the waker only checks that it did: no thread is started per
  frame and no frame is drawn off the loop's thread fighting it for the GIL.
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
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Callable

from ..core.interrupts import defer_interrupts
from .throttle import Throttle

__all__ = ["DRAWN", "NO_VIEW", "PARTIAL", "DrawWarning", "FrameLoop", "Waker"]

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
        #: True while the waker will look at this loop (see :meth:`wake`)
        self.armed = False
        self._frame_at = float("-inf")  # time.monotonic() of the latest frame
        #: draw only on the waker thread, never inside ``poke`` (measured, see benchmarks/RESULTS.md section 3)
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
        elif not self.armed:
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
            if (self._stopped and threading.current_thread() is not threading.main_thread()) or sys.is_finalizing():
                self._lock.release()  # (finalizing: a widget's __del__ at the very end of the process)
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
                self._frame_at = time.monotonic()
                self.throttle.sent(self._frame_at, time.thread_time() - start)
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
        if not self._stopped:
            self.armed = True
            _WAKER.arm(self, time.monotonic() + delay + self.grace())

    def grace(self) -> float:
        """How long after a frame is due the waker waits for the loop's own ``poke`` to draw it."""
        return min(0.05, self.throttle.interval / 4)

    def wake(self) -> None:
        """The waker's look (on its thread): draw the trailing frame when the loop stopped drawing."""
        self.armed = False
        if self._stopped or not self.dirty:
            return
        now = time.monotonic()
        due = self.throttle.next_at
        # no frame since one was due: the loop stopped logging (or logs from a thread that is not drawing)
        if (self.background or (now >= due and self._frame_at < due)) and self.throttle.due(now):
            self.draw(blocking=False)
        if self.dirty and not self.armed:
            self._schedule(max(self.throttle.wait(time.monotonic()), 0.01))

    def cancel(self) -> None:
        """Disarm the waker (a pending trailing frame is dropped; :meth:`flush` first to keep it)."""
        self.armed = False
        _WAKER.disarm(self)

    def stop(self, timeout: float = 2.0) -> None:
        """No more frames on the timer thread; wait up to ``timeout`` s for one in progress to end."""
        self._stopped = True
        self.cancel()
        if self._lock.acquire(timeout=timeout):
            self._lock.release()


class Waker:
    """One daemon thread for every frame loop of the process: calls ``loop.wake()`` at the times asked.

    A ``threading.Timer`` per trailing frame started an OS thread about four times a second in every
    training loop (and its frame, drawn on that thread while the loop kept logging, made the two threads
    hand the GIL back and forth); this thread sleeps on a condition until the earliest time asked.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._due: dict[FrameLoop, float] = {}
        self._thread: threading.Thread | None = None
        self._closed = False

    def arm(self, loop: FrameLoop, at: float) -> None:
        """Call ``loop.wake()`` at ``at`` (``time.monotonic()``), or earlier if already asked earlier."""
        with self._cond:
            if self._closed:
                return
            old = self._due.get(loop)
            if old is None or at < old:
                self._due[loop] = at
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="lossplot-frames", daemon=True)
                    self._thread.start()
                self._cond.notify()

    def disarm(self, loop: FrameLoop) -> None:
        """Forget ``loop``'s wake-up. Never blocks for long: at the interpreter's final teardown (a widget's
        ``__del__``) a daemon thread frozen while holding the lock must not hang the process."""
        if self._cond.acquire(timeout=0.5):
            try:
                self._due.pop(loop, None)
            finally:
                self._cond.release()

    def close(self, timeout: float = 2.0) -> None:
        """No more wake-ups: the thread ends (at interpreter exit, before daemon threads are frozen)."""
        with self._cond:
            self._closed = True
            self._due.clear()
            self._cond.notify()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._closed:
                        return
                    now = time.monotonic()
                    ready = [loop for loop, at in self._due.items() if at <= now]
                    if ready:
                        for loop in ready:
                            del self._due[loop]
                        break
                    wait = min(self._due.values(), default=now + 60.0) - now
                    self._cond.wait(wait)
            for loop in ready:
                try:
                    loop.wake()
                except Exception:  # pragma: no cover - draw() keeps its own errors; never kill the waker
                    pass


_WAKER = Waker()
_LOOPS: weakref.WeakSet[FrameLoop] = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    # A frame on the daemon timer thread while the interpreter is torn down (torch's or jax's runtime
    # destroyed under a stack or a device read) aborted the process: "terminate called without an
    # active exception". atexit runs before daemon threads are frozen: stop them here. A frame in progress
    # gets up to 10 s (on a busy machine a long device read took more than 2 s and the process still aborted).
    for loop in list(_LOOPS):
        loop.stop(timeout=10.0)
    _WAKER.close()
