"""Fallback delivery of Stop/Pause clicks on ipykernel 6: peek at pending shell messages at frame time.

On ipykernel 6 the main thread reads the shell socket itself, so while a cell blocks, a click waits in
the socket. At frame time (main thread only) :meth:`Peeker.poll` asks the kernel's own shell stream to
move what is waiting into the kernel's own message queue, exactly as the kernel does before aborting a
queue, and then *reads* the queued messages: it parses only the header frame of each, and the content
frame only of ``comm_msg`` messages, after checking the signature itself. It never calls
``Session.deserialize`` (that records the signature, and the kernel would later reject the message as a
duplicate), never removes or reorders anything, and never dispatches: every message, ours included, is
handled later by the kernel in its original order (queued cells, execution counts, output routing and
abort-on-error are unchanged). Our buttons' late ``on_click`` is then recognised as already handled.

Cost when nothing is pending: one ``zmq.EVENTS`` check and one length comparison per frame.
"""

from __future__ import annotations

import hmac
import threading
from typing import Any, Callable

PEEK = "peek"


def peek_supported(kernel: Any) -> bool:
    """ipykernel 6 layout: one shell stream read by the main thread into ``kernel.msg_queue``."""
    if kernel is None or getattr(kernel, "shell_channel_thread", None) is not None:
        return False
    stream = getattr(kernel, "shell_stream", None)
    queue = getattr(getattr(kernel, "msg_queue", None), "_queue", None)
    return (
        stream is not None
        and callable(getattr(stream, "flush", None))
        and getattr(stream, "socket", None) is not None
        and queue is not None
        and callable(getattr(kernel, "dispatch_shell", None))
        and getattr(kernel, "session", None) is not None
    )


class Peeker:
    """Reads (never takes) the comm messages waiting for the kernel's main thread."""

    def __init__(self, kernel: Any) -> None:
        import zmq

        self.kernel = kernel
        self._pollin = zmq.POLLIN
        self._events = zmq.EVENTS
        self._seen = -1  # message counter of the last queued message looked at
        self._observers: dict[str, Callable[[Any], None]] = {}
        self.main = threading.main_thread()

    def watch(self, comm_id: str, observe: Callable[[Any], None]) -> None:
        self._observers[comm_id] = observe

    def poll(self) -> None:
        """Look at messages queued since the last poll; call the observer of each of our comms."""
        if threading.current_thread() is not self.main:
            return  # the shell stream belongs to the main thread
        kernel = self.kernel
        try:
            stream = kernel.shell_stream
            if stream.socket.get(self._events) & self._pollin:
                stream.flush()  # the kernel's own reader moves them into its queue, in order
            queue = kernel.msg_queue._queue
            if not queue:
                return
            items = [item for item in list(queue) if item[0] > self._seen]
        except Exception:
            return
        for item in sorted(items, key=lambda it: it[0]):
            self._seen = item[0]
            try:
                self._look(item)
            except Exception:
                pass  # a message we cannot read is the kernel's business, not ours

    def _look(self, item: Any) -> None:
        _idx, dispatch, args = item
        if getattr(dispatch, "__func__", None) is not getattr(self.kernel.dispatch_shell, "__func__", object()):
            return
        session = self.kernel.session
        _idents, frames = session.feed_identities(args[0], copy=False)
        raw = [getattr(f, "bytes", f) for f in frames]
        if len(raw) < 5:
            return
        header = session.unpack(raw[1])
        if header.get("msg_type") != "comm_msg":
            return
        if session.auth is not None and not hmac.compare_digest(session.sign(raw[1:5]), raw[0]):
            return
        content = session.unpack(raw[4])
        observe = self._observers.get(content.get("comm_id"))
        if observe is not None:
            observe(content.get("data"))
