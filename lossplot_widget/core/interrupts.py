"""Deferring Ctrl-C (SIGINT) around work that must not be torn in half.

A ``KeyboardInterrupt`` raised in the middle of a commit or a frame would leave the history's
columns or the drawn marks half updated. :func:`defer_interrupts` holds the signal until the
block ends and raises it then, so state stays consistent and the interrupt is never lost.

>>> with defer_interrupts():
...     x = 1 + 1
>>> x
2
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["defer_interrupts"]


@contextmanager
def defer_interrupts() -> Iterator[None]:
    """Hold a KeyboardInterrupt (SIGINT) that arrives inside the block until the block is done.

    Only the main thread receives SIGINT; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        previous = signal.getsignal(signal.SIGINT)
    except ValueError:  # pragma: no cover - no signal support here
        yield
        return
    if previous is not signal.default_int_handler:
        # someone else handles SIGINT (e.g. a debugger): leave it alone
        yield
        return
    received: list[Any] = []
    signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            raise KeyboardInterrupt


