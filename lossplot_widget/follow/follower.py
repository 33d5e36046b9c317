"""Follow training runs outside the kernel: tail TensorBoard event files and CSV logs, live.

:meth:`LiveLossWidget.follow <lossplot_widget.widget.LiveLossWidget.follow>` starts a
:class:`Follower`: a daemon thread in the kernel that polls ``logdir`` every ``poll`` seconds,
so the kernel stays free (zoom and the toolbar work while the run goes on).

- **Runs**: every directory under ``logdir`` holding event files is a run (as in TensorBoard);
  every CSV log (``metrics.csv`` of Lightning's ``CSVLogger``, any ``*.csv`` from Keras'
  ``CSVLogger``) is a run too (see :mod:`lossplot_widget.follow.logruns`). New runs and files are found every
  ``rescan`` seconds, at once on Linux (inotify, :mod:`lossplot_widget.follow.inotify`), where a local write also
  wakes the follower: reads are then at least ``poll / 5`` apart, and ``poll`` bounds the rest (network
  filesystems do not report writes made on other hosts).
- **Series**: one per run and tag, named ``"<run>/<tag>"``, drawn in the panel the tag alone
  would get (``"a/val_loss"`` and ``"b/loss"`` share the panel ``loss``), one color each.
- **Restarts**: a new event file in a run whose earlier file(s) stopped before it began continues
  the same series; its steps replace the earlier points from its first step on when drawn
  (:meth:`Series.visible_ranges <lossplot_widget.core.history.Series.visible_ranges>`); the history keeps
  every point. A file that starts while another file of the run is still being written
  (several writers in one directory, e.g. DDP without a rank-zero guard) becomes a separate
  series ``"<run>#2/<tag>"``. A new file is classified once the older file has been quiet for
  ``settle`` seconds, or as soon as the older file shows an event newer than the new file's first.
- **Corrupt records** are reported (a :class:`~lossplot_widget.follow.tbevents.CorruptRecordWarning` and
  a note above the plot) and skipped; see :mod:`lossplot_widget.follow.tbevents`.

Each point's time is the writer's wall-clock time (seconds since the widget's history started;
negative for points written before), its epoch the last ``epoch`` scalar of its writer (Lightning
logs one) or the ``epoch`` column of a CSV log.
"""

from __future__ import annotations

import os
import time
import warnings
import weakref
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np

from .inotify import DirWatch
from .logruns import Batch, LogDir, TagsArg, default_tags, tag_filter
from .polling import PollingThread
from .tbevents import CorruptRecord, CorruptRecordWarning

__all__ = ["FollowSink", "FollowWarning", "Follower", "default_tags", "tag_filter"]


class FollowSink(Protocol):
    """Where a follower delivers what it reads (the widget hands one in; the follower holds it weakly)."""

    def ingest(self, batch: Batch) -> int:
        """Store ``batch`` (``{(run, tag): [(step, epoch, wall time, value), ...]}``); return the points stored."""
        ...

    def note(self, text: str) -> None:
        """Show ``text`` to the user (a corrupt record, a failed poll)."""
        ...

    def request_frame(self) -> None:
        """New points arrived: draw when the throttle allows."""
        ...

class FollowWarning(UserWarning):
    """A follower could not read something (the message says what; it keeps polling)."""


