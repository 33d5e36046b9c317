"""Runs in and out: CSV (long form, exact round trip), dict and pandas.

The CSV has one row per point: ``run,metric,step,epoch,time,value,config``. ``config`` holds the run's
config as JSON on the run's first row (empty on the others); a run without points is one row with
an empty metric. Files written before runs existed (``metric,step,epoch,time,value``) still load,
into one run.

>>> import io
>>> from lossplot_widget.core.runs import RunSet
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
from .runs import FINISHED, RunSet

if TYPE_CHECKING:
    import pandas as pd

E = TypeVar("E", bound="ExportMixin")

__all__ = [
    "COLUMNS", "LEGACY_COLUMNS", "ExportMixin", "PathOrFile", "TextFile", "read_csv_into", "to_pandas", "write_csv",
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


class ExportMixin:
    """``to_dict``/``to_csv``/``to_pandas``/``from_csv`` for a class holding ``runs`` (and a ``history``)."""

    runs: RunSet

    @property
    def history(self) -> History:  # pragma: no cover - provided by the class
        raise NotImplementedError

    def to_dict(self) -> dict[str, dict[str, list[float]]]:
        """Every point of :attr:`history` (the active run): ``{metric: {"step", "epoch", "time", "value"}}``."""
        return self.history.to_dict()

    def to_csv(self, path: PathOrFile) -> None:
        """Write every point of every run to ``path`` in long form (run, metric, step, epoch, time, value,
        config); exact round trip with :meth:`from_csv`."""
        write_csv(self.runs, path)

    def to_pandas(self) -> pd.DataFrame:
        """A long-form ``pandas.DataFrame`` of every run, config as ``config.<key>`` columns (pandas is optional)."""
        return to_pandas(self.runs)

    @classmethod
    def from_csv(cls: type[E], path: PathOrFile, **kwargs: object) -> E:
        """A new instance (``cls(**kwargs)``) holding the runs, values, steps and epochs of :meth:`to_csv` output."""
        obj = cls(**kwargs)
        read_csv_into(obj.runs, path)
        return obj
