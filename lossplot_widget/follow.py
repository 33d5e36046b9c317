"""Follow training runs outside the kernel: tail TensorBoard event files and CSV logs, live.

:meth:`LiveLossWidget.follow <lossplot_widget.widget.LiveLossWidget.follow>` starts a
:class:`Follower`: a daemon thread in the kernel that polls ``logdir`` every ``poll`` seconds,
so the kernel stays free (zoom and the toolbar work while the run goes on).

- **Runs**: every directory under ``logdir`` holding event files is a run (as in TensorBoard);
  every CSV log (``metrics.csv`` of Lightning's ``CSVLogger``, any ``*.csv`` from Keras'
  ``CSVLogger``) is a run too. New runs and files are found every ``rescan`` seconds.
- **Series**: one per run and tag, named ``"<run>/<tag>"``, drawn in the panel the tag alone
  would get (``"a/val_loss"`` and ``"b/loss"`` share the panel ``loss``), one color each.
- **Restarts**: a new event file in a run whose earlier file(s) stopped before it began continues
  the same series; its steps replace the earlier points from its first step on when drawn
  (:meth:`Series.visible_ranges <lossplot_widget.history.Series.visible_ranges>`); the history keeps
  every point. A file that starts while another file of the run is still being written
  (several writers in one directory, e.g. DDP without a rank-zero guard) becomes a separate
  series ``"<run>#2/<tag>"``. A new file is classified once the older file has been quiet for
  ``settle`` seconds, or as soon as the older file shows an event newer than the new file's first.
- **Corrupt records** are reported (a :class:`~lossplot_widget.tbevents.CorruptRecordWarning` and
  a note above the plot) and skipped; see :mod:`lossplot_widget.tbevents`.

Each point's time is the writer's wall-clock time (seconds since the widget's history started;
negative for points written before), its epoch the last ``epoch`` scalar of its writer (Lightning
logs one) or the ``epoch`` column of a CSV log.
"""

from __future__ import annotations

import fnmatch
import os
import re
import threading
import time
import warnings
import weakref
from collections import deque
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

import numpy as np

from ._inotify import DirWatch
from .csvtail import CsvTail
from .tbevents import CorruptRecordWarning, EventFileReader, Scalar, is_event_file

if TYPE_CHECKING:
    from .widget import LiveLossWidget

TagsArg = str | Sequence[str] | Callable[[str], bool] | None

#: bookkeeping scalars that are not curves: Lightning's per-step ``epoch``, ``hp_metric``, ...
_BOOKKEEPING = re.compile(r"(^|/)(epoch|step|global_step|hp_metric|walltime|wall_time|time)$", re.IGNORECASE)


def default_tags(tag: str) -> bool:
    """The default tag filter: every scalar except bookkeeping values.

    >>> [t for t in ["train_loss", "val_acc", "epoch", "hp_metric", "lr-Adam"] if default_tags(t)]
    ['train_loss', 'val_acc', 'lr-Adam']
    """
    return _BOOKKEEPING.search(tag) is None


def tag_filter(tags: TagsArg) -> Callable[[str], bool]:
    """Turn ``tags=`` into a predicate: ``None`` (default), a regex, names/globs, or a callable.

    >>> tag_filter("loss")("val_loss"), tag_filter(["loss", "acc*"])("accuracy"), tag_filter(["loss"])("val_loss")
    (True, True, False)
    """
    if tags is None:
        return default_tags
    if callable(tags):
        return tags
    if isinstance(tags, str):
        pattern = re.compile(tags)
        return lambda tag: pattern.search(tag) is not None
    names = list(tags)
    if not all(isinstance(t, str) for t in names):
        raise TypeError(f"tags must be a regex, a list of names/globs or a callable, got {tags!r}")
    return lambda tag: any(fnmatch.fnmatchcase(tag, p) for p in names)


class FollowWarning(UserWarning):
    """A follower could not read something (the message says what; it keeps polling)."""


class _Lane:
    """One writer of a run: the files that continue each other (a run and its restarts)."""

    def __init__(self, run: str, index: int) -> None:
        self.prefix = run if index == 0 else f"{run}#{index + 1}"
        self.files: list[_EventSource] = []
        self.epoch = 0.0

    @property
    def last_wall(self) -> float:
        return max((f.reader.last_wall_time or -np.inf) for f in self.files)

    @property
    def mtime(self) -> float:
        return max(f.reader.mtime for f in self.files)


class _EventSource:
    def __init__(self, path: str, run: str, corrupt_after: float) -> None:
        self.reader = EventFileReader(path, corrupt_after=corrupt_after)
        self.run = run
        self.lane: _Lane | None = None
        self.pending: list[Scalar] = []
        self.reported = 0  # corrupt records already reported


