"""The run store: every run and every point in one SQLite file (stdlib ``sqlite3``, WAL mode).

Why SQLite: it is in the standard library, one file holds many runs, and in WAL mode several processes write
(one at a time, each batch a short transaction) while others read, with no server. A batch committed in WAL mode
with ``synchronous=NORMAL`` survives the process being killed (only an OS crash can lose the last ones).

Tables:

- ``runs``: one row per run (a name may come back: each new run, e.g. a cell run again tomorrow, is a row of
  its own; :meth:`RunStore.latest` finds the newest of a name): project, config (JSON), status, error, start/end
  wall times, the clock start ``t0``, the writing process (host, pid and
  the process' start time, to tell a dead writer from a live one), and a summary of each metric (count, last
  value, extrema and their steps) so that listing runs reads no points;
- ``metrics``: one row per run and metric name;
- ``chunks``: the points, a row per batch of one metric, as columnar blobs (:mod:`.codec`).

>>> import os, tempfile
>>> store = RunStore(os.path.join(tempfile.mkdtemp(), "runs.sqlite"))
>>> rid = store.new_run("a", project="demo", config={"lr": 0.1}, started=0.0, t0=0.0)
>>> store.write([RunRow(rid, "finished", None, 1.0, {"lr": 0.1}, {}, 3)],
...             [(rid, "loss", *encode_points([0, 1, 2], [0, 0, 0], [0, 0.1, 0.2], [3.0, 2.0, 1.0]))])
>>> [(r.name, r.status, r.points) for r in store.runs()], store.read(rid)["loss"][3].tolist()
([('a', 'finished', 3)], [3.0, 2.0, 1.0])
"""

from __future__ import annotations

import json
import math
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .codec import decode, encode

__all__ = ["Chunk", "RunRow", "RunStore", "StoreError", "StoredRun", "encode_points", "process_tag"]

#: 2: ``runs.score`` and ``runs.scored`` (a sweep's engine-given score); a version-1 file gains them when opened
#: for writing, and reads as unscored where it cannot be
SCHEMA_VERSION = "2"
CRASHED = "crashed"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, project TEXT, config TEXT, status TEXT, error TEXT,
    started REAL, ended REAL, t0 REAL, host TEXT, pid INTEGER, ptag TEXT, updated REAL, summary TEXT,
    points INTEGER DEFAULT 0, score REAL, scored INTEGER DEFAULT 0
);
CREATE TABLE IF NOT EXISTS metrics (
    id INTEGER PRIMARY KEY, run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, name TEXT NOT NULL,
    UNIQUE (run, name)
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, metric INTEGER NOT NULL REFERENCES metrics(id) ON DELETE CASCADE, n INTEGER,
    steps BLOB, epochs BLOB, times BLOB, vals BLOB
);
CREATE INDEX IF NOT EXISTS chunks_by_metric ON chunks (metric, id);
CREATE INDEX IF NOT EXISTS runs_by_project ON runs (project, started);
CREATE INDEX IF NOT EXISTS runs_by_name ON runs (name);
"""

#: one metric's points: ``(steps, epochs, times, values)`` numpy columns
Columns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class StoreError(Exception):
    """The store could not be used. ``kind``: ``locked`` (another process holds it: try again later),
    ``corrupt``, ``full`` (the disk), ``ioerror`` (a write failed), ``readonly`` or ``unavailable`` (cannot be
    opened)."""

    def __init__(self, kind: str, path: str, cause: BaseException) -> None:
        self.kind, self.path, self.cause = kind, path, cause
        super().__init__(f"{_WHAT[kind]}: {path} ({cause})")


_WHAT = {
    "locked": "the run store is locked by another process",
    "corrupt": "the run store is not a valid database (corrupt?)",
    "full": "the disk holding the run store is full",
    "readonly": "the run store cannot be written (read-only)",
    "unavailable": "the run store cannot be opened",
    "ioerror": "the run store could not be written (a disk I/O error: the disk full, or a file size limit?)",
}


def _kind(exc: sqlite3.Error) -> str:
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    if "BUSY" in name or "LOCKED" in name or "locked" in text:
        return "locked"
    if "FULL" in name or "full" in text or "IOERR" in name and "space" in text:
        return "full"
    if "READONLY" in name or "readonly" in text or "read-only" in text:
        return "readonly"
    if "NOTADB" in name or "CORRUPT" in name or "not a database" in text or "malformed" in text:
        return "corrupt"
    if "IOERR" in name or "disk i/o error" in text:
        return "ioerror"
    if "CANTOPEN" in name or "unable to open" in text:
        return "unavailable"
    return "corrupt" if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError) \
        else "unavailable"


def process_tag(pid: int) -> str:
    """When process ``pid`` started (Linux: clock ticks after boot from ``/proc``; ``""`` elsewhere): with the pid,
    it tells the writer of a run from a later process that got the same pid."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return ""


