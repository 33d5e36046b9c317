"""Training runs: each a named :class:`~lossplot_widget.core.history.History` with a config and a status.

A :class:`RunSet` holds the runs of one widget, in the order they began; a :class:`Run` logs into its
own history (its own steps, epochs and clock: every run starts at step 0 and at time 0). Code that logs
without naming a run writes to the *active* run: the run of the innermost ``with run:`` block of this
thread, else the run last started with :meth:`RunSet.start` and not finished, else an implicit run
(``run-1``, made on first use). A widget with only an implicit run looks like a one-run widget.

Statuses: ``running``, ``finished``, ``stopped`` (the Stop button ended it), ``failed`` (an exception;
:attr:`Run.error` names it), ``interrupted`` (``KeyboardInterrupt``) and ``followed`` (read from a log
directory written elsewhere: whether its writer still runs is not known).

>>> runs = RunSet()
>>> with runs.start("lr=0.1", config={"lr": 0.1}) as r:
...     r.log(loss=1.0); r.log(loss=0.5)
>>> r.status, r.history["loss"].steps.tolist(), list(runs)
('finished', [0, 1], ['lr=0.1'])
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import Any

from .history import History
from .values import coerce_epoch, coerce_step, merge_metrics

__all__ = ["FAILED", "FINISHED", "FOLLOWED", "INTERRUPTED", "RUNNING", "STATUSES", "STOPPED", "Run", "RunSet"]

RUNNING, FINISHED, STOPPED, FAILED, INTERRUPTED, FOLLOWED = (
    "running", "finished", "stopped", "failed", "interrupted", "followed",
)
STATUSES = (RUNNING, FINISHED, STOPPED, FAILED, INTERRUPTED, FOLLOWED)


def _nothing() -> None:
    return None


class _ThreadRuns(threading.local):
    """Per thread: the runs of the ``with run:`` blocks open on it, innermost last."""

    def __init__(self) -> None:
        self.stack: list[Run] = []


class Run:
    """One training run: its history, config, status and start/end wall-clock times.

    Made by :meth:`RunSet.start` (``LiveLossWidget.run(...)``); a context manager whose exit sets the
    status (``finished``, ``stopped`` after a Stop click, ``failed`` or ``interrupted``).
    """

    def __init__(
        self, name: str, config: Mapping[str, Any] | None, *, index: int, named: bool, owner: RunSet,
    ) -> None:
        #: the run's name (unique in its :class:`RunSet`)
        self.name = name
        #: hyper-parameters and other facts about the run (shown in the run table, exported)
        self.config: dict[str, Any] = _check_config(config)
        #: every point of this run
        self.history = History()
        #: the run's colour (its position in the order runs began)
        self.index = index
        #: False for a name made up by the widget (``run-1``, ...)
        self.named = named
        self.status = RUNNING
        #: ``"ValueError: ..."`` for a failed run
        self.error: str | None = None
        self.started = time.time()
        self.ended: float | None = None
        #: the thread that started (or last continued) the run
        self.thread = threading.current_thread()
        self._owner = owner

    # ------------------------------------------------------------------ logging
    def log(
        self, values: Mapping[str, object] | None = None, /, *, step: int | None = None, epoch: float | None = None,
        **metrics: object,
    ) -> None:
        """Record one value per metric in this run (see ``LiveLossWidget.log``)."""
        self.record(values, metrics, step, epoch)
        self._owner.after_log()

    def log_epoch(self, values: Mapping[str, object] | None = None, /, **metrics: object) -> None:
        """Record end-of-epoch metrics at this run's current step, then start its next epoch."""
        self.record_epoch(values, metrics)
        self._owner.after_log()

    def record(
        self, values: Mapping[str, object] | None, metrics: dict[str, object], step: int | None, epoch: float | None
    ) -> int:
        """Validate and append one call's values (no drawing); return the step used."""
        clean = merge_metrics(values, metrics)
        if step is not None:
            step = coerce_step(step)
        if epoch is not None:
            epoch = coerce_epoch(epoch)
        if self.status != RUNNING and self.status != FOLLOWED:
            self.reopen()
        return self.history.append(clean, step, epoch)

    def record_epoch(self, values: Mapping[str, object] | None, metrics: dict[str, object]) -> None:
        h = self.history
        with h.lock:
            self.record(values, metrics, h.last_step if h.last_step is not None else 0, h.epoch)
            h.advance_epoch()

    # ------------------------------------------------------------------ lifecycle
    def reopen(self) -> None:
        """Mark the run running again (logging into an ended run, or continuing it by name)."""
        self.status, self.error, self.ended = RUNNING, None, None
        self.thread = threading.current_thread()
        self._owner.changed()

    def finish(self, status: str | None = None, error: str | None = None) -> None:
        """End the run: ``status`` defaults to ``stopped`` when Stop was clicked, else ``finished``.

        >>> r = RunSet().start("a"); r.finish(); r.status
        'finished'
        """
        if status is None:
            status = STOPPED if self._owner.stop_requested() else FINISHED
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        self.status, self.error, self.ended = status, error, time.time()
        self._owner.ended(self)

    def fail(self, exc: BaseException) -> None:
        """End the run because of ``exc`` (``interrupted`` for ``KeyboardInterrupt``, else ``failed``)."""
        if isinstance(exc, KeyboardInterrupt):
            self.finish(INTERRUPTED, "KeyboardInterrupt")
        else:
            self.finish(FAILED, f"{type(exc).__name__}: {exc}"[:200])

    def __enter__(self) -> Run:
        self._owner.push(self)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._owner.pop(self)
        if self.status != RUNNING:
            return  # finished inside the block (e.g. ``finish("stopped")``): keep that status
        if exc is None:
            self.finish()
        else:
            self.fail(exc)

    def __repr__(self) -> str:
        points = sum(self.history.counts().values())
        return f"Run({self.name!r}, status={self.status!r}, points={points}, config={self.config!r})"


