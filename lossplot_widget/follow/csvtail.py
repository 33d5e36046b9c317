"""Follow a CSV metrics log as it grows: Lightning's ``metrics.csv`` and Keras' ``CSVLogger``.

:class:`CsvTail` keeps a byte offset and returns only the rows completed since the last call;
a half-written last line (no newline yet) is read once it is complete.

Lightning's ``CSVLogger`` **rewrites** the whole file when a metric appears for the first time
(a new header, every earlier row again). A rewrite is detected by the file shrinking or by its
first line changing; the file is then read again from the top, and rows that were already returned
(same non-empty cells) are not returned twice. A file whose earlier rows changed (Keras'
``CSVLogger`` truncates and starts over when ``fit`` runs again) yields its rows again from the
first row that differs: a new run, which the plot treats as a restart.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "metrics.csv")
>>> with open(path, "w") as f:
...     _ = f.write("epoch,step,loss\\n0,0,1.5\\n0,1,1.2")   # the last line is half-written
>>> tail = CsvTail(path)
>>> tail.read_new()
[{'epoch': '0', 'step': '0', 'loss': '1.5'}]
>>> with open(path, "a") as f:
...     _ = f.write("5\\n")
>>> tail.read_new()
[{'epoch': '0', 'step': '1', 'loss': '1.25'}]
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

from .tail import FileTail

__all__ = ["CsvTail"]


def _fingerprint(row: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in row.items() if v not in ("", None)))


class CsvTail:
    """Incremental reader of one CSV log (header line, then one row per line)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.file = FileTail(path)
        self.header: list[str] | None = None
        self._header_line = b""
        self._done: list[tuple[tuple[str, str], ...]] = []  # fingerprints of rows returned so far
        self._replay = 0  # rows of a rewritten file still to compare with ``_done``

    @property
    def rewrites(self) -> int:
        """Times the file was rewritten (read again from the top)."""
        return self.file.restarts

    @property
    def mtime(self) -> float:
        return self.file.mtime

    def read_new(self) -> list[dict[str, str]]:
        """Rows completed since the last call, as ``{column: cell}`` (cells as written)."""
        buf = self.file.read(head=self._header_line)
        if self.file.restarted:  # rewritten: compare rows with those returned
            self.header = None
            self._header_line = b""
            self._replay = len(self._done)
        if not buf:
            return []
        cut = buf.rfind(b"\n") + 1  # complete lines only
        if cut == 0:
            return []
        self.file.advance(cut)
        lines = buf[:cut].decode("utf-8", errors="replace").splitlines()
        if self.header is None:
            self._header_line = buf[: buf.index(b"\n") + 1]
            self.header = next(csv.reader([lines[0]]))
            lines = lines[1:]
        return self._rows(lines)

    def _rows(self, lines: Iterable[str]) -> list[dict[str, str]]:
        header = self.header or []
        out = []
        for cells in csv.reader(lines):
            if not cells:
                continue
            row = dict(zip(header, cells))
            fp = _fingerprint(row)
            if self._replay:
                i = len(self._done) - self._replay
                if self._done[i] == fp:
                    self._replay -= 1
                    continue
                del self._done[i:]  # earlier rows changed: a new run starts here
                self._replay = 0
            self._done.append(fp)
            out.append(row)
        return out
