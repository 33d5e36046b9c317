"""Fallback delivery of Stop/Pause clicks where ipykernel has no routing hook: peek at pending messages.

While a cell blocks the main thread, a click waits for it. Every ``POLL_INTERVAL`` (main thread only,
from ``log()``) :meth:`Peeker.poll` lets the kernel's *own* reader take what is waiting, in order, exactly
as it does when the cell ends, and looks at each message on the way:

- ipykernel 6: the main thread reads the shell socket; ``shell_stream.flush()`` moves waiting messages
  into ``kernel.msg_queue`` (as the kernel does before aborting a queue), where they are read in place.
- ipykernel 7.0-7.3: the shell-channel thread forwards them to the main thread over an inproc socket;
  that socket's stream is flushed with its callback wrapped so each message is seen before the
  kernel's callback queues its handling (a task that runs once the cell yields, as it would anyway).

Only the header frame of each message is parsed, and the content frame only of ``comm_msg`` messages,
after checking the signature here. It never calls
``Session.deserialize`` (that records the signature, and the kernel would later reject the message as a
duplicate), never removes or reorders anything, and never dispatches: every message, ours included, is
handled later by the kernel in its original order (queued cells, execution counts, output routing and
abort-on-error are unchanged). Our buttons' late ``on_click`` is then recognised as already handled.

Cost when nothing is pending: one ``zmq.EVENTS`` check and one length comparison per frame.
"""

from __future__ import annotations

__all__ = ["Peeker", "peek_supported"]

import hmac
import threading
from collections.abc import Callable
from typing import Any


def _main_stream(kernel: Any) -> Any:
    """ipykernel 7.0-7.3: the main thread's end of the shell-channel -> main socket pair, or None."""
    manager = getattr(getattr(kernel, "shell_channel_thread", None), "manager", None)
    stream = getattr(getattr(manager, "_shell_channel_to_main", None), "to_stream", None)
    if stream is None or not callable(getattr(stream, "flush", None)) or not hasattr(stream, "_recv_callback"):
        return None
    return stream


def peek_supported(kernel: Any) -> bool:
    """A kernel layout this module knows (ipykernel 6, or 7.0-7.3)."""
    if kernel is None or getattr(kernel, "session", None) is None:
        return False
    if getattr(kernel, "shell_channel_thread", None) is not None:
        return _main_stream(kernel) is not None
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
            return  # these streams belong to the main thread
        stream = _main_stream(self.kernel)
        if stream is not None:
            self._poll_forwarded(stream)
        else:
            self._poll_queue()

    def _poll_forwarded(self, stream: Any) -> None:
        """ipykernel 7.0-7.3: let the stream hand waiting messages to the kernel, seeing each first."""
        try:
            if not stream.socket.get(self._events) & self._pollin:
                return
        except Exception:
            return
        original = stream._recv_callback

        def look_then_deliver(msg: Any) -> Any:
            try:
                self._look_frames(msg)
            except Exception:
                pass
            return original(msg)

        stream._recv_callback = look_then_deliver
        try:
            stream.flush()
        finally:
            stream._recv_callback = original

    def _poll_queue(self) -> None:
        """ipykernel 6: move waiting messages into the kernel's queue, then read the new ones there."""
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
        self._look_frames(args[0])

    def _look_frames(self, msg: Any) -> None:
        session = self.kernel.session
        _idents, frames = session.feed_identities(msg, copy=False)
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