class _CsvSource:
    def __init__(self, path: str, run: str) -> None:
        self.tail = CsvTail(path)
        self.run = run
        self.rows = 0


class Follower:
    """Polls a log directory from a background thread and logs what is new into a widget.

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
        widget: "LiveLossWidget",
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
                "following TensorBoard logs needs the tensorboard package: pip install 'lossplot-widget[follow]'"
            ) from exc
        self.logdir = os.fspath(logdir)
        self.poll = float(poll)
        self.rescan = float(rescan)
        self.settle = float(settle)
        self.corrupt_after = float(corrupt_after)
        self.wake = wake
        #: with ``wake``, reads after a write are at least this far apart (coalesces bursts of writes)
        self.min_gap = self.poll / 5
        self._watch: DirWatch | None = None
        self._accept = tag_filter(tags)
        if csv is True:
            self._csv_globs: tuple[str, ...] = ("*.csv",)
        elif csv is False:
            self._csv_globs = ()
        else:
            self._csv_globs = (csv,) if isinstance(csv, str) else tuple(csv)
        self._widget = weakref.ref(widget)
        self._events: dict[str, _EventSource] = {}
        self._csvs: dict[str, _CsvSource] = {}
        self._lanes: dict[str, list[_Lane]] = {}  # run name -> its writers
        self._scanned_at = -np.inf
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: seconds from a scalar's wall time (when the writer logged it) to its arrival in the history
        self.latencies: deque[float] = deque(maxlen=100_000)
        self.points = 0
        self.polls = 0
        self.cpu_seconds = 0.0  # CPU time of the polls (thread time)
        self.errors: list[str] = []
        if start:
            self.start()

    # ------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start the polling thread (done by :meth:`LiveLossWidget.follow`)."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=f"lossplot-follow:{self.logdir}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop following (the points already read stay in the widget)."""
        self._stop.set()
        watch = self._watch
        if watch is not None:
            watch.wake()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def _loop(self) -> None:
        self._watch = DirWatch() if self.wake else None
        try:
            while not self._stop.is_set():
                if self._widget() is None:
                    break  # the widget is gone
                started = time.monotonic()
                got = 0
                try:
                    got = self.poll_once()
                    self._redraw()  # drawn at most every refresh_interval, the last frame one poll late at most
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
        if now - self._scanned_at >= self.rescan or not (self._events or self._csvs):
            self._scan()
            self._scanned_at = now
        batch: dict[str, tuple[str, list[Any]]] = {}
        arrivals: list[float] = []
        for src in self._events.values():
            scalars = src.reader.read_new(now)
            if src.reader.errors[src.reported :]:
                for err in src.reader.errors[src.reported :]:
                    self._report(
                        f"corrupt record in {err.path} at byte {err.offset}: {err.reason}", CorruptRecordWarning
                    )
                src.reported = len(src.reader.errors)
            src.pending.extend(scalars)
        for src in sorted(
            (s for s in self._events.values() if s.lane is None), key=lambda s: s.reader.first_wall_time or np.inf
        ):
            self._assign(src)
        for src in self._events.values():
            if src.lane is not None and src.pending:
                self._take_events(src, batch, arrivals)
        for csv_src in self._csvs.values():
            self._take_csv(csv_src, batch)
        n = self._ingest(batch, arrivals)
        self.polls += 1
        self.cpu_seconds += time.thread_time() - cpu0
        return n

    def _scan(self) -> None:
        root = self.logdir
        if not os.path.isdir(root):
            return
        base = os.path.basename(os.path.normpath(root)) or root
        watch = self._watch
        for dirpath, dirs, files in os.walk(root):
            dirs.sort()
            if watch is not None:
                watch.add(dirpath)
            rel = os.path.relpath(dirpath, root)
            run = base if rel == "." else rel.replace(os.sep, "/")
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                if is_event_file(name):
                    if path not in self._events:
                        self._events[path] = _EventSource(path, run, self.corrupt_after)
                        self._lanes.setdefault(run, [])
                elif self._csv_globs and path not in self._csvs and any(
                    fnmatch.fnmatch(name, g) for g in self._csv_globs
                ):
                    csv_run = run if name == "metrics.csv" else f"{run}/{os.path.splitext(name)[0]}"
                    if rel == "." and name != "metrics.csv":
                        csv_run = os.path.splitext(name)[0]
                    if any(is_event_file(f) for f in files):
                        csv_run += "[csv]"  # an event run of the same name logs the same tags
                    self._csvs[path] = _CsvSource(path, csv_run)

    def _assign(self, src: _EventSource) -> None:
        """Decide which writer a new event file continues (restart) or whether it is a new one."""
        start = src.reader.first_wall_time
        if start is None:
            return  # no complete record yet
        lanes = self._lanes[src.run]
        # writers whose last event is older than this file's first: this file may continue one
        candidates = [lane for lane in lanes if lane.last_wall < start]
        if candidates:
            lane = max(candidates, key=lambda ln: ln.last_wall)
            if time.time() - lane.mtime < self.settle:
                return  # the older file may still be written to: wait and see
        else:  # the first writer, or every writer is active: a writer of its own
            lane = _Lane(src.run, len(lanes))
            lanes.append(lane)
        lane.files.append(src)
        src.lane = lane

    def _take_events(self, src: _EventSource, batch: dict[str, tuple[str, list[Any]]], arrivals: list[float]) -> None:
        lane = src.lane
        assert lane is not None
        accept = self._accept
        # Lightning logs ``epoch`` after the metrics of the same step: look it up by step
        epoch_at = {sc.step: sc.value for sc in src.pending if sc.tag == "epoch" or sc.tag.endswith("/epoch")}
        for sc in src.pending:
            epoch = lane.epoch = epoch_at.get(sc.step, lane.epoch)
            if not accept(sc.tag):
                continue
            name = f"{lane.prefix}/{sc.tag}"
            entry = batch.get(name)
            if entry is None:
                entry = batch[name] = (sc.tag, [])
            entry[1].append((sc.step, epoch, sc.wall_time, sc.value))
            arrivals.append(sc.wall_time)
        src.pending = []

    def _take_csv(self, src: _CsvSource, batch: dict[str, tuple[str, list[Any]]]) -> None:
        rows = src.tail.read_new()
        if not rows:
            return
        now = time.time()
        accept = self._accept
        for row in rows:
            step_cell = row.get("step") or row.get("epoch") or ""
            epoch_cell = row.get("epoch") or ""
            try:
                step = int(float(step_cell)) if step_cell else src.rows
                epoch = float(epoch_cell) if epoch_cell else 0.0
            except ValueError:
                continue
            src.rows += 1
            for col, cell in row.items():
                if not cell or col in ("step", "epoch") or not accept(col):
                    continue
                try:
                    value = float(cell)
                except ValueError:
                    continue
                name = f"{src.run}/{col}"
                entry = batch.get(name)
                if entry is None:
                    entry = batch[name] = (col, [])
                entry[1].append((step, epoch, now, value))

    def _ingest(self, batch: dict[str, tuple[str, list[Any]]], arrivals: Iterable[float]) -> int:
        w = self._widget()
        if w is None or not batch:
            return 0
        h = w.history
        n = 0
        with h.lock:
            if h.t0 is None:
                h.t0 = time.time()
            t0 = h.t0
            for name, (tag, points) in batch.items():
                w._set_panel(name, tag)
                steps, epochs, walls, values = zip(*points)
                h.load(name, steps, epochs, [wt - t0 for wt in walls], values)
                n += len(points)
        arrived = time.time()
        self.latencies.extend(arrived - wt for wt in arrivals)
        self.points += n
        if self._thread is None or self._thread is not threading.current_thread():
            w._maybe_draw()  # polled by hand: let the widget schedule its frame
        return n

    def _redraw(self) -> None:
        """From the polling thread: draw when the widget's throttle allows (no timer thread per poll)."""
        w = self._widget()
        if w is not None and w.dirty and w._throttle.due(time.monotonic()):
            w._draw(blocking=False)

    # -------------------------------------------------------------- report
    def _report(self, message: str, category: type[Warning] = FollowWarning) -> None:
        self.errors.append(message)
        warnings.warn(message, category, stacklevel=2)
        w = self._widget()
        if w is not None:
            w._add_note(message)

    def latency(self) -> dict[str, float]:
        """Arrival latency of the scalars read so far: median and 95th percentile, in seconds."""
        if not self.latencies:
            return {"count": 0, "median": float("nan"), "p95": float("nan")}
        lat = np.fromiter(self.latencies, dtype=np.float64)
        return {"count": len(lat), "median": float(np.median(lat)), "p95": float(np.percentile(lat, 95))}

    @property
    def runs(self) -> list[str]:
        """Names of the series prefixes (runs and their extra writers) seen so far."""
        return [lane.prefix for lanes in self._lanes.values() for lane in lanes] + [s.run for s in self._csvs.values()]

    @property
    def corrupt(self) -> list[Any]:
        """Every corrupt record found (path, byte offset, bytes skipped, reason)."""
        return [err for src in self._events.values() for err in src.reader.errors]
