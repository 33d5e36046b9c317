"""What is in a log directory: runs, their writers and files, and which points are new.

:class:`LogDir` discovers event files and CSV logs under a directory and turns what each file
has gained into points ``{(run, tag): [(step, epoch, wall time, value), ...]}``;
:class:`~lossplot_widget.follow.follower.Follower` polls it from a thread and logs the points.

A run is a directory holding event files (named by its path under the log directory), or a CSV log.
Within a run, a **writer** is a chain of event files that continue each other: a new file whose first
event is newer than every event of an existing writer (and whose file has been quiet for ``settle``
seconds) continues that writer, as a restarted or resumed job does; a file that starts while every
existing writer is still writing is a writer of its own (series ``"<run>#2/<tag>"``, ...).
"""

from __future__ import annotations

import fnmatch
import os
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .csvtail import CsvTail
from .inotify import DirWatch
from .tbevents import EventFileReader, Scalar, is_event_file

__all__ = ["Batch", "CsvSource", "EventSource", "LogDir", "TagsArg", "Writer", "default_tags", "tag_filter"]

#: ``{(run, tag): [(step, epoch, wall time, value), ...]}``
Batch = dict[tuple[str, str], list[tuple[int, float, float, float]]]

TagsArg = str | Sequence[str] | Callable[[str], bool] | None

#: seconds the newest step of a run that logs ``epoch`` waits for its epoch record
EPOCH_WAIT = 1.0

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

    >>> tag_filter("loss")("val_loss"), tag_filter(["loss", "acc*"])("accuracy")
    (True, True)
    >>> tag_filter(["loss"])("val_loss")
    False
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


class Writer:
    """One writer of a run: the event files that continue each other (a run and its restarts)."""

    def __init__(self, run: str, index: int) -> None:
        self.prefix = run if index == 0 else f"{run}#{index + 1}"
        self.files: list[EventSource] = []
        self.epoch = 0.0
        self.logs_epoch = False  # seen an ``epoch`` scalar: a step's epoch arrives after its metrics

    @property
    def last_wall(self) -> float:
        return max((f.reader.last_wall_time or -np.inf) for f in self.files)

    @property
    def mtime(self) -> float:
        return max(f.reader.mtime for f in self.files)


class EventSource:
    """An event file being read, and its scalars not yet logged."""

    def __init__(self, path: str, run: str, corrupt_after: float) -> None:
        self.reader = EventFileReader(path, corrupt_after=corrupt_after)
        self.run = run
        self.writer: Writer | None = None  # decided once its first event is read
        self.pending: list[Scalar] = []
        self.held_since: float | None = None  # newest step held back, waiting for its ``epoch``
        self.reported = 0  # corrupt records already reported


class CsvSource:
    """A CSV log being read."""

    def __init__(self, path: str, run: str) -> None:
        self.tail = CsvTail(path)
        self.run = run
        self.rows = 0


