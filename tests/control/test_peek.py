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




def test_poll_off_the_main_thread_touches_nothing():
    touched = []
    kernel = types.SimpleNamespace(session=object(), shell_channel_thread=None)
    kernel.__dict__["shell_stream"] = property(lambda self: touched.append(1))  # would record a read
    peeker = Peeker(kernel)
    t = threading.Thread(target=peeker.poll)
    t.start()
    t.join(5)
    assert touched == []
