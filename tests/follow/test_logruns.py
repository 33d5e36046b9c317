"""Runs and writers in a log directory, the tag filter, and a follower feeding a plain sink."""

from __future__ import annotations

import time

import pytest
from _frameworks import require

require("tensorboard")

from test_follow import write_events  # noqa: E402

from lossplot_widget.follow.follower import Follower  # noqa: E402
from lossplot_widget.follow.logruns import Batch, LogDir, default_tags, tag_filter  # noqa: E402


def logdir(root, **kw) -> LogDir:
    kw.setdefault("settle", 0.0)
    return LogDir(str(root), accept=kw.pop("accept", default_tags), csv_globs=("*.csv",), corrupt_after=2.0, **kw)


def test_runs_are_directories_with_event_files_and_csv_logs_are_runs_too(tmp_path):
    now = time.time()
    write_events(tmp_path / "a" / "events.out.tfevents.1.h", [("loss", 0, 1.0, now)], start_wall=now)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "metrics.csv").write_text("step,loss\n0,1.0\n")
    (tmp_path / "top.csv").write_text("epoch,acc\n0,0.5\n")
    (tmp_path / "a" / "extra.csv").write_text("step,lr\n0,0.1\n")  # beside event files: marked
    logs = logdir(tmp_path)
    logs.scan()
    assert sorted(src.run for src in logs.events.values()) == ["a"]
    assert sorted(src.run for src in logs.csvs.values()) == ["a/extra[csv]", "b", "top"]
    batch, arrivals = logs.read(time.monotonic(), lambda err: None)
    assert sorted(batch) == [("a", "loss"), ("a/extra[csv]", "lr"), ("b", "loss"), ("top", "acc")]
    assert batch[("a", "loss")] == [(0, 0.0, now, 1.0)] and arrivals == [now]


def test_a_file_that_starts_after_the_old_one_ended_continues_its_writer(tmp_path):
    t = time.time() - 100
    write_events(tmp_path / "r" / "events.out.tfevents.1.h", [("loss", s, 1.0, t + s) for s in range(3)],
                 start_wall=t, age=50)
    write_events(tmp_path / "r" / "events.out.tfevents.2.h", [("loss", 2, 0.5, t + 60)], start_wall=t + 60)
    write_events(tmp_path / "r" / "events.out.tfevents.3.h", [("loss", 0, 9.0, t + 1.5)], start_wall=t + 1.5)
    logs = logdir(tmp_path)
    logs.scan()
    batch, _ = logs.read(time.monotonic(), lambda err: None)
    assert [w.prefix for w in logs.writers["r"]] == ["r", "r#2"]  # file 3 overlaps file 1: its own writer
    assert [p[3] for p in batch[("r", "loss")]] == [1.0, 1.0, 1.0, 0.5]
    assert [p[3] for p in batch[("r#2", "loss")]] == [9.0]


def test_tag_filter_forms():
    assert tag_filter(None)("loss") and not tag_filter(None)("epoch")
    assert tag_filter("^val_")("val_loss") and not tag_filter("^val_")("loss")
    assert tag_filter(["loss", "acc*"])("accuracy") and not tag_filter(["loss"])("val_loss")
    assert tag_filter(lambda tag: tag.endswith("x"))("max")
    with pytest.raises(TypeError, match="tags must be"):
        tag_filter([1, 2])


class Sink:
    """Not a widget: what a follower needs, and nothing more."""

    def __init__(self) -> None:
        self.batches: list[Batch] = []
        self.notes: list[str] = []
        self.frames = 0

    def ingest(self, batch: Batch) -> int:
        self.batches.append(batch)
        return sum(len(points) for points in batch.values())

    def note(self, text: str) -> None:
        self.notes.append(text)

    def request_frame(self) -> None:
        self.frames += 1


def test_a_follower_feeds_any_sink_and_stops_when_it_is_gone(tmp_path):
    now = time.time()
    write_events(tmp_path / "run" / "events.out.tfevents.1.h", [("loss", s, 1.0 / (s + 1), now) for s in range(5)],
                 start_wall=now)
    sink = Sink()
    f = Follower(sink, tmp_path, start=False, rescan=0.0)
    assert f.poll_once() == 5
    assert list(sink.batches[0]) == [("run", "loss")] and sink.frames == 1 and f.points == 5
    assert f.poll_once() == 0 and sink.frames == 1  # nothing new: no frame asked for
    del sink
    f.start()
    deadline = time.monotonic() + 5
    while f._thread is not None and f._thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not f.running  # the thread ended on its own: its sink is gone
