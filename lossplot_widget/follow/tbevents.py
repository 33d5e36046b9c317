"""Read scalars from TensorBoard event files incrementally, without TensorFlow.

An event file is a sequence of TFRecords::

    uint64 length | uint32 masked_crc32c(length) | data[length] | uint32 masked_crc32c(data)

(little-endian); each ``data`` is a serialized ``tensorboard.compat.proto.event_pb2.Event``.
:class:`EventFileReader` keeps a byte offset per file and, on each :meth:`~EventFileReader.read_new`,
reads only the bytes written since the last call and returns the scalars of every complete record.

- A half-written last record (fewer bytes than its header promises) is left alone and read
  on a later call, once complete.
- A record whose checksum fails is first retried: shared filesystems can show a file's new size
  before its bytes (zeros). If it still fails ``corrupt_after`` seconds later it is reported
  (:attr:`EventFileReader.errors`, and a :class:`CorruptRecordWarning` from the follower) and
  **skipped**: the reader resynchronizes at the next offset where a record with two valid checksums
  starts, so the rest of the file is still read. Nothing is silently stalled on.
- Scalars come in two encodings, both read: ``simple_value`` (torch, tensorboardX, TF1) and a
  one-element tensor (``float_val``/``double_val``/``half_val`` or ``tensor_content``, dtype
  float, double or half; TF2/Keras), for the ``scalars`` plugin or for tensors without a plugin.

The protobuf classes come from the ``tensorboard`` package (``pip install lossplot-widget[follow]``).

>>> import io, os, tempfile
>>> from tensorboard.compat.proto import event_pb2, summary_pb2
>>> ev = event_pb2.Event(step=3, wall_time=1.0, summary=summary_pb2.Summary(
...     value=[summary_pb2.Summary.Value(tag="loss", simple_value=0.5)]))
>>> path = os.path.join(tempfile.mkdtemp(), "events.out.tfevents.1.host")
>>> with open(path, "wb") as f:
...     _ = f.write(frame_record(ev.SerializeToString()))
>>> EventFileReader(path).read_new()
[Scalar(tag='loss', step=3, wall_time=1.0, value=0.5)]
"""

from __future__ import annotations

import struct
import time
from typing import Any, NamedTuple

import numpy as np

from .tail import FileTail

__all__ = [
    "CorruptRecord", "CorruptRecordWarning", "EventFileReader", "Scalar", "frame_record", "is_event_file",
    "masked_crc32c",
]

#: event files as TensorBoard names them (``tfevents`` in the file name)
EVENT_FILE_MARK = "tfevents"
_HEADER = 12  # u64 length + u32 crc
_FOOTER = 4
_MAX_RECORD = 256 * 2**20  # a larger length is a corrupt header, not a record

# TensorFlow dtype enum values (tensorboard/compat/proto/types.proto)
DT_FLOAT, DT_DOUBLE, DT_HALF = 1, 2, 19


def _crc_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc_table()


def _crc32c_py(data: bytes) -> int:
    """CRC-32C (Castagnoli), table-driven, pure Python."""
    crc = 0xFFFFFFFF
    table = _TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


try:  # a C implementation, if the user happens to have one; not a dependency
    import google_crc32c as _gcrc  # type: ignore[import-not-found,unused-ignore]

    def crc32c(data: bytes) -> int:
        """CRC-32C of ``data`` (``google_crc32c`` when installed)."""
        return int(_gcrc.value(bytes(data)))

