"""A :class:`~lossplot_widget.core.runset.RunSet` kept in a :class:`~lossplot_widget.store.db.RunStore`.

- **Writing**: :meth:`StoreSync.flush` appends every point logged since the last flush, one chunk per series, and
  updates each run's row (status, config, summary), in one transaction. The widget calls it at most every
  ``interval`` seconds from ``log()``, with a trailing write on the frame waker's thread when logging stops
  (:class:`~lossplot_widget.render.schedule.FrameLoop`), at the end of a cell, at ``close()`` and at exit.
- **Past runs**: :meth:`StoreSync.list_past` adds the project's latest runs written by other processes (earlier
  sessions, other kernels, scripts) to the run set, without their points (their statistics come from the store's
  summary), each named with its start: ``"lr=0.1 (12-06 14:02)"``. A new run of the same name is a new run;
  logging into the listed one continues it. :meth:`StoreSync.load` reads a run's points when it is shown or
  continued.
- **Failures**: a locked store is tried again at the next write (points wait in memory); a corrupt, full,
  read-only or unopenable store gives one :class:`StoreWarning` and a note, and the run set goes on in memory.
  Nothing already logged is lost either way.

>>> import os, tempfile
>>> from lossplot_widget.core.runset import RunSet
>>> path = os.path.join(tempfile.mkdtemp(), "runs.sqlite")
>>> runs = RunSet(); sync = StoreSync(RunStore(path), runs, project="demo")
>>> with runs.start("a", config={"lr": 0.1}) as r:
...     r.log(loss=1.0); r.log(loss=0.5)
>>> sync.flush()
2
>>> later = RunSet(); past = StoreSync(RunStore(path), later, project="demo").list_past(others_only=False)
>>> [(r.name.split(" (")[0], r.status, r.config, r.saved_stats["loss"].min) for r in past]
[('a', 'finished', {'lr': 0.1}, 0.5)]
"""

from __future__ import annotations

import atexit
import math
import os
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.run import FAILED, FINISHED, FOLLOWED, RUNNING, Run
from ..core.runset import RunSet
from ..core.series import Stats
from ..render.schedule import DRAWN, FrameLoop
from .codec import encode, epochs_between
from .db import Columns, RunRow, RunStore, StoredRun, StoreError, summary_of
from .location import default_project, store_path

__all__ = ["PAST_RUNS", "WRITE_EVERY", "StoreSync", "StoreWarning", "open_sync", "write_loop"]

#: seconds between two writes while a loop logs (the points a killed process can lose)
WRITE_EVERY = 0.5
#: :attr:`Run.source` of a run listed from the store (seen, not logged here: never written from here)
PAST = "past"

#: stored runs of the project a new widget lists (the most recently started); older ones: ``set_run_visible``
PAST_RUNS = 20


class StoreWarning(UserWarning):
    """The run store could not be used (the message says why); training goes on in memory."""


def _nothing(text: str) -> None:
    return None


