"""The shared file tail and the CSV log reader built on it."""

from __future__ import annotations

import os

from lossplot_widget.follow.csvtail import CsvTail
from lossplot_widget.follow.tail import FileTail


def write(path, text: str, mode: str = "a") -> None:
    with open(path, mode) as f:
        f.write(text)


def test_file_tail_reads_only_what_is_new_and_keeps_the_unconsumed_part(tmp_path):
    path = tmp_path / "log.bin"
    tail = FileTail(str(path))
    assert tail.read() is None  # missing file
    write(path, "abc", "w")
    assert tail.read() == b"abc"
    tail.advance(2)  # 'c' is a half-written record
    assert tail.read() is None  # nothing changed
    assert tail.read(again=True) == b"c"  # a reader that wants to retry
    write(path, "def")
    assert tail.read() == b"cdef" and tail.restarts == 0


def test_file_tail_restarts_on_truncation_and_on_a_changed_head(tmp_path):
    path = tmp_path / "log.bin"
    write(path, "header\nrow1\n", "w")
    tail = FileTail(str(path))
    tail.advance(len(tail.read() or b""))
    write(path, "hdr\n", "w")  # shorter than what was read: truncated
    assert tail.read() == b"hdr\n" and tail.restarts == 1 and tail.restarted
    tail.advance(4)
    write(path, "HDR\nrow\n", "w")  # same head length, other bytes, longer: rewritten
    assert tail.read(head=b"hdr\n") == b"HDR\nrow\n" and tail.restarts == 2 and tail.restarted
    assert tail.read() is None and not tail.restarted


def test_csv_rows_come_once_complete(tmp_path):
    path = tmp_path / "metrics.csv"
    write(path, "epoch,loss\n0,1.5\n1,1.", "w")
    tail = CsvTail(str(path))
    assert tail.read_new() == [{"epoch": "0", "loss": "1.5"}]
    assert tail.read_new() == []
    write(path, "25\n")
    assert tail.read_new() == [{"epoch": "1", "loss": "1.25"}]
    assert tail.header == ["epoch", "loss"] and tail.rewrites == 0


def test_csv_rewritten_with_a_wider_header_returns_only_new_rows(tmp_path):
    path = tmp_path / "metrics.csv"
    write(path, "step,loss\n0,1.0\n1,0.9\n", "w")
    tail = CsvTail(str(path))
    assert len(tail.read_new()) == 2
    write(path, "step,loss,val_loss\n0,1.0,\n1,0.9,\n1,,0.95\n", "w")  # Lightning's rewrite
    assert tail.read_new() == [{"step": "1", "loss": "", "val_loss": "0.95"}]
    assert tail.rewrites == 1 and tail.header == ["step", "loss", "val_loss"]


def test_csv_whose_earlier_rows_changed_starts_over_from_the_first_difference(tmp_path):
    path = tmp_path / "log.csv"
    write(path, "epoch,loss\n0,1.0\n1,0.8\n", "w")
    tail = CsvTail(str(path))
    tail.read_new()
    write(path, "epoch,loss\n", "w")  # a second fit(): Keras' CSVLogger truncates the file ...
    assert tail.read_new() == [] and tail.rewrites == 1
    write(path, "0,1.0\n1,0.7\n2,0.6\n")  # ... and writes its epochs again
    assert [r["loss"] for r in tail.read_new()] == ["0.7", "0.6"]


def test_csv_missing_file_is_not_an_error(tmp_path):
    tail = CsvTail(os.fspath(tmp_path / "nope.csv"))
    assert tail.read_new() == [] and tail.header is None
