"""Evaluate slices within a time budget, between training steps or on a background thread.

A :class:`~lossplot_widget.landscape.slices.Job` is evaluated chunk by chunk (each chunk ~20 ms,
see :class:`~lossplot_widget.landscape.evaluate.LossSurface`). The budget is
:class:`~lossplot_widget.render.throttle.Throttle`'s bucket: evaluation may take ``budget`` (default
5%) of wall time, plus a ``burst`` of 0.5 s (a first slice of the MNIST MLP, 0.33 s, comes at once);
after a chunk that cost ``c`` seconds the next waits until the bucket is paid back.

Where the chunks run:

``"steps"`` (the default)
    In the training thread, inside :meth:`SliceWorker.poll` (``LandscapeWidget.track`` calls it):
    at most one chunk per call, only when the budget allows. Training pauses for that chunk and for
    nothing else, so the slowdown is the evaluation time itself, at most ``budget`` of the run.
``"thread"``
    On a daemon thread, in parallel with training. That helps where the training thread waits on
    something else (a GPU); on a CPU-bound loop the two threads compete for cores, the GIL and
    torch's thread pool, and the measured slowdown was larger than the evaluation time (see
    ``benchmarks/RESULTS_landscape.md``).

Either way one job runs at a time; a job submitted meanwhile waits, and a newer one replaces it (the
slice drawn is always the newest asked for). :meth:`SliceWorker.run_now` evaluates a job at once,
unthrottled, in the caller's thread (after the current job, which then runs without resting).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Generator

import numpy as np

from ..render.throttle import Throttle
from .evaluate import LossSurface
from .slices import Job, Slice

__all__ = ["MODES", "SliceWorker", "evaluate_job", "iterate_job"]

MODES = ("steps", "thread")
Progress = Callable[[Job, float], None]


def iterate_job(surface: LossSurface, job: Job, progress: Progress | None = None) -> Generator[float, None, Slice]:
    """Evaluate ``job`` chunk by chunk, yielding each chunk's cost in seconds; returns its :class:`Slice`."""
    whiches = ("train", "val") if job.kind == "1d" and "val" in surface.batches else ("train",)
    total = len(job.points) * len(whiches)
    done, spent = 0, 0.0
    results = {}
    for which in whiches:
        out = np.empty(len(job.points))
        t0 = time.perf_counter()
        for start, part in surface.chunks(job.points, job.center, job.directions, job.buffers, which):
            out[start:start + len(part)] = part
            cost = time.perf_counter() - t0
            spent += cost
            done += len(part)
            if progress is not None:
                progress(job, done / total)
            yield cost
            t0 = time.perf_counter()
        results[which] = out
    t0 = time.perf_counter()
    center = job.center if job.kind != "1d" else {k: v + job.directions[0][k] for k, v in job.center.items()}
    center_loss = surface.loss(center, job.buffers)
    spent += time.perf_counter() - t0
    return job.finish(results["train"], center_loss, spent, results.get("val"))


def evaluate_job(surface: LossSurface, job: Job, progress: Progress | None = None) -> Slice:
    """All of ``job`` at once."""
    it = iterate_job(surface, job, progress)
    while True:
        try:
            next(it)
        except StopIteration as stop:
            return stop.value


