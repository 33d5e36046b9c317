"""Training runs: each a named :class:`~lossplot_widget.core.history.History` with a config and a status.

A :class:`RunSet` holds the runs of one widget, in the order they began; a :class:`Run` logs into its
own history (its own steps, epochs and clock: every run starts at step 0 and at time 0). Code that logs
without naming a run writes to the *active* run: the run of the innermost ``with run:`` block of this
thread, else the run last started with :meth:`RunSet.start` and not finished, else an implicit run
(``run-1``, made on first use). A widget with only an implicit run looks like a one-run widget.

Statuses: see :mod:`lossplot_widget.core.run`.

>>> runs = RunSet()
>>> with runs.start("lr=0.1", config={"lr": 0.1}) as r:
...     r.log(loss=1.0); r.log(loss=0.5)
>>> r.status, r.history["loss"].steps.tolist(), list(runs)
('finished', [0, 1], ['lr=0.1'])
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .history import History
from .ranking import Objective
from .run import (
    CRASHED,
    FAILED,
    FINISHED,
    FOLLOWED,
    INTERRUPTED,
    PRUNED,
    RUNNING,
    STATUSES,
    STOPPED,
    Run,
    check_config,
)

__all__ = [
    "CRASHED", "FAILED", "FINISHED", "FOLLOWED", "INTERRUPTED", "PRUNED", "RUNNING", "STATUSES", "STOPPED", "Run",
    "RunSet", "RunsView",
]


def _nothing() -> None:
    return None


def _nothing_to_restore(run: Run) -> None:
    return None


class _ThreadRuns(threading.local):
    """Per thread: the runs of the ``with run:`` blocks open on it, innermost last."""

    def __init__(self) -> None:
        self.stack: list[Run] = []


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
        self._started: Run | None = None  # started with start() (plain call or ``with``), not finished yet
        self._implicit: Run | None = None  # of log() calls made outside any run (made on first use)
        self._latest: Run | None = None  # started most recently (what ``history`` shows when none is active)
        self._colors = 0
        self.structure = 0  # bumps when runs come, go or change status
        #: names a fresh ``run-N`` never takes (the runs of a run store)
        self.reserved: set[str] = set()
        #: ``restore(run)``: called before a run takes points again (a store loads the points it holds)
        self.restore: Callable[[Run], object] = _nothing_to_restore
        #: what the runs are judged by (a sweep's metric and direction): the run table's order, the best runs'
        #: colours; ``None``: not named (colours cycle, the table keeps the order runs began)
        self.objective: Objective | None = None

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
            implicit = self._implicit
            return [r for r in self._runs.values() if r is not implicit or len(r.history)]

    def describe(self) -> str:
        """A short description for ``repr``: the runs' names, else the points per metric of the one run."""
        runs = self.snapshot()
        if len(runs) > 1:
            return f"{len(runs)} runs: {', '.join(repr(r.name) for r in runs)}"
        parts = [f"{name}: {n} points" for r in runs for name, n in r.history.counts().items()]
        return ", ".join(parts) or "empty"

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
        return self._started or self._implicit or self.implicit()

    def shown(self, create: bool = True) -> Run | None:
        """The active run if one was started, else the latest run (what ``history`` reads); with
        ``create=False``, ``None`` instead of making the implicit run."""
        stack = self._local.stack
        if stack:
            return stack[-1]
        run = self._started or self._implicit or self._latest
        return run if run is not None or not create else self.active()

    def controlled(self) -> Run | None:
        """The run Stop and Pause reach now: the shown one (see :meth:`shown`) while it runs, else the running run
        that began last (a followed sweep's trial), else the shown one; ``None`` before any run."""
        with self.lock:
            shown = self.shown(create=False)
            if shown is not None and shown.status == RUNNING:
                return shown
            running = [r for r in self._runs.values() if r.status == RUNNING]
            return max(running, key=lambda r: r.started) if running else shown

    def implicit(self, name: str | None = None) -> Run:
        """The implicit run, made now if there is none."""
        with self.lock:
            if self._implicit is None:
                self._implicit = self._add(name or self.fresh_name(), None, named=False)
            return self._implicit

    def fresh_name(self) -> str:
        """The first unused name ``run-1``, ``run-2``, ..."""
        with self.lock:
            k = len(self._runs) + 1
            while f"run-{k}" in self._runs or f"run-{k}" in self.reserved:
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
            continued = run is not None
            if run is None:
                run = self._add(name or self.fresh_name(), config, named=name is not None)
            else:
                run.config.update(check_config(config))
            self._started = self._latest = run
        if continued:  # outside the lock: reopening may load a stored run's points (the store's lock, then ours)
            run.reopen()
        self.changed()
        return run

    def adopt(self, name: str, status: str = RUNNING, named: bool = True, latest: bool = True) -> Run:
        """Run ``name``, made if missing, without making it current (followed logs, loaded files); with
        ``latest=False`` it is not what :meth:`shown` falls back to (a past run listed from a store)."""
        with self.lock:
            run = self._runs.get(name)
            if run is None:
                run = self._add(name, None, named=named)
                run.status = status
                if latest:
                    self._latest = self._latest or run
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
            for attr in ("_started", "_implicit", "_latest"):
                if getattr(self, attr) is run:
                    setattr(self, attr, None)
            if self._latest is None and self._runs:
                self._latest = list(self._runs.values())[-1]
        self.changed()
        return run

    def clear(self) -> None:
        """Forget every run (colours start over)."""
        with self.lock:
            self._runs.clear()
            self._started = self._implicit = self._latest = None
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
            if self._started is run:
                self._started = None
        self.changed()

    def changed(self) -> None:
        self.structure += 1
        self._changed()

    def reopening(self, run: Run) -> None:
        self.restore(run)

    # ------------------------------------------------------------------ ends from outside
    def scope_ended(self, error: BaseException | None, stopped: bool) -> None:
        """The Stop/Pause scope ended (a cell, a ``with w:`` block): the implicit run ends with it,
        ``failed``/``interrupted`` by ``error``, else ``stopped`` or ``finished``."""
        implicit = self._implicit
        if implicit is None or implicit.status != RUNNING:
            return
        if error is not None:
            implicit.fail(error)
        else:
            implicit.finish(STOPPED if stopped else FINISHED)

    def cell_failed(self, error: BaseException) -> None:
        """A cell ended with ``error``: main-thread runs it left running fail (e.g. a Keras ``fit`` that raised)."""
        main = threading.main_thread()
        for run in self.snapshot():
            if run.status == RUNNING and run.thread is main and run.source is None:  # not a run read from elsewhere
                run.fail(error)


class RunsView(Mapping[str, Run]):
    """A read-only view ``name -> Run`` of a :class:`RunSet` (``LiveLossWidget.runs``), in the order runs began.

    It changes as runs come and go; runs are started, cleared and removed through the widget's verbs
    (``run()``, ``clear()``, ``remove_run()``, ``set_run_visible()``).

    >>> runs = RunSet(); _ = runs.start("a"); view = RunsView(runs)
    >>> list(view), view["a"].status, hasattr(view, "clear")
    (['a'], 'running', False)
    """

    __slots__ = ("_set",)

    def __init__(self, runs: RunSet) -> None:
        self._set = runs

    def __getitem__(self, name: str) -> Run:
        return self._set[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._set)

    def __len__(self) -> int:
        return len(self._set)

    def __repr__(self) -> str:
        return f"RunsView({dict(self)!r})"
