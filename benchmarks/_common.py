"""Shared helpers for the benchmark scripts: a recording comm (no browser), tables, machine facts."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

import comm
from comm.base_comm import BaseComm

os.environ.setdefault("MPLBACKEND", "Agg")


class RecordingComm(BaseComm):
    """Counts what the widget layer would send to the browser (bytes of binary buffers, messages)."""

    messages = 0
    buffer_bytes = 0

    def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None, buffers: Any = None, **keys: Any) -> None:
        RecordingComm.messages += 1
        RecordingComm.buffer_bytes += sum(memoryview(b).nbytes for b in (buffers or []))

    @classmethod
    def reset(cls) -> None:
        cls.messages = 0
        cls.buffer_bytes = 0


def make_step(d_in: int, hidden: int, batch: int) -> Any:
    """One SGD step of a ``d_in``-``hidden``-``hidden``-1 MLP on a fixed batch (torch, seeded); returns the loss."""
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(d_in, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, 1),
    )
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    x, y = torch.randn(batch, d_in), torch.randn(batch, 1)

    def step() -> Any:
        loss = torch.nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def install_recording_comm() -> None:
    """Make every widget created from now on talk to a :class:`RecordingComm`."""
    comm.create_comm = lambda *a, **k: RecordingComm(*a, **k)


class _Sent:
    """What the serializing comm of :func:`install_kernel_comm` sent: bytes (every part) and messages."""

    def __init__(self) -> None:
        self.bytes = 0
        self.messages = 0

    def reset(self) -> None:
        self.bytes = self.messages = 0


SENT = _Sent()


def install_kernel_comm() -> None:
    """Every widget from now on talks to a comm that serializes its messages as a kernel's session does
    (counted in :data:`SENT`)."""
    from jupyter_client.session import Session

    session = Session(key=b"benchmark-key")

    class SerializingComm(BaseComm):
        def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None, buffers: Any = None,
                        **keys: Any) -> None:
            content = dict(data=data or {}, comm_id=self.comm_id, **keys)
            msg = session.msg(msg_type, content=content, metadata=metadata or {})
            parts = session.serialize(msg)
            parts.extend(memoryview(b).tobytes() for b in (buffers or []))
            SENT.bytes += sum(len(p) for p in parts)
            SENT.messages += 1

    comm.create_comm = lambda *a, **k: SerializingComm(*a, **k)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-markdown table (also readable as plain text)."""
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _fmt(c: Any) -> str:
    if isinstance(c, float):
        if c != c:
            return "–"
        if abs(c) >= 100:
            return f"{c:,.0f}"
        return f"{c:.3g}" if abs(c) < 10 else f"{c:.1f}"
    if isinstance(c, int):
        return f"{c:,}"
    return str(c)


def machine() -> str:
    """One paragraph: CPU, cores, memory, load, Python and library versions, and a speed reference."""
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    try:
        import psutil

        mem = f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM"
    except ImportError:
        mem = "RAM unknown"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    versions = []
    for mod in ("numpy", "bqplot", "ipywidgets", "torch", "livelossplot", "matplotlib", "tsdownsample"):
        try:
            versions.append(f"{mod} {__import__(mod).__version__}")
        except Exception:
            pass
    # a fixed pure-Python workload, to compare this machine with others
    start = time.process_time()
    for _ in range(20):
        sum(range(100_000))
    ref = (time.process_time() - start) / 20 * 1e3
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs, {mem}, load average {load:.1f} at start; "
        f"{platform.system()} {platform.release()}; Python {sys.version.split()[0]}; " + ", ".join(versions)
        + f". Reference: `sum(range(100_000))` takes {ref:.2f} ms of CPU here."
    )


def time_frames(w: Any, frames: int, before: Any) -> dict[str, Any]:
    """Draw ``frames`` frames of displayed widget ``w`` on a :class:`RecordingComm`, calling ``before(i)``
    first each time (log a point); per frame: build and build + send seconds, buffer bytes, messages."""
    builder, view = w._builder, w._view
    out: dict[str, Any] = {"build": [], "total": [], "bytes": [], "messages": [], "frame": None}
    for i in range(frames):
        before(i)
        RecordingComm.reset()
        options = w._options()
        t0 = time.perf_counter()
        frame = builder.build(options)
        t1 = time.perf_counter()
        view.apply(frame)
        t2 = time.perf_counter()
        out["build"].append(t1 - t0)
        out["total"].append(t2 - t0)
        out["bytes"].append(RecordingComm.buffer_bytes)
        out["messages"].append(RecordingComm.messages)
        out["frame"] = frame
    return out