class SliceWorker:
    """Runs jobs within the budget, ``mode="steps"`` (see :meth:`poll`) or ``"thread"``.

    Parameters
    ----------
    surface : LossSurface
    on_done : callable
        ``on_done(slice)`` when a slice is ready (in the thread that finished it).
    on_progress : callable, optional
        ``on_progress(job, fraction)`` after each chunk.
    budget, burst : float
        Share of wall time evaluation may take, and the seconds it may take at once.
    on_error : callable, optional
        ``on_error(exception)`` when a job raised (also printed to stderr; later jobs still run).
    mode : {"steps", "thread"}
    """

    def __init__(self, surface: LossSurface, on_done: Callable[[Slice], None], on_progress: Progress | None = None,
                 budget: float = 0.05, burst: float = 0.5,
                 on_error: Callable[[BaseException], None] | None = None, mode: str = "steps") -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.surface = surface
        self.mode = mode
        self.throttle = Throttle(interval=0.0, budget=budget, burst=burst)
        self.on_done, self.on_progress, self.on_error = on_done, on_progress, on_error
        self.error: BaseException | None = None
        self.slices = 0
        self._pending: Job | None = None
        self._current: Generator[float, None, Slice] | None = None
        self._running = False
        self._closed = False
        self._hurry = False  # run_now() waits: finish the current job without resting
        self._cond = threading.Condition()
        self._eval_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        with self._cond:
            return self._running or self._pending is not None or self._current is not None

    def submit(self, job: Job) -> None:
        """Evaluate ``job`` within the budget (replacing a job still waiting)."""
        with self._cond:
            if self._closed:
                return
            self._pending = job
            if self.mode == "thread" and self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="lossplot-landscape", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def charge(self, cost: float) -> None:
        """Count ``cost`` seconds of related work (snapshots, planning) against the budget."""
        self.throttle.sent(time.perf_counter(), cost)

    def poll(self) -> None:
        """``mode="steps"``: run the next chunk here if the budget allows (call it between training steps)."""
        if self.mode != "steps" or self._closed:
            return
        now = time.perf_counter()
        if not self.throttle.due(now):
            return
        if self._current is None:
            if self._pending is None:
                return
            self._current, self._pending = iterate_job(self.surface, self._pending, self.on_progress), None
        self._advance(self._current, now)

    def _advance(self, it: Generator[float, None, Slice], now: float) -> None:
        try:
            with self._eval_lock:
                cost = next(it)
            self.throttle.sent(now, cost)
        except StopIteration as stop:
            self._current = None
            self._finished(stop.value)
        except Exception as exc:
            self._current = None
            self._failed(exc)

    def _finished(self, result: Slice) -> None:
        self.slices += 1
        self.error = None
        self.on_done(result)

    def _failed(self, exc: Exception) -> None:
        self.error = exc
        print(f"lossplot_widget: landscape slice failed: {exc!r}", file=sys.stderr)
        if self.on_error is not None:
            self.on_error(exc)

    def run_now(self, job: Job) -> Slice:
        """Evaluate ``job`` in this thread, unthrottled (a job under way finishes first, unthrottled too)."""
        with self._cond:
            self._pending, self._hurry = None, True
            self._cond.notify_all()
        try:
            if self._current is not None:  # "steps": the rest of the job under way
                while self._current is not None:
                    self._advance(self._current, time.perf_counter())
            with self._eval_lock:
                result = evaluate_job(self.surface, job, self.on_progress)
        finally:
            self._hurry = False
        self.slices += 1
        return result

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no job runs or waits (``"steps"``: finish them here, unthrottled); False on timeout."""
        if self.mode == "steps":
            deadline = None if timeout is None else time.perf_counter() + timeout
            while self._current is not None or self._pending is not None:
                if deadline is not None and time.perf_counter() > deadline:
                    return False
                if self._current is None and self._pending is not None:
                    self._current, self._pending = iterate_job(self.surface, self._pending, self.on_progress), None
                if self._current is not None:
                    self._advance(self._current, time.perf_counter())
            return True
        with self._cond:
            return self._cond.wait_for(lambda: not (self._running or self._pending), timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Drop waiting work and stop the thread (after its current chunk)."""
        with self._cond:
            self._closed, self._pending, self._current = True, None, None
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _rest(self, cost: float) -> None:
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
                    it = iterate_job(self.surface, job, self.on_progress)
                    while True:
                        try:
                            cost = next(it)
                        except StopIteration as stop:
                            result = stop.value
                            break
                        self._rest(cost)
                        if self._closed:
                            return
                self._finished(result)
            except Exception as exc:  # shown by the widget; the thread lives on for the next job
                self._failed(exc)
            finally:
                with self._cond:
                    self._running = False
                    self._cond.notify_all()
