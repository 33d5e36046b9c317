"""Follow a run store that other processes write (``w.follow("runs.sqlite")``): their runs, live.

A daemon thread reads the store every ``poll`` seconds through a read-only connection: the runs (their status,
config, start and end) and the chunks of points written since the last read. Each stored run (but those the
widget itself writes or lists from its own store) becomes a run of the widget with the stored status
(``running``, ``finished``, ``crashed``, ...) and its exact points on its own clock; two rows of one name (a
script run twice) are told apart by their start.

>>> import os, tempfile
>>> from lossplot_widget import LiveLossWidget, RunWriter
>>> path = os.path.join(tempfile.mkdtemp(), "runs.sqlite")
>>> with RunWriter(path, "job") as r:
...     r.log(loss=0.5)
>>> w = LiveLossWidget(store=None); f = w.follow(path, poll=0.1); _ = f.poll_once(); f.stop()
>>> w.runs["job"].status, w.runs["job"].history["loss"].values.tolist()
('finished', [0.5])
"""

from __future__ import annotations

import os
import time
import weakref
from collections import Counter
from typing import Protocol

from ..store.db import Columns, RunStore, StoredRun, StoreError
from .follower import FollowWarning
from .polling import PolledSource

__all__ = ["StoreFollower", "StoreSink", "is_store"]


def is_store(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is an SQLite file (a run store) rather than a log directory."""
    try:
        with open(path, "rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


class StoreSink(Protocol):
    """Where a store follower delivers what it reads."""

    def ingest_stored(self, name: str, run: StoredRun, series: dict[str, list[Columns]]) -> int:
        """Update run ``name`` from stored ``run`` (status, config, ...) and append its new points; return the
        points stored."""
        ...

    def note(self, text: str) -> None: ...

    def request_frame(self) -> None: ...

    def owns(self, path: str, run_id: int) -> bool:
        """Whether row ``run_id`` of store ``path`` is a run the widget shows already (it writes it, or listed it)."""
        ...


class StoreFollower(PolledSource):
    """Polls a run store from a background thread (see the module docstring); :meth:`stop` ends it."""

    warning = FollowWarning
    failures = (StoreError,)  # reported once per kind of failure; polling goes on

    def __init__(
        self, sink: StoreSink, path: str | os.PathLike[str], *, poll: float = 0.25, start: bool = True
    ) -> None:
        if poll <= 0:
            raise ValueError(f"poll must be > 0 seconds, got {poll!r}")
        self.path = os.fspath(path)
        self.poll = float(poll)
        self._sink = weakref.ref(sink)
        self._store: RunStore | None = None
        self._chunk = 0  # the last chunk read
        self._seen: dict[int, tuple[object, ...]] = {}
        self._keys: dict[int, str] = {}  # run id -> its name in the widget
        super().__init__(self.path)
        if start:
            self.start()

    def _failure(self, exc: BaseException) -> str:
        return f"follow({self.path!r}): {exc}"

    def _poll(self, sink: StoreSink) -> int:
        if self._store is None:
            self._store = RunStore(self.path, readonly=True)
        store = self._store
        # chunks first: a run made after this read has no chunk in it (they come at the next poll), and every
        # chunk read belongs to a row the runs read below lists. Runs the widget writes or listed are shown already.
        self._chunk, chunks = store.read_since(self._chunk)
        runs = {r.id: r for r in store.runs() if not sink.owns(self.path, r.id)}
        by_run: dict[int, dict[str, list[Columns]]] = {}
        for (run_id, metric), parts in chunks.items():
            by_run.setdefault(run_id, {})[metric] = parts
        names = Counter(r.name for r in runs.values())
        n = 0
        for rid, stored in sorted(runs.items()):
            key = self._keys.get(rid)
            if key is None:  # a name two rows share (a script run twice): the later one is told by its start
                taken = set(self._keys.values())
                key = stored.name if names[stored.name] == 1 and stored.name not in taken else \
                    f"{stored.name} ({time.strftime('%m-%d %H:%M', time.localtime(stored.started))} #{rid})"
                self._keys[rid] = key
            facts = (stored.status, stored.ended, stored.error, repr(stored.config), stored.score, stored.scored)
            if rid in by_run or self._seen.get(rid) != facts:
                n += sink.ingest_stored(key, stored, by_run.get(rid, {}))
                self._seen[rid] = facts
        if n or chunks:
            sink.request_frame()
        return n

    def __repr__(self) -> str:
        return f"StoreFollower({self.path!r}, running={self.running})"
