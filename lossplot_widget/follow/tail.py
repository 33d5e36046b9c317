"""Read what a growing file gained since the last look: the one tail helper of the log readers.

:class:`FileTail` keeps a byte offset. :meth:`FileTail.read` returns the bytes from the offset
to the end when the file changed (or when asked to read again), and the reader says how much it
consumed with :meth:`FileTail.advance` (a half-written last record or line stays for the next
read). A file that shrank below the offset, or whose first bytes changed (``head``), was
truncated or rewritten: the offset goes back to 0, :attr:`FileTail.restarted` says so for that read,
and :attr:`FileTail.restarts` counts it.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "log.txt")
>>> with open(path, "w") as f:
...     _ = f.write("a\\nb")
>>> tail = FileTail(path); data = tail.read(); data
b'a\\nb'
>>> tail.advance(data.rfind(b"\\n") + 1); tail.read() is None      # unchanged since: nothing to read
True
"""

from __future__ import annotations

import os

__all__ = ["FileTail"]


class FileTail:
    """The unread end of one file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.offset = 0  # bytes consumed
        self.size = 0  # file size at the last look
        self.mtime = 0.0
        self.restarts = 0  # times the file was truncated or rewritten (then read again from 0)
        self.restarted = False  # the last read started over from the beginning

    def read(self, again: bool = False, head: bytes = b"") -> bytes | None:
        """Bytes from the offset to the end if the file changed since the last look (or ``again``).

        ``None`` when the file is missing or there is nothing new. ``head``: the file's first bytes
        as consumed before; if they differ now, the file was rewritten and is read from the start.
        """
        self.restarted = False
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        self.mtime = st.st_mtime
        changed = st.st_size != self.size
        self.size = st.st_size
        if st.st_size < self.offset:
            self._restart()
        if not (changed or again):
            return None
        with open(self.path, "rb") as f:
            if head and self.offset and f.read(len(head)) != head:
                self._restart()
            f.seek(self.offset)
            data = f.read()
        return data or None

    def advance(self, consumed: int) -> None:
        """``consumed`` bytes of the last read are done with."""
        self.offset += consumed

    def _restart(self) -> None:
        self.offset = 0
        self.restarts += 1
        self.restarted = True
