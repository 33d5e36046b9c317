"""Evaluate slices on a background thread within a time budget, so training is not slowed.

One thread evaluates one :class:`~lossplot_widget.landscape.slices.Job` at a time, chunk by chunk.
The budget is :class:`~lossplot_widget.render.throttle.Throttle`'s bucket: evaluation may take
``budget`` (default 5%) of wall time, plus a ``burst`` (the first slice comes at once); after a chunk
that costs ``c`` seconds the thread rests until the bucket is paid back. A job submitted while one
runs waits, and a newer one replaces it (the slice drawn is always the newest one asked for).
:meth:`SliceWorker.run_now` evaluates a job at once in the caller's thread, unthrottled, once the
thread is between jobs (the evaluation model is not shared between threads).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

import numpy as np

from ..render.throttle import Throttle
from .evaluate import LossSurface
from .slices import Job, Slice

__all__ = ["SliceWorker", "evaluate_job"]

Progress = Callable[[Job, float], None]


def evaluate_job(surface: LossSurface, job: Job, progress: Progress | None = None,
                 pause: Callable[[float], None] | None = None) -> Slice:
    """All the losses of ``job`` (and the 1-D view's validation line), then its :class:`Slice`.

    ``pause(cost)`` runs after each chunk that took ``cost`` seconds (the worker's budget).
    """
    total = len(job.points) * (2 if job.kind == "1d" and "val" in surface.batches else 1)
    done, spent = 0, 0.0
    results = {}
    for which in (("train", "val") if total > len(job.points) else ("train",)):
        out = np.empty(len(job.points))
        t0 = time.perf_counter()
        for start, part in surface.chunks(job.points, job.center, job.directions, job.buffers, which):
            out[start:start + len(part)] = part
            cost = time.perf_counter() - t0
            spent += cost
            done += len(part)
            if progress is not None:
                progress(job, done / total)
            if pause is not None:
                pause(cost)
            t0 = time.perf_counter()
        results[which] = out
    t0 = time.perf_counter()
    center = job.center if job.kind != "1d" else {k: v + job.directions[0][k] for k, v in job.center.items()}
    center_loss = surface.loss(center, job.buffers)
    spent += time.perf_counter() - t0
    return job.finish(results["train"], center_loss, spent, results.get("val"))


class SliceWorker:
    """The background thread (started on the first job; a daemon, so it never holds the kernel).

    Parameters
    ----------
    surface : LossSurface
    on_done : callable
        ``on_done(slice)`` on the worker thread when a slice is ready.
    on_progress : callable, optional
        ``on_progress(job, fraction)`` after each chunk.
    on_error : callable, optional
        ``on_error(exception)`` when a job raised (also printed to stderr; the thread goes on).
    budget, burst : float
        Share of wall time evaluation may take, and the seconds it may take at once.
    """

    def __init__(self, surface: LossSurface, on_done: Callable[[Slice], None], on_progress: Progress | None = None,
                 budget: float = 0.05, burst: float = 1.0,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        self.surface = surface
        self.throttle = Throttle(interval=0.0, budget=budget, burst=burst)
        self.on_done, self.on_progress, self.on_error = on_done, on_progress, on_error
        self.error: BaseException | None = None
        self.slices = 0
        self._pending: Job | None = None
        self._running = False
        self._closed = False
        self._hurry = False  # run_now() waits: finish the current job without resting
        self._cond = threading.Condition()
        self._eval_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        with self._cond:
            return self._running or self._pending is not None

    def submit(self, job: Job) -> None:
        """Evaluate ``job`` on the thread, within the budget (replacing a job still waiting)."""
        with self._cond:
            if self._closed:
                return
            self._pending = job
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="lossplot-landscape", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def run_now(self, job: Job) -> Slice:
        """Evaluate ``job`` in this thread, unthrottled (after the thread's current chunk of work)."""
        with self._cond:
            self._pending, self._hurry = None, True
            self._cond.notify_all()
        try:
            with self._eval_lock:
                result = evaluate_job(self.surface, job, self.on_progress)
        finally:
            self._hurry = False
        self.slices += 1
        return result

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no job runs or waits; False if ``timeout`` passed first."""
        with self._cond:
            return self._cond.wait_for(lambda: not (self._running or self._pending), timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Stop the thread (after its current chunk) and wait for it to end."""
        with self._cond:
            self._closed, self._pending = True, None
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _pause(self, cost: float) -> None:
        now = time.perf_counter()
        self.throttle.sent(now, cost)
        delay = self.throttle.wait(now)
        if delay > 0 and not self._hurry:
            with self._cond:  # woken early by close() and run_now()
                self._cond.wait_for(lambda: self._closed or self._hurry, delay)

    def _loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending is not None or self._closed)
                if self._closed:
                    return
                job, self._pending, self._running = self._pending, None, True
            assert job is not None
            try:
                with self._eval_lock:
                    result = evaluate_job(self.surface, job, self.on_progress, self._pause)
                self.slices += 1
                self.error = None
                self.on_done(result)
            except Exception as exc:  # shown by the widget; the thread lives on for the next job
                self.error = exc
                print(f"lossplot_widget: landscape slice failed: {exc!r}", file=sys.stderr)
                if self.on_error is not None:
                    self.on_error(exc)
            finally:
                with self._cond:
                    self._running = False
                    self._cond.notify_all()