except ImportError:  # pragma: no cover - depends on the environment
    crc32c = _crc32c_py


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC-32C: rotate right by 15 bits and add a constant.

    >>> hex(masked_crc32c(b""))
    '0xa282ead8'
    """
    x = crc32c(data)
    return (((x >> 15) | (x << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame_record(data: bytes) -> bytes:
    """One TFRecord around ``data`` (for tests and tools)."""
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", masked_crc32c(header)) + data + struct.pack("<I", masked_crc32c(data))


class Scalar(NamedTuple):
    """One scalar point read from an event file."""

    tag: str
    step: int
    wall_time: float
    value: float


class CorruptRecord(NamedTuple):
    """A record that failed its checksum for good, and what was skipped."""

    path: str
    offset: int
    skipped: int  # bytes skipped to the next valid record (0 while none found yet)
    reason: str


class CorruptRecordWarning(UserWarning):
    """Raised as a warning when an event file holds a record that fails its checksum."""


def _tensor_scalar(t: Any) -> float | None:
    """The value of a one-element float/double/half ``TensorProto``, else ``None``."""
    dims = t.tensor_shape.dim
    if any(d.size != 1 for d in dims):
        return None
    dtype = t.dtype
    if dtype == DT_FLOAT:
        if t.float_val:
            return float(t.float_val[0]) if len(t.float_val) == 1 else None
        raw, np_dtype = t.tensor_content, "<f4"
    elif dtype == DT_DOUBLE:
        if t.double_val:
            return float(t.double_val[0]) if len(t.double_val) == 1 else None
        raw, np_dtype = t.tensor_content, "<f8"
    elif dtype == DT_HALF:
        if t.half_val:  # int32 fields holding the IEEE half bit pattern
            bits = np.array([t.half_val[0]], dtype=np.uint16)
            return float(bits.view(np.float16)[0]) if len(t.half_val) == 1 else None
        raw, np_dtype = t.tensor_content, "<f2"
    else:
        return None
    arr = np.frombuffer(raw, dtype=np_dtype)
    return float(arr[0]) if arr.size == 1 else None


class EventFileReader:
    """Incremental reader of one event file.

    Parameters
    ----------
    path : str
        The event file.
    corrupt_after : float
        Seconds a failing checksum is retried before the record is declared corrupt and skipped.
    """

    def __init__(self, path: str, corrupt_after: float = 2.0) -> None:
        from tensorboard.compat.proto import event_pb2

        self._event_cls = event_pb2.Event
        self.path = path
        self.file = FileTail(path)
        self.corrupt_after = corrupt_after
        self.records = 0
        self.first_wall_time: float | None = None
        self.last_wall_time: float | None = None
        self.errors: list[CorruptRecord] = []
        self._bad_since: float | None = None  # monotonic time the record at ``offset`` first failed
        self._resyncing = False
        self._plugins: dict[str, str] = {}  # tag -> plugin name (metadata comes with a tag's first value)

    @property
    def offset(self) -> int:
        """Bytes read and parsed so far (the start of the first record not read yet)."""
        return self.file.offset

    @property
    def truncations(self) -> int:
        """Times the file shrank below what was read (then read again from the start)."""
        return self.file.restarts

    @property
    def mtime(self) -> float:
        return self.file.mtime

    def read_new(self, now: float | None = None) -> list[Scalar]:
        """Scalars of every complete record written since the last call (``[]`` if none)."""
        # re-read unchanged bytes only while a failing record waits for its retry window
        buf = self.file.read(again=self._bad_since is not None)
        if self.file.restarted:  # truncated or replaced: start over
            self._bad_since, self._resyncing = None, False
        if not buf:
            return []
        return self._parse(buf, time.monotonic() if now is None else now)

    def _parse(self, buf: bytes, now: float) -> list[Scalar]:
        out: list[Scalar] = []
        pos, end = 0, len(buf)
        unpack_from = struct.unpack_from
        while end - pos >= _HEADER:
            (length,) = unpack_from("<Q", buf, pos)
            (hcrc,) = unpack_from("<I", buf, pos + 8)
            ok = masked_crc32c(buf[pos : pos + 8]) == hcrc and length <= _MAX_RECORD
            if ok and end - pos < _HEADER + length + _FOOTER:
                break  # half-written: wait for the rest
            if ok:
                data = buf[pos + _HEADER : pos + _HEADER + length]
                (dcrc,) = unpack_from("<I", buf, pos + _HEADER + length)
                ok = masked_crc32c(data) == dcrc
            if not ok:
                skip = self._on_bad(buf, pos, now)
                if skip is None:
                    break  # retry later (maybe the bytes are still landing)
                pos += skip
                continue
            self._bad_since = None
            pos += _HEADER + length + _FOOTER
            self.records += 1
            out.extend(self._scalars(data))
        self.file.advance(pos)
        return out

    def _on_bad(self, buf: bytes, pos: int, now: float) -> int | None:
        """Bytes to skip past a bad record at ``pos``, or ``None`` to wait and retry."""
        if not self._resyncing:
            if self._bad_since is None:
                self._bad_since = now
            if now - self._bad_since < self.corrupt_after:
                return None
            self._resyncing = True
            self.errors.append(
                CorruptRecord(
                    self.path, self.file.offset + pos, 0, "checksum mismatch; skipping to the next valid record"
                )
            )
        skip = _next_valid(buf, pos + 1)
        if skip is None:
            self._bad_since = None  # no valid record after it yet: search again when more bytes arrive
            return None
        self._resyncing = False
        self._bad_since = None
        last = self.errors[-1]
        self.errors[-1] = last._replace(skipped=skip - pos)
        return skip - pos

    def _scalars(self, data: bytes) -> list[Scalar]:
        ev = self._event_cls.FromString(data)
        wall = ev.wall_time
        if self.first_wall_time is None:
            self.first_wall_time = wall
        self.last_wall_time = wall
        if not ev.HasField("summary"):
            return []
        out = []
        for v in ev.summary.value:
            tag = v.tag
            if v.HasField("metadata") and v.metadata.plugin_data.plugin_name:
                self._plugins[tag] = v.metadata.plugin_data.plugin_name
            kind = v.WhichOneof("value")
            if kind == "simple_value":
                out.append(Scalar(tag, ev.step, wall, float(v.simple_value)))
            elif kind == "tensor" and self._plugins.get(tag, "scalars") == "scalars":
                value = _tensor_scalar(v.tensor)
                if value is not None:
                    out.append(Scalar(tag, ev.step, wall, value))
        return out


def _next_valid(buf: bytes, start: int) -> int | None:
    """The first offset >= ``start`` where a complete record with valid checksums starts."""
    unpack_from = struct.unpack_from
    for pos in range(start, len(buf) - _HEADER - _FOOTER + 1):
        (length,) = unpack_from("<Q", buf, pos)
        if length > _MAX_RECORD or pos + _HEADER + length + _FOOTER > len(buf):
            continue
        if masked_crc32c(buf[pos : pos + 8]) != unpack_from("<I", buf, pos + 8)[0]:
            continue
        data = buf[pos + _HEADER : pos + _HEADER + length]
        if masked_crc32c(data) == unpack_from("<I", buf, pos + _HEADER + length)[0]:
            return pos
    return None


def is_event_file(name: str) -> bool:
    """True for TensorBoard event file names (``events.out.tfevents.*``)."""
    return EVENT_FILE_MARK in name and not name.endswith((".tmp", ".swp"))
