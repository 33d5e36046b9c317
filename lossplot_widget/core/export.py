"""History in and out: CSV (long form, exact round trip), dict and pandas.

>>> import io
>>> from lossplot_widget.core.history import History
>>> h = History(); _ = h.append({"loss": 0.1}, 3, 0.0)
>>> buf = io.StringIO(); write_csv(h, buf); buf.getvalue().splitlines()[1].split(",")[:3]
['loss', '3', '0.0']
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, TypeVar

import numpy as np

from .history import History

if TYPE_CHECKING:
    import pandas as pd

E = TypeVar("E", bound="ExportMixin")

__all__ = ["COLUMNS", "ExportMixin", "PathOrFile", "TextFile", "read_csv_into", "to_pandas", "write_csv"]

COLUMNS = ("metric", "step", "epoch", "time", "value")
#: an open text file (or anything with ``write``/``read``, e.g. ``io.StringIO``)
TextFile = IO[str]
PathOrFile = str | os.PathLike[str] | TextFile


@contextmanager
def _open(path: PathOrFile, mode: str) -> Iterator[IO[str]]:
    if isinstance(path, (str, os.PathLike)):
        with open(os.fspath(path), mode, newline="", encoding="utf-8") as fh:
            yield fh
    else:
        yield path


def write_csv(history: History, path: PathOrFile) -> None:
    """Write every point; floats as ``repr`` so reading them back is exact."""
    history.commit()
    with _open(path, "w") as fh, history.lock:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for name in history.names:
            s = history[name]
            for row in zip(s.steps.tolist(), s.epochs.tolist(), s.times.tolist(), s.values.tolist()):
                writer.writerow((name, row[0], repr(row[1]), repr(row[2]), repr(row[3])))


def read_csv_into(history: History, path: PathOrFile) -> None:
    """Load a file written by :func:`write_csv` into ``history``."""
    columns: dict[str, tuple[list[int], list[float], list[float], list[float]]] = {}
    with _open(path, "r") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None or tuple(header) != COLUMNS:
            raise ValueError(f"not a lossplot_widget CSV: expected header {','.join(COLUMNS)}, got {header!r}")
        for lineno, row in enumerate(reader, start=2):
            if len(row) != len(COLUMNS):
                raise ValueError(f"line {lineno}: expected {len(COLUMNS)} fields, got {len(row)}")
            name, step, epoch, t, value = row
            cols = columns.setdefault(name, ([], [], [], []))
            try:
                cols[0].append(int(step))
                cols[1].append(float(epoch))
                cols[2].append(float(t))
                cols[3].append(float(value))
            except ValueError as exc:
                raise ValueError(f"line {lineno}: {exc}") from None
    for name, (steps, epochs, times, values) in columns.items():
        history.load(name, steps, epochs, times, values)


def to_pandas(history: History) -> pd.DataFrame:
    """A long-form DataFrame with columns metric, step, epoch, time, value."""
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("to_pandas() needs pandas: pip install pandas") from exc
    history.commit()
    frames = []
    with history.lock:
        for name in history.names:
            s = history[name]
            frames.append(
                pd.DataFrame(
                    {
                        "metric": name,
                        "step": s.steps.copy(),
                        "epoch": s.epochs,
                        "time": s.times.astype(np.float64),
                        "value": s.values.copy(),
                    }
                )
            )
    if not frames:
        return pd.DataFrame({c: [] for c in COLUMNS})
    return pd.concat(frames, ignore_index=True)


class ExportMixin:
    """``to_dict``/``to_csv``/``to_pandas``/``from_csv`` for a class holding a ``history``."""

    history: History

    def to_dict(self) -> dict[str, dict[str, list[float]]]:
        """Every logged point: ``{metric: {"step", "epoch", "time", "value"}}``."""
        return self.history.to_dict()

    def to_csv(self, path: PathOrFile) -> None:
        """Write every point to ``path`` in long form (metric, step, epoch, time, value); exact round trip."""
        write_csv(self.history, path)

    def to_pandas(self) -> pd.DataFrame:
        """A long-form ``pandas.DataFrame`` (pandas is optional)."""
        return to_pandas(self.history)

    @classmethod
    def from_csv(cls: type[E], path: PathOrFile, **kwargs: object) -> E:
        """A new instance (``cls(**kwargs)``) holding the values, steps and epochs of :meth:`to_csv` output."""
        obj = cls(**kwargs)
        read_csv_into(obj.history, path)
        return obj
