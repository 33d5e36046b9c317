"""Wake a follower when a watched directory changes (Linux inotify through ctypes; optional).

Polling alone puts half a poll period between a write and its arrival. On Linux, local
filesystems report writes through inotify, so the follower can read right after a write
(coalesced, see :mod:`lossplot_widget.follow.follower`). Network filesystems (NFS, Lustre, GPFS) do not
report writes made on other hosts: the poll period stays the upper bound there. Anything that
fails here (not Linux, no libc, watch limit reached) leaves the follower polling, nothing more.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import struct
import sys
from typing import Any

__all__ = ["DirWatch"]

IN_MODIFY = 0x00000002
IN_CLOSE_WRITE = 0x00000008
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
_MASK = IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE
_IN_NONBLOCK = os.O_NONBLOCK
_IN_CLOEXEC = getattr(os, "O_CLOEXEC", 0o2000000)


def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.inotify_init1.argtypes = [ctypes.c_int]
        libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        return libc
    except (OSError, AttributeError):
        return None


class DirWatch:
    """inotify watches on directories, plus a pipe to wake the waiter early (``wake()``)."""

    def __init__(self) -> None:
        self._libc = _libc()
        self.fd = -1
        if self._libc is not None:
            self.fd = self._libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        self.available = self.fd >= 0
        self._wake_r, self._wake_w = os.pipe()
        self._watched: set[str] = set()

    def add(self, path: str) -> bool:
        """Watch directory ``path`` (its files' writes, new files); ``False`` if that failed."""
        if not self.available or path in self._watched:
            return path in self._watched
        wd = self._libc.inotify_add_watch(self.fd, os.fsencode(path), _MASK)
        if wd < 0:
            return False  # e.g. ENOSPC: the user's watch limit; polling still covers it
        self._watched.add(path)
        return True

    def wait(self, timeout: float) -> str:
        """Block up to ``timeout`` s.

        Returns ``"created"`` (a file or directory appeared), ``"change"`` (a file was written),
        ``"wake"`` (:meth:`wake` was called) or ``"timeout"``.
        """
        fds = [self._wake_r] + ([self.fd] if self.available else [])
        try:
            ready, _, _ = select.select(fds, [], [], max(0.0, timeout))
        except (OSError, ValueError):  # closed while waiting
            return "wake"
        if self._wake_r in ready:
            try:
                os.read(self._wake_r, 64)
            except OSError:
                pass
            return "wake"
        if ready:
            return "created" if self._drain() else "change"
        return "timeout"

    def _drain(self) -> bool:
        """Read all pending events; True if one of them is a new file or directory."""
        created = False
        try:
            while True:
                buf = os.read(self.fd, 65536)
                if not buf:
                    break
                pos = 0
                while pos + 16 <= len(buf):  # struct inotify_event: wd, mask, cookie, len, name[len]
                    _wd, mask, _cookie, length = struct.unpack_from("iIII", buf, pos)
                    created = created or bool(mask & (IN_CREATE | IN_MOVED_TO))
                    pos += 16 + length
        except (BlockingIOError, OSError):
            pass
        return created

    def wake(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass

    def close(self) -> None:
        for fd in (self.fd, self._wake_r, self._wake_w):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.fd = self._wake_r = self._wake_w = -1
        self.available = False