def _alive(pid: int, ptag: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        pass
    except OSError:
        return True  # cannot tell: do not call it crashed
    return not ptag or process_tag(pid) in ("", ptag)


@dataclass(frozen=True)
class StoredRun:
    """A run as the store lists it (no points: see :meth:`RunStore.read`)."""

    id: int
    name: str
    project: str
    config: dict[str, Any]
    status: str
    error: str | None
    started: float
    ended: float | None
    t0: float | None
    points: int
    #: per metric ``[count, last, last step, min, min step, max, max step]``
    summary: dict[str, list[float]] = field(default_factory=dict)
    host: str = ""
    pid: int = 0
    #: the score a sweep's engine gave the run (see :attr:`~lossplot_widget.core.run.Run.score`)
    score: float | None = None
    #: the engine judges the run (no score yet: not judged by its points either)
    scored: bool = False


@dataclass(frozen=True)
class RunRow:
    """What a batch updates in a run's row."""

    id: int
    status: str
    error: str | None
    ended: float | None
    config: dict[str, Any]
    summary: dict[str, list[float]]
    points: int
    t0: float | None = None
    score: float | None = None
    scored: bool = False


#: one chunk to insert: ``(run id, metric, steps blob, epochs blob, times blob, values blob, n)``
Chunk = tuple[int, str, bytes, bytes, bytes, bytes, int]


def encode_points(steps: Any, epochs: Any, times: Any, values: Any) -> tuple[bytes, bytes, bytes, bytes, int]:
    """The blobs of one chunk and its length (see :mod:`.codec`)."""
    v = np.asarray(values, dtype=np.float64)
    return (*encode(np.asarray(steps), np.asarray(epochs), np.asarray(times, dtype=np.float32), v), len(v))


def _json(value: Any) -> str:
    try:
        return json.dumps(value, default=_plain)
    except (TypeError, ValueError):  # e.g. a dict with tuple keys: keys as strings
        return json.dumps(_string_keys(value), default=_plain)


def _finite(value: float | None) -> float | None:
    """A score as SQLite keeps it (NaN, which SQLite stores as NULL anyway, and infinities: no score)."""
    return None if value is None or not math.isfinite(value) else float(value)


def _string_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _string_keys(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_string_keys(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (set, tuple)):
        return list(value)
    return repr(value)  # an object JSON cannot hold: kept as its repr


class RunStore:
    """Runs and their points in one SQLite file; safe to share between threads and processes.

    Parameters
    ----------
    path : str or path-like
        The database file (made, with its directory, if missing).
    timeout : float
        Seconds a write waits for another process' transaction before :class:`StoreError` ``locked``.
    readonly : bool
        Open for reading only (following a store another process writes).

    Raises
    ------
    StoreError
        The file cannot be opened or is not a run store.
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 0.1, readonly: bool = False) -> None:
        #: the database file
        self.path = os.fspath(path)
        self.readonly = readonly
        self._lock = threading.Lock()
        self._metric_ids: dict[tuple[int, str], int] = {}
        try:
            if readonly:
                uri = "file:" + os.path.abspath(self.path) + "?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, timeout=timeout, check_same_thread=False,
                                           isolation_level=None)
            else:
                directory = os.path.dirname(os.path.abspath(self.path))
                os.makedirs(directory, exist_ok=True)
                self._db = sqlite3.connect(self.path, timeout=timeout, check_same_thread=False,
                                           isolation_level=None)
                self._setup()
        except OSError as exc:
            raise StoreError("readonly" if isinstance(exc, PermissionError) else "unavailable", self.path,
                             exc) from exc
        except sqlite3.Error as exc:
            raise StoreError(_kind(exc), self.path, exc) from exc

    def _setup(self) -> None:
        db = self._db
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.executescript(_SCHEMA)
        have = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
        for column, kind in (("score", "REAL"), ("scored", "INTEGER DEFAULT 0")):
            if column not in have:  # a file of schema version 1
                try:
                    db.execute(f"ALTER TABLE runs ADD COLUMN {column} {kind}")
                except sqlite3.OperationalError as exc:
                    if "duplicate column" not in str(exc):  # another process added it first: fine
                        raise
        row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None or not str(row[0]).isdigit() or int(row[0]) < int(SCHEMA_VERSION):  # written only when older
            db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _run(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(_kind(exc), self.path, exc) from exc

    # ---------------------------------------------------------------- reading
    def runs(
        self, project: str | None = None, limit: int | None = None, *, others_only: bool = False
    ) -> list[StoredRun]:
        """The stored runs (of ``project`` when given; with ``others_only``, not those this process writes),
        the most recently started first.

        A run left ``running`` by a process of this host that is gone comes back ``crashed`` (its row says so
        from then on, where the store is writable).
        """
        clauses: list[str] = []
        args: list[Any] = []
        if project is not None:
            clauses.append("project = ?")
            args.append(project)
        if others_only:
            clauses.append("NOT (host = ? AND pid = ? AND coalesce(ptag, '') = ?)")
            args += [socket.gethostname(), os.getpid(), process_tag(os.getpid())]
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        sql = f"SELECT * FROM runs {where} ORDER BY started DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self._run(sql, args)
        return [self._checked(row) for row in rows]

    def _checked(self, row: Sequence[Any]) -> StoredRun:
        """The run of ``row``; ``crashed`` when it says ``running`` but its writer, a process of this host, is gone."""
        run = self._stored(row)
        if run.status == "running" and run.host == socket.gethostname() and not _alive(run.pid, row[11] or ""):
            run = StoredRun(**{**run.__dict__, "status": CRASHED})
            if not self.readonly:
                try:
                    self._run("UPDATE runs SET status = ? WHERE id = ? AND status = 'running' AND pid = ?",
                              (CRASHED, run.id, run.pid))
                except StoreError:
                    pass  # listed as crashed all the same
        return run

    def names(self) -> set[str]:
        """Every run name in the store."""
        return {name for (name,) in self._run("SELECT name FROM runs")}

    def latest(self, name: str, project: str | None = None) -> StoredRun | None:
        """The newest run named ``name`` (of ``project`` when given; ``None`` if the store has none)."""
        where, args = ("name = ?", [name]) if project is None else ("name = ? AND project = ?", [name, project])
        rows = self._run(f"SELECT * FROM runs WHERE {where} ORDER BY started DESC, id DESC LIMIT 1", args)
        return self._checked(rows[0]) if rows else None

    @staticmethod
    def _stored(row: Sequence[Any]) -> StoredRun:
        (rid, name, project, config, status, error, started, ended, t0, host, pid, _ptag, _updated, summary,
         points) = row[:15]
        score, scored = row[15:17] if len(row) >= 17 else (None, 0)  # a version-1 file opened read-only
        return StoredRun(
            id=rid, name=name, project=project or "", config=json.loads(config or "{}"), status=status or "",
            error=error, started=started or 0.0, ended=ended, t0=t0, points=points or 0,
            summary=json.loads(summary or "{}"), host=host or "", pid=pid or 0,
            score=None if score is None else float(score), scored=bool(scored),
        )

    def read(self, run_id: int, metrics: Iterable[str] | None = None) -> dict[str, Columns]:
        """Every point of run ``run_id``: ``{metric: (steps, epochs, times, values)}`` in logged order."""
        rows = self._run(
            "SELECT m.name, c.steps, c.epochs, c.times, c.vals FROM chunks c JOIN metrics m ON c.metric = m.id "
            "WHERE m.run = ? ORDER BY m.id, c.id", (run_id,))
        wanted = None if metrics is None else set(metrics)
        parts: dict[str, list[tuple[np.ndarray, ...]]] = {}
        for name, *blobs in rows:
            if wanted is None or name in wanted:
                parts.setdefault(name, []).append(self._decode(blobs))
        return {name: tuple(np.concatenate(col) for col in zip(*chunks)) for name, chunks in parts.items()}  # type: ignore[misc]

    def read_since(self, chunk_id: int) -> tuple[int, dict[tuple[int, str], list[Columns]]]:
        """Chunks written after chunk ``chunk_id`` (following a store): the last chunk id and
        ``{(run id, metric): [columns, ...]}`` in written order."""
        rows = self._run(
            "SELECT c.id, m.run, m.name, c.steps, c.epochs, c.times, c.vals FROM chunks c "
            "JOIN metrics m ON c.metric = m.id WHERE c.id > ? ORDER BY c.id", (chunk_id,))
        out: dict[tuple[int, str], list[Columns]] = {}
        for cid, run, metric, *blobs in rows:
            out.setdefault((run, metric), []).append(self._decode(blobs))
            chunk_id = cid
        return chunk_id, out

    def _decode(self, blobs: Sequence[bytes]) -> Columns:
        try:
            return decode(*blobs)  # type: ignore[return-value]
        except Exception as exc:  # zlib.error, a short buffer: a damaged chunk
            raise StoreError("corrupt", self.path, exc) from exc

    def size(self) -> int:
        """Bytes on disk (the database file and its write-ahead log)."""
        return sum(os.path.getsize(p) for p in (self.path, self.path + "-wal") if os.path.exists(p))

    # ---------------------------------------------------------------- writing
    def new_run(
        self, name: str, *, project: str, config: dict[str, Any], started: float, t0: float | None,
        status: str = "running",
    ) -> int:
        """A new run row written by this process; its id."""
        pid = os.getpid()
        rows = self._run(
            "INSERT INTO runs (name, project, config, status, started, t0, host, pid, ptag, updated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (name, project, _json(config), status, started, t0, socket.gethostname(), pid, process_tag(pid),
             time.time()))
        return int(rows[0][0])

    def take_over(self, run_id: int) -> None:
        """This process writes run ``run_id`` from now on (a resumed run: ``running`` again)."""
        pid = os.getpid()
        self._run("UPDATE runs SET status = 'running', ended = NULL, error = NULL, host = ?, pid = ?, ptag = ? "
                  "WHERE id = ?", (socket.gethostname(), pid, process_tag(pid), run_id))

    def write(self, rows: Sequence[RunRow], chunks: Sequence[Chunk | tuple[Any, ...]]) -> None:
        """One transaction: update ``rows`` and append ``chunks`` ``(run id, metric, *blobs, n)``."""
        now = time.time()
        with self._lock:
            db = self._db
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    for run_id, metric, steps, epochs, times, vals, n in chunks:
                        mid = self._metric_id(run_id, metric)
                        db.execute("INSERT INTO chunks (metric, n, steps, epochs, times, vals) VALUES (?,?,?,?,?,?)",
                                   (mid, n, steps, epochs, times, vals))
                    for r in rows:
                        db.execute(
                            "UPDATE runs SET status = ?, error = ?, ended = ?, config = ?, summary = ?, points = ?,"
                            " t0 = coalesce(?, t0), updated = ?, score = ?, scored = ? WHERE id = ?",
                            (r.status, r.error, r.ended, _json(r.config), _json(r.summary), r.points, r.t0, now,
                             _finite(r.score), int(r.scored), r.id))
                    db.execute("COMMIT")
                except BaseException:
                    if db.in_transaction:  # a failed COMMIT may have rolled back already
                        db.execute("ROLLBACK")
                    self._metric_ids.clear()  # ids made in the rolled-back transaction are gone
                    raise
            except sqlite3.Error as exc:
                raise StoreError(_kind(exc), self.path, exc) from exc

    def _metric_id(self, run_id: int, metric: str) -> int:
        key = (run_id, metric)
        mid = self._metric_ids.get(key)
        if mid is None:
            db = self._db
            db.execute("INSERT OR IGNORE INTO metrics (run, name) VALUES (?, ?)", key)
            mid = int(db.execute("SELECT id FROM metrics WHERE run = ? AND name = ?", key).fetchone()[0])
            self._metric_ids[key] = mid
        return mid

    def delete(self, run_id: int) -> bool:
        """Remove run ``run_id`` and its points; ``False`` if the store has no such run."""
        with self._lock:
            try:
                cur = self._db.execute("DELETE FROM runs WHERE id = ?", (run_id,))
                self._metric_ids.clear()
                return cur.rowcount > 0
            except sqlite3.Error as exc:
                raise StoreError(_kind(exc), self.path, exc) from exc

    def __repr__(self) -> str:
        return f"RunStore({self.path!r})"


def summary_of(
    count: int, last: float, last_step: int, lo: float, lo_step: int, hi: float, hi_step: int
) -> list[float]:
    """A metric's summary row as the ``runs`` table keeps it (NaN for no value)."""
    return [count, last, last_step, lo if math.isfinite(lo) else math.nan, lo_step,
            hi if math.isfinite(hi) else math.nan, hi_step]