class Follower(PollingThread):
    """Polls a log directory from a background thread and hands what is new to a :class:`FollowSink`.

    Create it with :meth:`LiveLossWidget.follow`; stop it with :meth:`stop` (closing the
    widget stops it too). :meth:`poll_once` does one poll synchronously (what the thread runs).

    Examples
    --------
    >>> import tempfile
    >>> from lossplot_widget import LiveLossWidget
    >>> w = LiveLossWidget()
    >>> handle = w.follow(tempfile.mkdtemp(), poll=0.25)
    >>> handle.running
    True
    >>> handle.stop(); handle.running
    False
    """

    def __init__(
        self,
        sink: FollowSink,
        logdir: str | os.PathLike[str],
        *,
        poll: float = 0.25,
        tags: TagsArg = None,
        csv: bool | str | Sequence[str] = True,
        rescan: float = 1.0,
        settle: float = 2.0,
        corrupt_after: float = 2.0,
        wake: bool = True,
        start: bool = True,
    ) -> None:
        if poll <= 0:
            raise ValueError(f"poll must be > 0 seconds, got {poll!r}")
        try:  # here, not in the thread: a clear error now, and no import cost in the first poll
            from tensorboard.compat.proto import event_pb2  # noqa: F401
        except ImportError as exc:  # pragma: no cover - the follow extra installs it
            raise ImportError(
                "following TensorBoard logs needs the tensorboard package: "
                "pip install 'lossplot-widget[follow]'"
            ) from exc
        self.logdir = os.fspath(logdir)
        self.poll = float(poll)
        self.rescan = float(rescan)
        self.wake = wake
        #: with ``wake``, reads after a write are at least this far apart (coalesces bursts of writes)
        self.min_gap = self.poll / 5
        self._watch: DirWatch | None = None
        if csv is True:
            csv_globs: Sequence[str] = ("*.csv",)
        elif csv is False:
            csv_globs = ()
        else:
            csv_globs = (csv,) if isinstance(csv, str) else tuple(csv)
        #: the runs, files and writers found so far
        self.logs = LogDir(
            self.logdir, accept=tag_filter(tags), csv_globs=csv_globs, settle=float(settle),
            corrupt_after=float(corrupt_after),
        )
        self._sink = weakref.ref(sink)
        self._scanned_at = -np.inf
        super().__init__(self.logdir)
        #: seconds from a scalar's wall time (when the writer logged it) to its arrival in the history
        self.latencies: deque[float] = deque(maxlen=100_000)
        self.points = 0
        self.polls = 0
        self.cpu_seconds = 0.0  # CPU time of the polls (thread time)
        self.errors: list[str] = []
        if start:
            self.start()

    # ------------------------------------------------------------ lifecycle
    def _wake(self) -> None:
        watch = self._watch
        if watch is not None:
            watch.wake()

    def _loop(self) -> None:
        self._watch = DirWatch() if self.wake else None
        try:
            while not self._stop.is_set():
                if self._sink() is None:
                    break  # the widget is gone
                started = time.monotonic()
                got = 0
                try:
                    got = self.poll_once()
                except Exception as exc:  # never die silently: report and keep polling
                    self._report(f"follow({self.logdir!r}): poll failed: {exc!r}")
                self._wait(started, busy=got > 0)
        finally:
            watch, self._watch = self._watch, None
            if watch is not None:
                watch.close()

    def _wait(self, started: float, busy: bool) -> None:
        """Sleep until the next poll: ``poll`` seconds, or earlier when a watched directory changes."""
        watch = self._watch
        if watch is None or not watch.available:
            self._stop.wait(self.poll)
            return
        if busy:  # writes are coming in: read at most every min_gap (one wake-up per read)
            gap_left = started + self.min_gap - time.monotonic()
            if gap_left > 0 and self._stop.wait(gap_left):
                return
        if watch.wait(started + self.poll - time.monotonic()) == "created":
            self._scanned_at = -np.inf  # look for the new file now

    # ----------------------------------------------------------------- poll
    def poll_once(self) -> int:
        """Read what is new in every followed file, log it; return how many points were logged."""
        cpu0 = time.thread_time()
        now = time.monotonic()
        logs = self.logs
        if now - self._scanned_at >= self.rescan or not (logs.events or logs.csvs):
            logs.scan(self._watch)
            self._scanned_at = now
        batch, arrivals = logs.read(now, self._on_corrupt)
        n = self._ingest(batch, arrivals)
        self.polls += 1
        self.cpu_seconds += time.thread_time() - cpu0
        return n

    def _ingest(self, batch: Batch, arrivals: Iterable[float]) -> int:
        sink = self._sink()
        if sink is None or not batch:
            return 0
        n = sink.ingest(batch)
        arrived = time.time()
        self.latencies.extend(arrived - wt for wt in arrivals)
        self.points += n
        sink.request_frame()  # at most every refresh_interval; a trailing frame by the widget's timer
        return n

    # -------------------------------------------------------------- report
    def _on_corrupt(self, err: CorruptRecord) -> None:
        self._report(f"corrupt record in {err.path} at byte {err.offset}: {err.reason}", CorruptRecordWarning)

    def _report(self, message: str, category: type[Warning] = FollowWarning) -> None:
        self.errors.append(message)
        warnings.warn(message, category, stacklevel=2)
        sink = self._sink()
        if sink is not None:
            sink.note(message)

    def latency(self) -> dict[str, float]:
        """Arrival latency of the scalars read so far: median and 95th percentile, in seconds."""
        if not self.latencies:
            return {"count": 0, "median": float("nan"), "p95": float("nan")}
        lat = np.fromiter(self.latencies, dtype=np.float64)
        return {"count": len(lat), "median": float(np.median(lat)), "p95": float(np.percentile(lat, 95))}

    @property
    def runs(self) -> list[str]:
        """Names of the series prefixes (runs and their extra writers) seen so far."""
        logs = self.logs
        return [w.prefix for ws in logs.writers.values() for w in ws] + [s.run for s in logs.csvs.values()]

    @property
    def corrupt(self) -> list[CorruptRecord]:
        """Every corrupt record found (path, byte offset, bytes skipped, reason)."""
        return [err for src in self.logs.events.values() for err in src.reader.errors]