class LogDir:
    """The runs under ``root``: their event files, CSV logs and writers."""

    def __init__(
        self, root: str, *, accept: Callable[[str], bool], csv_globs: Sequence[str], settle: float,
        corrupt_after: float,
    ) -> None:
        self.root = root
        self.accept = accept
        self.csv_globs = tuple(csv_globs)
        self.settle = settle
        self.corrupt_after = corrupt_after
        self.events: dict[str, EventSource] = {}
        self.csvs: dict[str, CsvSource] = {}
        self.writers: dict[str, list[Writer]] = {}  # run name -> its writers

    def read(self, now: float, on_corrupt: Callable[[Any], None]) -> tuple[Batch, list[float]]:
        """Read every file's new bytes; the new points and the wall times of the event scalars among them."""
        batch: Batch = {}
        arrivals: list[float] = []
        for src in self.events.values():
            scalars = src.reader.read_new(now)
            for err in src.reader.errors[src.reported :]:
                on_corrupt(err)
            src.reported = len(src.reader.errors)
            src.pending.extend(scalars)
        undecided = [s for s in self.events.values() if s.writer is None]
        for src in sorted(undecided, key=lambda s: s.reader.first_wall_time or np.inf):
            self.assign(src)
        for src in self.events.values():
            if src.writer is not None and src.pending:
                self.take_events(src, batch, arrivals)
        for csv_src in self.csvs.values():
            self.take_csv(csv_src, batch)
        return batch, arrivals

    def scan(self, watch: DirWatch | None = None) -> None:
        """Find new runs and files (and watch their directories, with ``watch``)."""
        root = self.root
        if not os.path.isdir(root):
            return
        base = os.path.basename(os.path.normpath(root)) or root
        for dirpath, dirs, files in os.walk(root):
            dirs.sort()
            if watch is not None:
                watch.add(dirpath)
            rel = os.path.relpath(dirpath, root)
            run = base if rel == "." else rel.replace(os.sep, "/")
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                if is_event_file(name):
                    if path not in self.events:
                        self.events[path] = EventSource(path, run, self.corrupt_after)
                        self.writers.setdefault(run, [])
                elif self.csv_globs and path not in self.csvs and any(
                    fnmatch.fnmatch(name, g) for g in self.csv_globs
                ):
                    csv_run = run if name == "metrics.csv" else f"{run}/{os.path.splitext(name)[0]}"
                    if rel == "." and name != "metrics.csv":
                        csv_run = os.path.splitext(name)[0]
                    if any(is_event_file(f) for f in files):
                        csv_run += "[csv]"  # an event run of the same name logs the same tags
                    self.csvs[path] = CsvSource(path, csv_run)

    def assign(self, src: EventSource) -> None:
        """Decide which writer a new event file continues (restart) or whether it is a new one."""
        start = src.reader.first_wall_time
        if start is None:
            return  # no complete record yet
        writers = self.writers[src.run]
        # writers whose last event is older than this file's first: this file may continue one
        candidates = [w for w in writers if w.last_wall < start]
        if candidates:
            writer = max(candidates, key=lambda w: w.last_wall)
            if time.time() - writer.mtime < self.settle:
                return  # the older file may still be written to: wait and see
        else:  # the first writer, or every writer is active: a writer of its own
            writer = Writer(src.run, len(writers))
            writers.append(writer)
        writer.files.append(src)
        src.writer = writer

    def take_events(self, src: EventSource, batch: Batch, arrivals: list[float]) -> None:
        """Move the pending scalars of ``src`` (a decided file) into ``batch``."""
        writer = src.writer
        assert writer is not None
        accept = self.accept
        # Lightning logs ``epoch`` after the metrics of the same step: look it up by step
        epoch_at = {sc.step: sc.value for sc in src.pending if sc.tag == "epoch" or sc.tag.endswith("/epoch")}
        pending, held = src.pending, []
        writer.logs_epoch = writer.logs_epoch or bool(epoch_at)
        if writer.logs_epoch and pending and pending[-1].step not in epoch_at:
            # a read can end between a step's metrics and its ``epoch``: hold that step back briefly
            now = time.monotonic()
            if src.held_since is None:
                src.held_since = now
            if now - src.held_since < EPOCH_WAIT:
                k = len(pending)
                while k and pending[k - 1].step == pending[-1].step:
                    k -= 1
                pending, held = pending[:k], pending[k:]
        if not held:
            src.held_since = None
        for sc in pending:
            epoch = writer.epoch = epoch_at.get(sc.step, writer.epoch)
            if not accept(sc.tag):
                continue
            batch.setdefault((writer.prefix, sc.tag), []).append((sc.step, epoch, sc.wall_time, sc.value))
            arrivals.append(sc.wall_time)
        src.pending = held

    def take_csv(self, src: CsvSource, batch: Batch) -> None:
        """Read the rows completed in ``src`` into ``batch``.

        The step is the ``step`` column, else the ``epoch`` column, else the row's number.
        """
        rows = src.tail.read_new()
        if not rows:
            return
        now = time.time()
        accept = self.accept
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
                batch.setdefault((src.run, col), []).append((step, epoch, now, value))