class RunSet(Mapping[str, Run]):
    """The runs of one widget (a read-only mapping ``name -> Run`` in the order they began).

    Parameters
    ----------
    after_log : callable
        Called after every :meth:`Run.log` (the widget draws when a frame is due, and pauses).
    changed : callable
        Called when runs come, go or change status (the widget redraws).
    stop_requested : callable
        Whether Stop was clicked in the active control run (a run ending then is ``stopped``).
    """

    def __init__(
        self, after_log: Callable[[], None] = _nothing, changed: Callable[[], None] = _nothing,
        stop_requested: Callable[[], bool] = lambda: False,
    ) -> None:
        self.lock = threading.RLock()
        self.after_log = after_log
        self._changed = changed
        self.stop_requested = stop_requested
        self._runs: dict[str, Run] = {}
        self._local = _ThreadRuns()
        #: the run last started with :meth:`start` (plain call or ``with``) and not finished yet
        self.current: Run | None = None
        #: the implicit run of ``log()`` calls made outside any run (made on first use)
        self.default: Run | None = None
        #: the run started most recently (what ``LiveLossWidget.history`` shows when none is active)
        self.latest: Run | None = None
        self._colors = 0
        self.structure = 0  # bumps when runs come, go or change status

    @classmethod
    def of(cls, history: History, name: str = "run-1") -> RunSet:
        """A set holding one implicit run whose history is ``history`` (frames of a bare History)."""
        runs = cls()
        run = runs.implicit(name)
        run.history = history
        return runs

    # ------------------------------------------------------------------ Mapping
    def __getitem__(self, name: str) -> Run:
        return self._runs[name]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._runs))

    def __len__(self) -> int:
        return len(self._runs)

    def snapshot(self) -> list[Run]:
        """The runs now, in the order they began (the implicit run once it has points)."""
        with self.lock:
            default = self.default
            return [r for r in self._runs.values() if r is not default or len(r.history)]

    @property
    def version(self) -> int:
        """Changes when any run logs, or runs change (a frame is needed)."""
        return self.structure + sum(r.history.version for r in list(self._runs.values()))

    @property
    def comparing(self) -> bool:
        """True when the runs are worth naming: several runs, or one with a given name or a config."""
        runs = self.snapshot()
        return len(runs) > 1 or any(r.named or r.config for r in runs)

    # ------------------------------------------------------------------ which run
    def active(self) -> Run:
        """The run a ``log()`` call without a run writes to (see the module docstring)."""
        stack = self._local.stack
        if stack:
            return stack[-1]
        return self.current or self.default or self.implicit()

    def shown(self, create: bool = True) -> Run | None:
        """The active run if one was started, else the latest run (what ``history`` reads); with
        ``create=False``, ``None`` instead of making the implicit run."""
        stack = self._local.stack
        if stack:
            return stack[-1]
        run = self.current or self.default or self.latest
        return run if run is not None or not create else self.active()

    def implicit(self, name: str | None = None) -> Run:
        """The implicit run, made now if there is none."""
        with self.lock:
            if self.default is None:
                self.default = self._add(name or self.fresh_name(), None, named=False)
            return self.default

    def fresh_name(self) -> str:
        """The first unused name ``run-1``, ``run-2``, ..."""
        with self.lock:
            k = len(self._runs) + 1
            while f"run-{k}" in self._runs:
                k += 1
            return f"run-{k}"

    # ------------------------------------------------------------------ starting and ending
    def start(self, name: str | None = None, config: Mapping[str, Any] | None = None) -> Run:
        """Start run ``name`` (default: a fresh ``run-N``), or continue it if it exists; it becomes current.

        Continuing keeps its steps (a resumed run carries on after its last step); ``config``
        entries are added to its config.
        """
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise ValueError(f"a run name must be a non-empty string, got {name!r}")
        with self.lock:
            run = self._runs.get(name) if name is not None else None
            if run is None:
                run = self._add(name or self.fresh_name(), config, named=name is not None)
            else:
                run.config.update(_check_config(config))
                run.reopen()
            self.current = self.latest = run
        self.changed()
        return run

    def adopt(self, name: str, status: str = RUNNING, named: bool = True) -> Run:
        """Run ``name``, made if missing, without making it current (followed logs, loaded files)."""
        with self.lock:
            run = self._runs.get(name)
            if run is None:
                run = self._add(name, None, named=named)
                run.status = status
                self.latest = self.latest or run
        return run

    def _add(self, name: str, config: Mapping[str, Any] | None, *, named: bool) -> Run:
        run = Run(name, config, index=self._colors, named=named, owner=self)
        self._colors += 1
        self._runs[name] = run
        self.structure += 1
        return run

    def remove(self, name: str) -> Run:
        """Forget run ``name`` and its points (a deliberate delete, e.g. a Clear button)."""
        with self.lock:
            run = self._runs.pop(name)
            for attr in ("current", "default", "latest"):
                if getattr(self, attr) is run:
                    setattr(self, attr, None)
            if self.latest is None and self._runs:
                self.latest = list(self._runs.values())[-1]
        self.changed()
        return run

    def clear(self) -> None:
        """Forget every run (colours start over)."""
        with self.lock:
            self._runs.clear()
            self.current = self.default = self.latest = None
            self._colors = 0
        self.changed()

    def push(self, run: Run) -> None:
        """``with run:`` began on this thread: ``log()`` calls of this thread write to ``run``."""
        self._local.stack.append(run)

    def pop(self, run: Run) -> None:
        stack = self._local.stack
        if stack and stack[-1] is run:
            stack.pop()

    def ended(self, run: Run) -> None:
        with self.lock:
            if self.current is run:
                self.current = None
        self.changed()

    def changed(self) -> None:
        self.structure += 1
        self._changed()


def _check_config(config: Mapping[str, Any] | None) -> dict[str, Any]:
    if config is None:
        return {}
    if not isinstance(config, Mapping):
        raise TypeError(f"config must be a dict, got {type(config).__name__}")
    for key in config:
        if not isinstance(key, str) or not key:
            raise TypeError(f"config keys must be non-empty strings, got {key!r}")
    return dict(config)
