"""Runs in and out: CSV (long form, exact round trip), dict (exact round trip) and pandas.

The CSV has one row per point: ``run,metric,step,epoch,time,value,config``. ``config`` holds the run's
config as JSON on the run's first row (empty on the others); a run without points is one row with
an empty metric. Files written before runs existed (``metric,step,epoch,time,value``) still load,
into one run.

>>> import io
>>> from lossplot_widget.core.runset import RunSet
>>> runs = RunSet(); r = runs.start("a", config={"lr": 0.1}); r.log(loss=0.5, step=3)
>>> buf = io.StringIO(); write_csv(runs, buf); buf.getvalue().splitlines()[1]
'a,loss,3,0.0,0.0,0.5,"{""lr"": 0.1}"'
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, TypeVar

import numpy as np

from .history import History
from .runset import FINISHED, RUNNING, STATUSES, RunSet

if TYPE_CHECKING:
    import pandas as pd

E = TypeVar("E", bound="ExportMixin")

__all__ = [
    "COLUMNS", "LEGACY_COLUMNS", "ExportMixin", "PathOrFile", "RunsDict", "TextFile", "load_runs_dict", "read_csv_into",
    "runs_to_dict", "to_pandas", "write_csv",
]

COLUMNS = ("run", "metric", "step", "epoch", "time", "value", "config")
#: the header of files written before runs existed
LEGACY_COLUMNS = ("metric", "step", "epoch", "time", "value")
#: an open text file (or anything with ``write``/``read``, e.g. ``io.StringIO``)
TextFile = IO[str]
PathOrFile = str | os.PathLike[str] | TextFile
_AUTO_NAME = re.compile(r"run-\d+")


@contextmanager
def _open(path: PathOrFile, mode: str) -> Iterator[IO[str]]:
    if isinstance(path, (str, os.PathLike)):
        with open(os.fspath(path), mode, newline="", encoding="utf-8") as fh:
            yield fh
    else:
        yield path


def _runs(source: History | RunSet) -> RunSet:
    return RunSet.of(source) if isinstance(source, History) else source


def write_csv(source: History | RunSet, path: PathOrFile) -> None:
    """Write every point of every run; floats as ``repr`` so reading them back is exact."""
    runs = _runs(source)
    with _open(path, "w") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for run in runs.snapshot():
            h = run.history
            config = json.dumps(run.config, default=repr) if run.config else ""  # non-JSON values as their repr
            h.commit()
            with h.lock:
                if not h.names:
                    writer.writerow((run.name, "", "", "", "", "", config))
                for name in h.names:
                    s = h[name]
                    for row in zip(s.steps.tolist(), s.epochs.tolist(), s.times.tolist(), s.values.tolist()):
                        writer.writerow((run.name, name, row[0], repr(row[1]), repr(row[2]), repr(row[3]), config))
                        config = ""


Columns = tuple[list[int], list[float], list[float], list[float]]


def read_csv_into(runs: RunSet, path: PathOrFile) -> None:
    """Load a file written by :func:`write_csv` (or by a version without runs) into ``runs``."""
    points: dict[str, dict[str, Columns]] = {}
    configs: dict[str, dict[str, Any]] = {}
    with _open(path, "r") as fh:
        reader = csv.reader(fh)
        header = tuple(next(reader, []))
        if header not in (COLUMNS, LEGACY_COLUMNS):
            raise ValueError(f"not a lossplot_widget CSV: expected header {','.join(COLUMNS)}, got {list(header)!r}")
        legacy = header == LEGACY_COLUMNS
        default = runs.implicit().name if legacy else ""
        for lineno, row in enumerate(reader, start=2):
            if len(row) != len(header):
                raise ValueError(f"line {lineno}: expected {len(header)} fields, got {len(row)}")
            if legacy:
                run, (name, step, epoch, t, value), config = default, row, ""
            else:
                run, name, step, epoch, t, value, config = row
            metrics = points.setdefault(run, {})
            try:
                if config and run not in configs:
                    configs[run] = json.loads(config)
                if not name:
                    continue  # a run without points
                cols = metrics.setdefault(name, ([], [], [], []))
                cols[0].append(int(step))
                cols[1].append(float(epoch))
                cols[2].append(float(t))
                cols[3].append(float(value))
            except ValueError as exc:
                raise ValueError(f"line {lineno}: {exc}") from None
    for run_name, metrics in points.items():
        named = bool(configs.get(run_name)) or not _AUTO_NAME.fullmatch(run_name)
        loaded = runs.adopt(run_name, status=FINISHED, named=named)
        loaded.config.update(configs.get(run_name, {}))
        for name, (steps, epochs, times, values) in metrics.items():
            loaded.history.load(name, steps, epochs, times, values)
        loaded.history.continue_clock(max((max(c[2]) for c in metrics.values() if c[2]), default=0.0))


def to_pandas(source: History | RunSet) -> pd.DataFrame:
    """A long-form DataFrame: run, metric, step, epoch, time, value, and ``config.<key>`` per config key."""
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("to_pandas() needs pandas: pip install pandas") from exc
    frames = []
    for run in _runs(source).snapshot():
        h = run.history
        h.commit()
        with h.lock:
            for name in h.names:
                s = h[name]
                columns: dict[str, Any] = {
                    "run": run.name, "metric": name, "step": s.steps.copy(), "epoch": s.epochs,
                    "time": s.times.astype(np.float64), "value": s.values.copy(),
                }
                for key, value in run.config.items():
                    columns[f"config.{key}"] = [value] * len(s)
                frames.append(pd.DataFrame(columns))
    if not frames:
        return pd.DataFrame({c: [] for c in COLUMNS[:-1]})
    return pd.concat(frames, ignore_index=True)


RunsDict = dict[str, dict[str, Any]]


def runs_to_dict(source: History | RunSet) -> RunsDict:
    """Every run: ``{run: {"status", "config", "metrics": {metric: {"step", "epoch", "time", "value"}}}}``.

    >>> runs = RunSet(); runs.start("a", config={"lr": 0.1}).log(loss=0.5, step=3)
    >>> runs_to_dict(runs)["a"]["metrics"]["loss"]["step"], runs_to_dict(runs)["a"]["config"]
    ([3], {'lr': 0.1})
    """
    return {
        run.name: {"status": run.status, "config": dict(run.config), "metrics": run.history.to_dict()}
        for run in _runs(source).snapshot()
    }


def load_runs_dict(runs: RunSet, data: RunsDict) -> None:
    """Load :func:`runs_to_dict` output into ``runs``: a run saved while ``running`` loads ``finished`` (nothing
    logs into it here), any other status as saved."""
    if not isinstance(data, dict) or not all(isinstance(v, dict) and "metrics" in v for v in data.values()):
        raise ValueError("not a lossplot_widget dict: expected {run: {'status', 'config', 'metrics'}} "
                         "(the output of to_dict())")
    for name, entry in data.items():
        named = bool(entry.get("config")) or not _AUTO_NAME.fullmatch(name)
        status = entry.get("status")
        run = runs.adopt(name, status=status if status in STATUSES and status != RUNNING else FINISHED, named=named)
        run.config.update(entry.get("config") or {})
        run.history.load_dict(entry["metrics"])


class ExportMixin:
    """Every run out (``to_dict``, ``to_csv``, ``to_pandas``) and in (``from_dict``/``load_dict``,
    ``from_csv``/``load_csv``), for a class holding its runs in ``_runs``."""

    _runs: RunSet

    def to_dict(self) -> RunsDict:
        """Every point of every run, with its status and config:
        ``{run: {"status", "config", "metrics": {metric: {"step", "epoch", "time", "value"}}}}``
        (JSON-ready lists; exact round trip with :meth:`from_dict`)."""
        return runs_to_dict(self._runs)

    def to_csv(self, path: PathOrFile) -> None:
        """Write every point of every run to ``path`` in long form (run, metric, step, epoch, time, value,
        config); exact round trip with :meth:`from_csv`."""
        write_csv(self._runs, path)

    def to_pandas(self) -> pd.DataFrame:
        """A long-form ``pandas.DataFrame`` of every run, config as ``config.<key>`` columns (pandas is optional)."""
        return to_pandas(self._runs)

    def load_csv(self, path: PathOrFile) -> None:
        """Add the runs of a :meth:`to_csv` file to this instance (a run of the same name is continued)."""
        read_csv_into(self._runs, path)

    def load_dict(self, data: RunsDict) -> None:
        """Add the runs of :meth:`to_dict` output to this instance (a run of the same name is continued)."""
        load_runs_dict(self._runs, data)

    @classmethod
    def from_csv(cls: type[E], path: PathOrFile, **kwargs: object) -> E:
        """A new instance (``cls(**kwargs)``) holding the runs, values, steps and epochs of :meth:`to_csv` output."""
        obj = cls(**kwargs)
        obj.load_csv(path)
        return obj

    @classmethod
    def from_dict(cls: type[E], data: RunsDict, **kwargs: object) -> E:
        """A new instance (``cls(**kwargs)``) holding the runs of :meth:`to_dict` output."""
        obj = cls(**kwargs)
        obj.load_dict(data)
        return obj
