"""Peeking (ipykernel 6 and 7.0-7.3): read waiting comm messages without taking or recording them."""

from __future__ import annotations

import threading
import types

from lossplot_widget.control.peek import Peeker, peek_supported


def test_peeking_reads_a_signed_comm_message_without_recording_its_signature():
    """The fallback must never make the kernel reject a message as a duplicate later."""
    import zmq
    from jupyter_client.session import Session

    session = Session(key=b"secret")
    kernel = types.SimpleNamespace(session=session, shell_channel_thread=None)
    peeker = Peeker(kernel)
    seen = []
    peeker.watch("stop-id", seen.append)

    def wire(msg_type, content, key=b"secret"):
        signer = Session(key=key)
        msg = signer.msg(msg_type, content)
        return [zmq.Frame(part) for part in [b"ident", *signer.serialize(msg)]]  # as the kernel reads them

    click = {"method": "custom", "content": {"event": "click"}}
    peeker._look_frames(wire("comm_msg", {"comm_id": "stop-id", "data": click}))
    peeker._look_frames(wire("comm_msg", {"comm_id": "other", "data": click}))
    peeker._look_frames(wire("execute_request", {"code": "1"}))
    peeker._look_frames(wire("comm_msg", {"comm_id": "stop-id", "data": click}, key=b"forged"))
    assert seen == [click]
    assert not session.digest_history  # the kernel will still accept every one of these messages


def test_peek_is_not_offered_outside_a_known_kernel_layout():
    assert not peek_supported(None)
    assert not peek_supported(types.SimpleNamespace(session=object(), shell_channel_thread=None))




class RecordingKernel:
    """A kernel that records every attribute read on it (the type's ``__getattribute__``, so Python calls it)."""

    shell_channel_thread = None  # the ipykernel 6 layout: poll() would read shell_stream and msg_queue

    def __init__(self) -> None:
        object.__setattr__(self, "touched", [])
        object.__setattr__(self, "session", object())

    def __getattribute__(self, name: str):
        if name != "touched":
            object.__getattribute__(self, "touched").append(name)
        return object.__getattribute__(self, name)

    @property
    def shell_stream(self):
        raise AssertionError("the shell stream was read")  # poll() swallows this; `touched` still shows the read


def test_poll_on_the_main_thread_reads_the_kernel():
    """The control for the test below: the recording kernel does see what poll() reads."""
    assert threading.current_thread() is threading.main_thread()
    kernel = RecordingKernel()
    Peeker(kernel).poll()
    assert "shell_channel_thread" in kernel.touched and "shell_stream" in kernel.touched


def test_poll_off_the_main_thread_touches_nothing():
    kernel = RecordingKernel()
    peeker = Peeker(kernel)
    assert kernel.touched == []  # building the peeker reads nothing either
    returned, errors = [], []

    def poll_in_thread():
        try:
            returned.append(peeker.poll())
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    t = threading.Thread(target=poll_in_thread, daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), "poll() off the main thread did not return"
    if errors:
        raise errors[0]
    assert returned == [None]
    assert kernel.touched == []
