"""Test fixtures: a recording comm, so widgets can be built and counted without a kernel."""

from __future__ import annotations

from typing import Any

import comm
import pytest
from comm.base_comm import BaseComm


class RecordingComm(BaseComm):
    """A comm that records every message the widget layer publishes."""

    log: list[dict[str, Any]] = []

    def _reply_subshell_for(self, data: Any, default: Any) -> Any:
        """As ipykernel's comms (>= 7.4): which subshell handles a message from the page."""
        return default

    def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None, buffers: Any = None, **keys: Any) -> None:
        RecordingComm.log.append(
            {"comm_id": self.comm_id, "msg_type": msg_type, "data": data, "buffers": buffers or []}
        )


class Recorder:
    def __init__(self) -> None:
        RecordingComm.log = []

    @property
    def messages(self) -> list[dict[str, Any]]:
        return RecordingComm.log

    def clear(self) -> None:
        RecordingComm.log.clear()

    def updates(self, model_id: str | None = None) -> list[dict[str, Any]]:
        """State updates (``method == 'update'``), optionally for one widget's comm."""
        return [
            m
            for m in RecordingComm.log
            if m["msg_type"] == "comm_msg"
            and (m["data"] or {}).get("method") == "update"
            and (model_id is None or m["comm_id"] == model_id)
        ]


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    def create_comm(*args: Any, **kwargs: Any) -> BaseComm:
        return RecordingComm(*args, **kwargs)

    monkeypatch.setattr(comm, "create_comm", create_comm)
    return Recorder()
