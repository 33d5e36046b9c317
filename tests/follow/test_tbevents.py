"""The incremental TensorBoard event reader, checked against tensorboard's own reader."""

from __future__ import annotations

import os
import struct

import numpy as np
import pytest
from _frameworks import require

require("tensorboard")

from tensorboard.backend.event_processing.event_file_loader import EventFileLoader  # noqa: E402
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2  # noqa: E402
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c as tb_masked_crc32c  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402

from lossplot_widget.follow.tbevents import (  # noqa: E402
    DT_DOUBLE,
    DT_FLOAT,
    DT_HALF,
    EventFileReader,
    Scalar,
    frame_record,
    masked_crc32c,
)


def simple_event(tag: str, step: int, value: float, wall: float = 1.0) -> bytes:
    ev = event_pb2.Event(
        step=step, wall_time=wall,
        summary=summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)]),
    )
    return frame_record(ev.SerializeToString())


def tensor_event(tag: str, step: int, tensor: tensor_pb2.TensorProto, plugin: str | None = "scalars") -> bytes:
    value = summary_pb2.Summary.Value(tag=tag, tensor=tensor)
    if plugin is not None:
        value.metadata.plugin_data.plugin_name = plugin
    ev = event_pb2.Event(step=step, wall_time=2.0, summary=summary_pb2.Summary(value=[value]))
    return frame_record(ev.SerializeToString())


def scalar_shape() -> tensor_shape_pb2.TensorShapeProto:
    return tensor_shape_pb2.TensorShapeProto()


def write(path: str, data: bytes, mode: str = "ab") -> None:
    with open(path, mode) as f:
        f.write(data)


def test_masked_crc32c_matches_tensorboard():
    rng = np.random.default_rng(0)
    for n in (0, 1, 7, 8, 9, 63, 64, 1000):
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        assert masked_crc32c(data) == tb_masked_crc32c(data)


def test_reads_only_new_bytes(tmp_path):
    path = str(tmp_path / "events.out.tfevents.1.host")
    write(path, simple_event("loss", 0, 1.0))
    reader = EventFileReader(path)
    assert reader.read_new() == [Scalar("loss", 0, 1.0, 1.0)]
    assert reader.read_new() == []
    offset = reader.offset
    assert offset == os.path.getsize(path)
    write(path, simple_event("loss", 1, 0.5) + simple_event("acc", 1, 0.25))
    assert [(s.tag, s.step, s.value) for s in reader.read_new()] == [("loss", 1, 0.5), ("acc", 1, 0.25)]
    assert reader.offset > offset


@pytest.mark.parametrize("cut", [1, 5, 11, 12, 20, -5, -1])
def test_half_written_record_is_read_next_time(tmp_path, cut):
    path = str(tmp_path / "events.out.tfevents.1.host")
    first, second = simple_event("loss", 0, 1.0), simple_event("loss", 1, 0.5)
    write(path, first + second[:cut])
    reader = EventFileReader(path)
    assert [s.step for s in reader.read_new()] == [0]
    assert reader.offset == len(first)  # waits at the start of the partial record
    assert reader.errors == []
    write(path, second[cut:])
    assert [s.step for s in reader.read_new()] == [1]
    assert reader.errors == []


def test_corrupt_record_is_reported_and_skipped(tmp_path):
    path = str(tmp_path / "events.out.tfevents.1.host")
    records = [simple_event("loss", i, float(i)) for i in range(4)]
    bad = bytearray(records[1])
    bad[14] ^= 0xFF  # a byte of the data: the data checksum fails
    write(path, records[0] + bytes(bad) + records[2] + records[3])
    reader = EventFileReader(path, corrupt_after=10.0)
    # first it waits: the bytes may still be landing (shared filesystems)
    assert [s.step for s in reader.read_new(now=0.0)] == [0]
    assert reader.errors == []
    assert reader.read_new(now=5.0) == []
    # past the window: reported, skipped, and the rest of the file is read
    assert [s.step for s in reader.read_new(now=10.5)] == [2, 3]
    assert len(reader.errors) == 1
    err = reader.errors[0]
    assert err.offset == len(records[0]) and err.skipped == len(records[1])
    assert reader.offset == os.path.getsize(path)


def test_corrupt_header_at_the_end_resyncs_when_more_arrives(tmp_path):
    path = str(tmp_path / "events.out.tfevents.1.host")
    good = simple_event("loss", 0, 0.0)
    write(path, good + b"\x07" * 30)  # garbage with no valid record after it yet
    reader = EventFileReader(path, corrupt_after=0.0)
    assert [s.step for s in reader.read_new()] == [0]
    assert len(reader.errors) == 1 and reader.errors[0].skipped == 0  # reported, nothing to skip to yet
    assert reader.read_new() == []  # no growth: not rescanned
    write(path, simple_event("loss", 1, 1.0))
    assert [s.step for s in reader.read_new()] == [1]
    assert reader.errors[0].skipped == 30


def test_zeros_replaced_by_real_bytes_are_not_corruption(tmp_path):
    """NFS can show a file's new size (zeros) before its bytes land."""
    path = str(tmp_path / "events.out.tfevents.1.host")
    first, second = simple_event("loss", 0, 1.0), simple_event("loss", 1, 0.5)
    write(path, first + b"\0" * len(second))
    reader = EventFileReader(path, corrupt_after=1.0)
    assert [s.step for s in reader.read_new(now=0.0)] == [0]
    with open(path, "r+b") as f:
        f.seek(len(first))
        f.write(second)
    assert [s.step for s in reader.read_new(now=0.5)] == [1]
    assert reader.errors == []