class StoreSync:
    """Keeps the runs of ``runs`` in ``store``; ``project`` groups the runs a new widget lists.

    ``note(text)`` shows a message to the user (the widget's notes above the plot).
    """

    def __init__(self, store: RunStore, runs: RunSet, *, project: str, note: Callable[[str], None] = _nothing) -> None:
        self.store = store
        self.runs = runs
        self.project = project
        self._note = note
        self._ids: dict[Run, int] = {}
        self._written: dict[tuple[Run, str], int] = {}  # points of (run, metric) in the store
        self._facts: dict[Run, tuple[Any, ...]] = {}  # the row last written
        self._summaries: dict[Run, dict[str, list[float]]] = {}
        #: stored runs in the run set whose points are not loaded yet
        self.past: dict[str, StoredRun] = {}
        #: stored runs whose points were read to be seen (ticked), not continued: never written from here
        self.viewed: dict[str, StoredRun] = {}
        #: why the store was given up (``None`` while it works)
        self.broken: StoreError | None = None
        self._locked_warned = False
        self._flushing = threading.Lock()
        #: batches written, points written, and the CPU seconds writing took (the store's whole cost to the loop)
        self.writes = 0
        self.points = 0
        self.seconds = 0.0
        _SYNCS.add(self)

    # --------------------------------------------------------------- past runs
    def list_past(self, limit: int = PAST_RUNS, *, others_only: bool = True) -> list[Run]:
        """Add the project's ``limit`` latest stored runs (``others_only``: written by other processes) to the run
        set, without their points, named ``"<name> (<month-day hour:minute>)"``; return them."""
        try:
            stored = self.store.runs(self.project, limit, others_only=others_only)
        except StoreError as exc:
            self._fail(exc)
            return []
        known = set(self._ids.values()) | {s.id for s in [*self.past.values(), *self.viewed.values()]}
        return [self._adopt(s, _key(s, self.runs)) for s in reversed(stored) if s.id not in known]

    def resume(self, name: str) -> Run | None:
        """The newest stored run named ``name``, added under that name without its points (a script resuming a
        job continues it); ``None`` when the store has none or the run set has that name already."""
        if name in self.runs:
            return None
        try:
            stored = self.store.latest(name, self.project)
        except StoreError as exc:
            self._fail(exc)
            return None
        return None if stored is None else self._adopt(stored, name)

    def _adopt(self, s: StoredRun, key: str) -> Run:
        run = self.runs.adopt(key, status=s.status, latest=False)
        run.source = PAST  # not written from here unless continued (see load)
        run.config.update(s.config)
        run.error, run.started, run.ended = s.error, s.started, s.ended
        run.score, run.scored = s.score, s.scored  # a past sweep ranks as its engine judged it
        run.saved_stats = {name: _stats(row) for name, row in s.summary.items()}
        self.past[key] = s
        return run

    def load(self, run: Run, continuing: bool = False) -> bool:
        """Read the points of past run ``run`` into its history (exact; its clock is the stored one); with
        ``continuing``, this process writes the run from now on (its row is taken over). ``False`` when they
        could not be read (a warning says why; the run stays listed)."""
        if run.source != PAST:  # a run logged here (every reopen comes here): nothing to read, no lock taken
            return True
        with self._flushing:  # a write on the waker's thread never sees a half-loaded run
            stored = self.past.get(run.name)
            if stored is not None:
                try:
                    columns = self.store.read(stored.id)
                except StoreError as exc:
                    self._fail(exc)
                    return False
                self._fill(run, stored, columns)
                del self.past[run.name]
                self.viewed[run.name] = stored
            stored = self.viewed.get(run.name) if continuing else None
            if stored is None:
                return True
            try:
                self.store.take_over(stored.id)
            except StoreError as exc:
                self._fail(exc)
                return False
            del self.viewed[run.name]
            run.source = None  # logged here from now on: written
            self._ids[run] = stored.id
            self._facts[run] = ()  # its row is written at the next flush (status running, this process)
        last = run.history.last_step
        self._note(f"run {run.name!r} continues from the run store ({stored.points} points"
                   f"{'' if last is None else f', from step {last + 1}'})")
        return True

    def _fill(self, run: Run, stored: StoredRun, columns: dict[str, Columns]) -> None:
        h = run.history
        with h.lock:
            if stored.t0 is not None:
                h.continue_clock(0.0, at=stored.t0)
            for name, (steps, epochs, times, values) in columns.items():
                h.load(name, steps, epochs, times, values)
                self._written[(run, name)] = len(values)
            self._summaries[run] = dict(stored.summary)
        run.saved_stats = None

    def shows(self, path: str, run_id: int) -> bool:
        """Whether row ``run_id`` of the store file ``path`` is one this sync writes or listed."""
        try:
            same = os.path.samefile(path, self.store.path)
        except OSError:
            return False
        ids = {*self._ids.values(), *(s.id for s in [*self.past.values(), *self.viewed.values()])}
        return same and run_id in ids

    def delete(self, run: Run) -> bool:
        """Remove ``run`` from the store (``False`` when it is not stored); it is not written again."""
        with self._flushing:
            stored = self.past.pop(run.name, None) or self.viewed.pop(run.name, None)
            rid = stored.id if stored is not None else self._ids.get(run)
            for key in [k for k in self._written if k[0] is run]:
                del self._written[key]
            self._facts.pop(run, None)
            self._summaries.pop(run, None)
            self._ids[run] = -1  # never written again (the widget forgets it too)
        if rid is None or rid < 0:
            return False
        try:
            return self.store.delete(rid)
        except StoreError as exc:
            self._fail(exc)
            return False

    def close(self) -> None:
        """Write what is new, then close the store (this sync writes no more)."""
        self.flush()
        with self._flushing:
            if self.broken is None:
                self.broken = StoreError("unavailable", self.store.path, RuntimeError("closed"))
            self.store.close()
        _SYNCS.discard(self)

    # ----------------------------------------------------------------- writing
    def flush(self) -> int:
        """Write what is new since the last flush, in one transaction; return the points written."""
        if self.broken is not None:
            return 0
        with self._flushing:
            cpu = time.thread_time()
            try:
                n = self._flush()
                self.points += n
                return n
            except StoreError as exc:
                self._fail(exc)
            except Exception as exc:  # a bug or an unexpected value: the store stops, training goes on
                self._fail(StoreError("unavailable", self.store.path, exc))
            finally:
                self.seconds += time.thread_time() - cpu
            return 0

    def _flush(self) -> int:
        rows: list[tuple[Run, tuple[Any, ...], RunRow]] = []
        slices: list[tuple[Run, str, int, int, tuple[np.ndarray, ...]]] = []
        for run in self.runs.snapshot():
            if run.source is not None or run.status == FOLLOWED:  # past, viewed or followed: not ours to write
                continue
            rid = self._ids.get(run)
            if rid is None:
                rid = self._ids[run] = self.store.new_run(
                    run.name, project=self.project, config=run.config, started=run.started, t0=run.history.t0)
            elif rid < 0:  # deleted
                continue
            summary = self._summaries.setdefault(run, {})
            new = self._slices(run, summary, slices)
            facts = self._row_facts(run)  # as written now: a status changed during the write is written next time
            if new or facts != self._facts.get(run):
                points = sum(int(row[0]) for row in summary.values())
                rows.append((run, facts, RunRow(rid, facts[0], facts[1], facts[2], run.config, dict(summary), points,
                                                facts[4], facts[5], facts[6])))
        chunks = [(self._ids[run], name, *encode(*cols), b - a) for run, name, a, b, cols in slices]
        if not rows and not chunks:
            return 0
        self.store.write([row for _, _, row in rows], chunks)
        for run, name, _, b, _ in slices:
            self._written[(run, name)] = b
        for run, facts, _ in rows:
            self._facts[run] = facts
        self.writes += 1
        return sum(b - a for _, _, a, b, _ in slices)

    def _slices(self, run: Run, summary: dict[str, list[float]], out: list[Any]) -> int:
        """The new points of each series of ``run`` (views: the columns only grow), and their summaries."""
        h = run.history
        new = 0
        with h.lock:
            h.commit()
            for name in h.names:
                s = h[name]
                done = self._written.get((run, name), 0)
                n = len(s.values)
                if n <= done:
                    continue
                cols = (s.steps[done:n], epochs_between(s.epoch_runs, done, n), s.times[done:n], s.values[done:n])
                out.append((run, name, done, n, cols))
                st = s.stats()
                summary[name] = summary_of(st.count, st.last, st.last_step, st.min, st.min_step, st.max, st.max_step)
                new += n - done
        return new

    @staticmethod
    def _row_facts(run: Run) -> tuple[Any, ...]:
        return (run.status, run.error, run.ended, repr(run.config), run.history.t0, run.score, run.scored)

    def _fail(self, exc: StoreError) -> None:
        if exc.kind == "locked":
            if not self._locked_warned:  # tried again at the next write; the points wait in memory
                self._locked_warned = True
                warnings.warn(f"{exc}: the points wait in memory and are written when it is free", StoreWarning,
                              stacklevel=3)
            return
        self.broken = exc
        text = f"{exc}. Runs are kept in memory only from now on (to_csv() saves them)."
        warnings.warn(text, StoreWarning, stacklevel=3)
        self._note(text)