def test_tensor_encodings(tmp_path):
    path = str(tmp_path / "events.out.tfevents.1.host")
    half_bits = int(np.array([0.5], dtype=np.float16).view(np.uint16)[0])
    tensors = {
        "float_val": tensor_pb2.TensorProto(dtype=DT_FLOAT, tensor_shape=scalar_shape(), float_val=[0.25]),
        "double_val": tensor_pb2.TensorProto(dtype=DT_DOUBLE, tensor_shape=scalar_shape(), double_val=[0.125]),
        "half_val": tensor_pb2.TensorProto(dtype=DT_HALF, tensor_shape=scalar_shape(), half_val=[half_bits]),
        "content_f4": tensor_pb2.TensorProto(
            dtype=DT_FLOAT, tensor_shape=scalar_shape(), tensor_content=np.float32(1.5).tobytes()
        ),
        "content_f8": tensor_pb2.TensorProto(
            dtype=DT_DOUBLE, tensor_shape=scalar_shape(), tensor_content=np.float64(2.5).tobytes()
        ),
        "content_f2": tensor_pb2.TensorProto(
            dtype=DT_HALF, tensor_shape=scalar_shape(), tensor_content=np.float16(3.5).tobytes()
        ),
    }
    data = b"".join(tensor_event(tag, 7, t) for tag, t in tensors.items())
    one_elem = tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=1)])
    data += tensor_event("shape1", 7, tensor_pb2.TensorProto(dtype=DT_FLOAT, tensor_shape=one_elem, float_val=[4.0]))
    # not scalars: a histogram-plugin tensor, a two-element tensor, a string tensor
    data += tensor_event("hist", 7, tensor_pb2.TensorProto(dtype=DT_FLOAT, float_val=[1.0]), plugin="histograms")
    two = tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=2)])
    data += tensor_event("pair", 7, tensor_pb2.TensorProto(dtype=DT_FLOAT, tensor_shape=two, float_val=[1, 2]))
    data += tensor_event("text", 7, tensor_pb2.TensorProto(dtype=7, string_val=[b"hi"]), plugin="text")
    write(path, data)
    got = {s.tag: s.value for s in EventFileReader(path).read_new()}
    assert got == {
        "float_val": 0.25, "double_val": 0.125, "half_val": 0.5, "content_f4": 1.5, "content_f8": 2.5,
        "content_f2": 3.5, "shape1": 4.0,
    }


def tensorboard_scalars(path: str) -> list[tuple[str, int, float]]:
    """Scalars as tensorboard's own loader (with its data migration) reads them."""
    out = []
    for event in EventFileLoader(path).Load():
        for v in event.summary.value:
            if v.metadata.plugin_data.plugin_name not in ("scalars", "") or not v.HasField("tensor"):
                continue
            arr = tensor_util.make_ndarray(v.tensor)
            if arr.size == 1 and arr.dtype.kind == "f":
                out.append((v.tag, event.step, float(arr.reshape(-1)[0])))
    return out


def test_matches_tensorboard_reader_on_summarywriter_output(tmp_path):
    torch_tb = require("torch.utils.tensorboard")
    writer = torch_tb.SummaryWriter(str(tmp_path))
    rng = np.random.default_rng(1)
    for step in range(200):
        writer.add_scalar("train/loss", float(rng.normal()), step)
        if step % 10 == 0:
            writer.add_scalars("cmp", {"a": float(step), "b": -float(step)}, step)
            writer.add_histogram("weights", rng.normal(size=10), step)
    writer.close()
    paths = sorted(str(p) for p in tmp_path.rglob("events.out.tfevents.*"))
    assert len(paths) == 3  # add_scalars writes one file per sub-tag
    for path in paths:
        ours = [(s.tag, s.step, s.value) for s in EventFileReader(path).read_new()]
        theirs = tensorboard_scalars(path)
        assert ours == theirs
        assert len(ours) > 0


def test_matches_tensorboard_reader_on_tensor_scalars(tmp_path):
    path = str(tmp_path / "events.out.tfevents.2.host")
    values = np.linspace(-1, 1, 50)
    write(path, b"".join(
        tensor_event("loss", i, tensor_pb2.TensorProto(dtype=DT_DOUBLE, tensor_shape=scalar_shape(), double_val=[v]),
                     plugin="scalars" if i == 0 else None)  # metadata only with the first value, as TF2 writes
        for i, v in enumerate(values)
    ))
    ours = [(s.tag, s.step, s.value) for s in EventFileReader(path).read_new()]
    assert ours == tensorboard_scalars(path)
    assert [v for _, _, v in ours] == values.tolist()


def test_huge_length_is_not_awaited_forever(tmp_path):
    """A corrupt length field must not make the reader wait for gigabytes that never come."""
    path = str(tmp_path / "events.out.tfevents.1.host")
    good = simple_event("loss", 0, 0.0)
    header = struct.pack("<Q", 2**40)
    write(path, good + header + struct.pack("<I", 12345) + b"x" * 20 + simple_event("loss", 1, 1.0))
    reader = EventFileReader(path, corrupt_after=0.0)
    assert [s.step for s in reader.read_new()] == [0, 1]
    assert len(reader.errors) == 1


def test_truncated_file_is_read_again_from_the_start(tmp_path):
    path = str(tmp_path / "events.out.tfevents.1.host")
    write(path, simple_event("loss", 0, 1.0) + simple_event("loss", 1, 0.5))
    reader = EventFileReader(path)
    assert len(reader.read_new()) == 2
    write(path, simple_event("loss", 0, 2.0), mode="wb")  # the same name, written anew
    assert [(s.step, s.value) for s in reader.read_new()] == [(0, 2.0)]
    assert reader.truncations == 1