def _key(s: StoredRun, runs: RunSet) -> str:
    """A listed past run's name in the widget: its name and start, unique in ``runs``."""
    when = time.strftime('%m-%d %H:%M', time.localtime(s.started))
    key = f"{s.name} ({when})"
    return key if key not in runs else f"{s.name} ({when} #{s.id})"


def _stats(row: list[float]) -> Stats:
    count, last, last_step, lo, lo_step, hi, hi_step = row
    return Stats(int(count), float(last), int(last_step), float(lo), int(lo_step), float(hi), int(hi_step),
                 None, None, math.nan)


_SYNCS: weakref.WeakSet[StoreSync] = weakref.WeakSet()


def _in_ipython() -> bool:
    """An IPython shell or kernel (its cells' errors are handled per cell; ``sys.last_value`` is a past cell's)."""
    ipython = sys.modules.get("IPython")
    try:
        return ipython is not None and ipython.get_ipython() is not None
    except Exception:  # pragma: no cover - a half torn-down IPython at exit
        return True


@atexit.register
def _flush_all() -> None:
    # registered after the frame loops' atexit (render.schedule is imported first), so it runs before they stop.
    # The process ends normally: runs still running (a script's implicit run, a w.run() never finished) end here,
    # ``failed`` if a script ends on an uncaught exception (not IPython: its cells' errors are handled per cell),
    # so that a later session lists them as they ended, not as ``crashed``.
    error = None if _in_ipython() else getattr(sys, "last_value", None)
    now = time.time()
    for sync in list(_SYNCS):
        try:
            for run in sync.runs.snapshot():
                if run.status == RUNNING and run.source is None:
                    run.status, run.ended = (FINISHED, now) if error is None else (FAILED, now)
                    if error is not None:
                        run.error = f"{type(error).__name__}: {error}"[:200]
            sync.flush()
        except Exception:  # pragma: no cover - nothing to report to at exit
            pass


def open_sync(
    store: str | os.PathLike[str] | None, runs: RunSet, *, project: str | None, note: Callable[[str], None] = _nothing,
) -> StoreSync | None:
    """A :class:`StoreSync` on the store named by ``store=`` (see :mod:`.location`), or ``None`` when there is no
    store or it cannot be opened (one :class:`StoreWarning` and a note say why)."""
    path = store_path(store)
    if path is None:
        return None
    try:
        opened = RunStore(path)
    except StoreError as exc:
        text = f"{exc}. Runs are kept in memory only (to_csv() saves them)."
        warnings.warn(text, StoreWarning, stacklevel=3)
        note(text)
        return None
    return StoreSync(opened, runs, project=default_project() if project is None else project, note=note)


def write_loop(sync: StoreSync, interval: float = WRITE_EVERY) -> FrameLoop:
    """When ``sync`` writes: at a ``poke()`` at least ``interval`` s after the last write, else on the frame
    waker's thread shortly after logging stops (so at most about ``interval`` s of points wait in memory)."""

    def write(final: bool) -> int:
        sync.flush()
        return DRAWN

    return FrameLoop(write, lambda: sync.runs.version, interval)
