"""Following log directories: live event files, restarts, several writers, CSV logs, corrupt records."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from _frameworks import require

require("tensorboard")

from tensorboard.compat.proto import event_pb2, summary_pb2  # noqa: E402

from lossplot_widget import LiveLossWidget  # noqa: E402
from lossplot_widget.follow.follower import Follower, default_tags  # noqa: E402
from lossplot_widget.follow.tbevents import CorruptRecordWarning, frame_record  # noqa: E402


def record(tag: str, step: int, value: float, wall: float) -> bytes:
    ev = event_pb2.Event(
        step=step, wall_time=wall,
        summary=summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)]),
    )
    return frame_record(ev.SerializeToString())


def header(wall: float) -> bytes:
    return frame_record(event_pb2.Event(wall_time=wall, file_version="brain.Event:2").SerializeToString())


def write_events(path, points, *, start_wall: float, age: float | None = None) -> None:
    """Write an event file: a file_version record then ``(tag, step, value, wall)`` points."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "ab") as f:
        if f.tell() == 0:
            f.write(header(start_wall))
        for tag, step, value, wall in points:
            f.write(record(tag, step, value, wall))
    if age is not None:  # make the file look finished a while ago
        t = time.time() - age
        os.utime(path, (t, t))


class followed:  # noqa: N801 - reads like the history it replaces
    """Every followed run's series as ``"<run>/<tag>"`` (how these tests name them)."""

    def __init__(self, w: LiveLossWidget) -> None:
        self.w = w

    @property
    def names(self) -> list[str]:
        return [f"{r}/{t}" for r, run in self.w.runs.items() for t in run.history.names]

    def _split(self, name: str):
        for r, run in self.w.runs.items():
            if name.startswith(r + "/") and name[len(r) + 1 :] in run.history:
                return run.history, name[len(r) + 1 :]
        raise KeyError(name)

    def __getitem__(self, name: str):
        h, tag = self._split(name)
        return h[tag]

    def __contains__(self, name: str) -> bool:
        try:
            self._split(name)
        except KeyError:
            return False
        return True


def drawn_steps(w: LiveLossWidget, name: str) -> list[int]:
    s = followed(w)[name]
    return np.concatenate([s.steps[a:b] for a, b in s.visible_ranges()]).tolist()


def manual(w: LiveLossWidget, logdir, **kw) -> Follower:
    """A follower polled by the test (no thread), for deterministic tests."""
    kw.setdefault("rescan", 0.0)  # look for new files on every poll
    f = Follower(w._follow_sink, logdir, start=False, **kw)
    w._followers.append(f)
    return f


# --------------------------------------------------------------------------- live


WRITER = textwrap.dedent(
    """
    import sys, time
    from torch.utils.tensorboard import SummaryWriter
    logdir, n = sys.argv[1], int(sys.argv[2])
    w = SummaryWriter(logdir)
    print("ready", flush=True)
    next_at = time.time()
    for step in range(n):
        w.add_scalar("train/loss", 1.0 / (step + 1), step)
        next_at += 0.01
        time.sleep(max(0.0, next_at - time.time()))
    w.close()
    """
)


@pytest.mark.parametrize("wake", [True, False], ids=["inotify", "polling"])
def test_follows_a_live_summarywriter_subprocess(tmp_path, wake):
    require("torch")
    n = 300  # 3 s of one scalar every 10 ms
    w = LiveLossWidget()
    handle = w.follow(tmp_path, poll=0.1, wake=wake)
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / "run1"), str(n)], stdout=subprocess.PIPE)
    try:
        assert proc.wait(timeout=120) == 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and handle.points < n:
            time.sleep(0.05)
    finally:
        handle.stop()
        proc.kill()
    s = followed(w)["run1/train/loss"]
    assert s.steps.tolist() == list(range(n))  # every point, in order
    np.testing.assert_allclose(s.values, 1.0 / (np.arange(n) + 1), rtol=1e-6)  # float32 on disk
    lat = handle.latency()
    assert lat["count"] == n
    print(f"\n[{'inotify' if wake else 'polling'}] arrival latency at poll=0.1 s: median {lat['median'] * 1e3:.1f} ms, p95 {lat['p95'] * 1e3:.1f} ms; "
          f"follower CPU {handle.cpu_seconds * 1e3:.1f} ms over {handle.polls} polls")


def test_new_runs_and_files_appear_while_following(tmp_path):
    w = LiveLossWidget()
    f = manual(w, tmp_path, rescan=0.0)
    assert f.poll_once() == 0
    write_events(str(tmp_path / "a" / "events.out.tfevents.1.h"), [("loss", 0, 1.0, 100.0)], start_wall=100.0)
    assert f.poll_once() == 1
    write_events(str(tmp_path / "b" / "c" / "events.out.tfevents.2.h"), [("val_loss", 3, 2.0, 101.0)],
                 start_wall=101.0)
    assert f.poll_once() == 1
    assert followed(w).names == ["a/loss", "b/c/val_loss"]
    # both overlay in one panel, under their tag's panel key
    from lossplot_widget.render.frame import FrameOptions

    frame = w._builder.build(FrameOptions(smoothing=0.0, groups=w._groups))
    assert {k: [(s.run, s.name) for s in v] for k, v in frame.panels.items()} == {"loss": [("a", "loss"), ("b/c", "val_loss")]}


def test_default_tag_filter_skips_bookkeeping_and_keeps_epoch_as_epoch(tmp_path):
    path = str(tmp_path / "r" / "events.out.tfevents.1.h")
    pts = []
    for step in range(6):
        pts += [("train_loss", step, 1.0 / (step + 1), 10.0 + step), ("epoch", step, float(step // 3), 10.0 + step)]
    pts.append(("hp_metric", 0, -1.0, 20.0))
    write_events(path, pts, start_wall=10.0)
    w = LiveLossWidget()
    manual(w, tmp_path).poll_once()
    assert followed(w).names == ["r/train_loss"]
    assert followed(w)["r/train_loss"].epochs.tolist() == [0, 0, 0, 1, 1, 1]
    assert not default_tags("epoch") and not default_tags("trainer/global_step") and default_tags("val_acc")
    w2 = LiveLossWidget()
    manual(w2, tmp_path, tags=["epoch", "train_*"]).poll_once()
    assert sorted(followed(w2).names) == ["r/epoch", "r/train_loss"]


# ------------------------------------------------------------------ restart, writers


def test_restarted_run_replaces_points_from_its_first_step(tmp_path):
    run = tmp_path / "run"
    first = [("loss", s, 1.0, 100.0 + s) for s in range(10)]
    write_events(str(run / "events.out.tfevents.100.h.1.0"), first, start_wall=100.0, age=60)
    second = [("loss", s, 2.0, 200.0 + s) for s in range(5, 15)]  # resumed from a checkpoint at step 5
    write_events(str(run / "events.out.tfevents.200.h.2.0"), second, start_wall=200.0, age=30)
    w = LiveLossWidget()
    manual(w, tmp_path).poll_once()
    assert followed(w).names == ["run/loss"]  # one series, not two
    s = followed(w)["run/loss"]
    assert len(s) == 20  # nothing lost: both attempts are in the history
    assert drawn_steps(w, "run/loss") == list(range(15))  # drawn: no zig-zag
    drawn_values = np.concatenate([s.values[a:b] for a, b in s.visible_ranges()])
    assert drawn_values.tolist() == [1.0] * 5 + [2.0] * 10


def test_live_restart_waits_for_the_old_file_to_settle(tmp_path):
    run = tmp_path / "run"
    now = time.time()
    write_events(str(run / "events.out.tfevents.1.h.1.0"), [("loss", s, 1.0, now - 5 + s * 0.1) for s in range(10)],
                 start_wall=now - 5)  # mtime: just now
    w = LiveLossWidget()
    f = manual(w, tmp_path, settle=0.5)
    f.poll_once()
    write_events(str(run / "events.out.tfevents.2.h.2.0"), [("loss", s, 2.0, now + s * 0.1) for s in range(5, 8)],
                 start_wall=now)
    f.poll_once()
    assert len(followed(w)["run/loss"]) == 10  # undecided: the first file was written moments ago
    time.sleep(0.6)
    f.poll_once()
    assert followed(w).names == ["run/loss"]
    assert drawn_steps(w, "run/loss") == [0, 1, 2, 3, 4, 5, 6, 7]


def test_simultaneous_writers_stay_separate_series(tmp_path):
    run = tmp_path / "run"
    a = str(run / "events.out.tfevents.100.h.11.0")
    b = str(run / "events.out.tfevents.100.h.12.0")
    w = LiveLossWidget()
    f = manual(w, tmp_path, settle=30.0)
    for step in range(20):  # interleaved, as two processes write
        write_events(a, [("loss", step, 1.0, 100.0 + step)], start_wall=100.0)
        write_events(b, [("loss", step, 2.0, 100.05 + step)], start_wall=100.01)
        f.poll_once()
    assert sorted(followed(w).names) == ["run#2/loss", "run/loss"]
    for name, value in (("run/loss", 1.0), ("run#2/loss", 2.0)):
        s = followed(w)[name]
        assert s.steps.tolist() == list(range(20)) and set(s.values.tolist()) == {value}
        assert s.restarts == []


def test_two_finished_writers_read_later_stay_separate(tmp_path):
    run = tmp_path / "run"
    write_events(str(run / "events.out.tfevents.1.h.1.0"), [("loss", s, 1.0, 100.0 + s) for s in range(10)],
                 start_wall=100.0, age=60)
    write_events(str(run / "events.out.tfevents.1.h.2.0"), [("loss", s, 2.0, 100.5 + s) for s in range(10)],
                 start_wall=100.2, age=60)
    w = LiveLossWidget()
    manual(w, tmp_path).poll_once()
    assert sorted(followed(w).names) == ["run#2/loss", "run/loss"]


# ------------------------------------------------------------------ damaged files


def test_half_written_record_is_picked_up_next_poll(tmp_path):
    path = str(tmp_path / "r" / "events.out.tfevents.1.h")
    write_events(path, [("loss", 0, 1.0, 10.0)], start_wall=10.0)
    rec = record("loss", 1, 0.5, 11.0)
    with open(path, "ab") as fh:
        fh.write(rec[:9])
    w = LiveLossWidget()
    f = manual(w, tmp_path)
    f.poll_once()
    assert followed(w)["r/loss"].steps.tolist() == [0]
    with open(path, "ab") as fh:
        fh.write(rec[9:])
    f.poll_once()
    assert followed(w)["r/loss"].steps.tolist() == [0, 1]
    assert f.errors == [] and w._notes == []


def test_corrupt_record_is_reported_and_following_goes_on(tmp_path):
    path = str(tmp_path / "r" / "events.out.tfevents.1.h")
    write_events(path, [("loss", 0, 1.0, 10.0)], start_wall=10.0)
    bad = bytearray(record("loss", 1, 0.5, 11.0))
    bad[-1] ^= 0x55  # data checksum
    with open(path, "ab") as fh:
        fh.write(bytes(bad) + record("loss", 2, 0.25, 12.0))
    w = LiveLossWidget()
    f = manual(w, tmp_path, corrupt_after=0.0)
    with pytest.warns(CorruptRecordWarning, match="corrupt record"):
        f.poll_once()
    assert followed(w)["r/loss"].steps.tolist() == [0, 2]
    assert len(f.corrupt) == 1 and "events.out.tfevents.1.h" in f.corrupt[0].path
    assert len(w._notes) == 1 and "corrupt record" in w._notes[0]
    from lossplot_widget.render.frame import FrameOptions
    from lossplot_widget.view.summary import render_notes

    html = render_notes(w._builder.build(FrameOptions(smoothing=0.0)), w._notes)
    assert "corrupt record" in html and "byte" in html


# ----------------------------------------------------------------------------- CSV


def test_csv_rewritten_with_a_wider_header_is_reread_without_duplicates(tmp_path):
    """What Lightning's CSVLogger does when a metric appears: the whole file again, one more column."""
    path = tmp_path / "v0" / "metrics.csv"
    path.parent.mkdir()
    path.write_text("epoch,step,train_loss\n0,0,1.0\n0,1,0.5\n")
    w = LiveLossWidget()
    f = manual(w, tmp_path)
    assert f.poll_once() == 2
    path.write_text("epoch,step,train_loss,val_loss\n0,0,1.0,\n0,1,0.5,\n0,1,,0.7\n")  # same size class, new header
    assert f.poll_once() == 1
    path.write_text("epoch,step,train_loss,val_loss\n0,0,1.0,\n0,1,0.5,\n0,1,,0.7\n1,2,0.25,\n1,3,0.")  # appended
    f.poll_once()
    assert followed(w)["v0/train_loss"].steps.tolist() == [0, 1, 2]
    assert followed(w)["v0/val_loss"].values.tolist() == [0.7]
    assert followed(w)["v0/train_loss"].restarts == []


def test_lightning_csv_rewrite_is_followed_without_duplicates(tmp_path):
    loggers = require("lightning.pytorch.loggers")
    logger = loggers.CSVLogger(str(tmp_path), name="csv", flush_logs_every_n_steps=1)
    w = LiveLossWidget()
    f = manual(w, tmp_path)
    for step in range(3):
        logger.log_metrics({"train_loss": 1.0 / (step + 1), "epoch": 0}, step=step)
        logger.save()
    assert f.poll_once() == 3
    size_before = os.path.getsize(logger.experiment.metrics_file_path)
    # a new metric: Lightning rewrites the whole file with a wider header
    logger.log_metrics({"val_loss": 0.9, "epoch": 0}, step=2)
    logger.log_metrics({"train_loss": 0.2, "epoch": 1}, step=3)
    logger.save()
    with open(logger.experiment.metrics_file_path) as fh:
        assert "val_loss" in fh.readline()
    assert os.path.getsize(logger.experiment.metrics_file_path) > size_before
    f.poll_once()
    assert followed(w)["csv/version_0/train_loss"].steps.tolist() == [0, 1, 2, 3]
    assert followed(w)["csv/version_0/val_loss"].steps.tolist() == [2]
    assert followed(w)["csv/version_0/train_loss"].epochs.tolist() == [0, 0, 0, 1]
    assert f.logs.csvs[logger.experiment.metrics_file_path].tail.rewrites == 1


def test_csv_half_written_line_and_truncated_restart(tmp_path):
    """Keras' CSVLogger format; a half-written last line waits; a truncated file is a new run."""
    path = tmp_path / "training.csv"
    path.write_text("epoch,loss,val_loss\n0,0.9,1.0\n1,0.8")
    w = LiveLossWidget()
    f = manual(w, tmp_path)
    f.poll_once()
    assert followed(w)["training/loss"].steps.tolist() == [0]
    with open(path, "a") as fh:
        fh.write(",0.95\n")
    f.poll_once()
    assert followed(w)["training/loss"].values.tolist() == [0.9, 0.8]
    assert followed(w)["training/val_loss"].values.tolist() == [1.0, 0.95]
    path.write_text("epoch,loss,val_loss\n0,0.7,0.75\n")  # fit() again: Keras truncates and starts over
    f.poll_once()
    assert followed(w)["training/loss"].values.tolist() == [0.9, 0.8, 0.7]
    assert drawn_steps(w, "training/loss") == [0]  # the new run replaces the old one when drawn


def test_keras_csvlogger_is_followed(tmp_path):
    os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras 3 would otherwise look for TensorFlow
    keras = require("keras")
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    w = LiveLossWidget()
    f = manual(w, tmp_path)
    seen = []

    class Poll(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            f.poll_once()
            seen.append(len(followed(w)["keras/loss"]) if "keras/loss" in followed(w) else 0)

    log = keras.callbacks.CSVLogger(str(tmp_path / "keras.csv"))
    model.fit(x, y, validation_split=0.25, epochs=4, verbose=0, callbacks=[log, Poll()])
    f.poll_once()
    assert followed(w)["keras/loss"].steps.tolist() == [0, 1, 2, 3]
    assert len(followed(w)["keras/val_loss"]) == 4
    assert seen[-1] >= 3  # rows arrived while fit() was running


# ---------------------------------------------------------------------- lifecycle


def test_closing_the_widget_stops_following(tmp_path):
    w = LiveLossWidget()
    handle = w.follow(tmp_path, poll=0.05)
    assert handle.running
    w.close()
    assert not handle.running
    write_events(str(tmp_path / "late" / "events.out.tfevents.1.h"), [("loss", 0, 1.0, 1.0)], start_wall=1.0)
    time.sleep(0.2)
    assert "late/loss" not in followed(w)


def test_follow_with_a_view_draws_runs_in_one_panel(tmp_path, recorder):
    for i, run in enumerate(["a", "b"]):
        write_events(str(tmp_path / run / "events.out.tfevents.1.h"),
                     [("loss", s, float(i + s), 10.0 + s) for s in range(5)], start_wall=10.0)
    w = LiveLossWidget()
    _ = w.widget
    f = manual(w, tmp_path)
    f.poll_once()
    w.flush()
    panel = w._view.panels["loss"]
    assert list(panel.series) == [("a", "loss"), ("b", "loss")]  # one run per run directory
    assert list(w.runs) == ["a", "b"] and {r.status for r in w.runs.values()} == {"followed"}
    colors = [panel.series[n].raw.colors[0] for n in panel.series]
    assert len(set(colors)) == 2
    assert [m.raw.labels for m in panel.series.values()] == [["a"], ["b"]]  # the legend names runs
    assert panel.marks("loss", run="b").raw.y.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    # time is relative to each run's own first event
    assert w.runs["b"].history["loss"].times.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    # a validation tag of a followed run is dashed beside the training curves
    write_events(str(tmp_path / "a" / "events.out.tfevents.1.h"), [("val_loss", 4, 0.5, 20.0)], start_wall=10.0)
    f.poll_once()
    w.flush()
    assert list(panel.series) == [("a", "loss"), ("b", "loss"), ("a", "val_loss")]
    assert panel.marks("val_loss", run="a").raw.line_style == "dashed"
    assert panel.marks("loss", run="a").raw.line_style == "solid"
    assert panel.marks("val_loss", run="a").raw.colors == panel.marks("loss", run="a").raw.colors


# ------------------------------------------------------------------ Lightning DDP

DDP_SCRIPT = textwrap.dedent(
    """
    import sys, time
    import torch
    import lightning as L
    from lightning.pytorch.loggers import TensorBoardLogger

    class Tiny(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(4, 1)

        def training_step(self, batch, _):
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.lin(x), y)
            self.log("train_loss", loss)
            time.sleep(0.1)  # long enough to watch it live
            return loss

        def validation_step(self, batch, _):
            x, y = batch
            self.log("val_loss", torch.nn.functional.mse_loss(self.lin(x), y), sync_dist=True)

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.05)

    if __name__ == "__main__":
        torch.manual_seed(0)
        x = torch.randn(256, 4)
        data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, x.sum(1, keepdim=True)), batch_size=8)
        trainer = L.Trainer(
            accelerator="cpu", devices=2, strategy="ddp", max_epochs=3, limit_train_batches=10, limit_val_batches=2,
            log_every_n_steps=1, logger=TensorBoardLogger(sys.argv[1], name="ddp"), enable_checkpointing=False,
            enable_progress_bar=False, enable_model_summary=False,
        )
        trainer.fit(Tiny(), data, data)
    """
)


def test_lightning_ddp_run_is_followed_to_one_clean_curve(tmp_path):
    """Two CPU processes (DDP, gloo); Lightning's TensorBoardLogger writes from rank zero only."""
    require("lightning")
    script = tmp_path / "train_ddp.py"
    script.write_text(DDP_SCRIPT)
    logdir = tmp_path / "logs"
    w = LiveLossWidget()
    handle = w.follow(logdir, poll=0.1)
    proc = subprocess.Popen([sys.executable, str(script), str(logdir)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, cwd=tmp_path)
    seen_while_running = 0
    try:
        while proc.poll() is None:
            seen_while_running = handle.points
            time.sleep(0.1)
        out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
        assert proc.returncode == 0, out[-3000:]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and handle.points < 33:
            time.sleep(0.05)
    finally:
        handle.stop()
        proc.kill()
    assert "Starting with 2 processes" in out  # really two processes
    assert sorted(followed(w).names) == ["ddp/version_0/train_loss", "ddp/version_0/val_loss"]  # one writer
    train = followed(w)["ddp/version_0/train_loss"]
    assert train.steps.tolist() == list(range(30))  # 3 epochs x 10 steps, one clean curve
    assert train.restarts == [] and np.isfinite(train.values).all()
    assert train.epochs.tolist() == [0.0] * 10 + [1.0] * 10 + [2.0] * 10
    assert len(followed(w)["ddp/version_0/val_loss"]) == 3
    assert seen_while_running > 0  # it arrived live, not only at the end


def test_dirwatch_wakes_on_writes_new_files_and_wake(tmp_path):
    from lossplot_widget.follow.inotify import DirWatch

    watch = DirWatch()
    if not watch.available:
        pytest.skip("inotify is Linux-only")  # elsewhere the follower polls, covered by the tests above
    try:
        assert watch.add(str(tmp_path))
        assert watch.wait(0.01) == "timeout"
        (tmp_path / "events.out.tfevents.1.h").write_bytes(b"x")
        assert watch.wait(1.0) == "created"
        with open(tmp_path / "events.out.tfevents.1.h", "ab") as fh:
            fh.write(b"y")
        assert watch.wait(1.0) == "change"
        watch.wake()
        assert watch.wait(1.0) == "wake"
    finally:
        watch.close()


def test_a_read_that_ends_before_the_steps_epoch_waits_for_it(tmp_path, monkeypatch):
    """Lightning writes a step's ``epoch`` after its metrics; a poll can fall between the two."""
    from lossplot_widget.follow import logruns

    path = str(tmp_path / "run" / "events.out.tfevents.1.host")
    wall = time.time()
    write_events(path, [], start_wall=wall)
    for s in range(3):
        write_events(path, [("train_loss", s, 1.0, wall), ("epoch", s, 0.0, wall)], start_wall=wall)
    w = LiveLossWidget()
    f = manual(w, tmp_path)
    f.poll_once()
    write_events(path, [("train_loss", 3, 0.5, wall)], start_wall=wall)  # epoch 1 begins; its record is late
    f.poll_once()
    assert len(followed(w)["run/train_loss"]) == 3  # held back, waiting for the epoch
    write_events(path, [("epoch", 3, 1.0, wall)], start_wall=wall)
    f.poll_once()
    assert followed(w)["run/train_loss"].epochs.tolist() == [0.0, 0.0, 0.0, 1.0]
    # a step whose epoch never comes is released after EPOCH_WAIT
    monkeypatch.setattr(logruns, "EPOCH_WAIT", 0.0)
    write_events(path, [("train_loss", 4, 0.25, wall)], start_wall=wall)
    f.poll_once()
    f.poll_once()
    assert followed(w)["run/train_loss"].steps.tolist() == [0, 1, 2, 3, 4]


def test_a_logdir_with_hundreds_of_tags_is_sectioned_like_logged_metrics(tmp_path, recorder):
    """TensorBoard-style tags ``grad_norm/<param>`` of two runs: one folded section, nothing of it built, every
    point kept; opening it shows a page of panels, each drawing both runs."""
    tags = [f"grad_norm/layer{i:03d}" for i in range(200)]
    for k, run in enumerate(("a", "b")):
        points = [(t, s, float(k + i + s), 10.0 + s) for s in range(3) for i, t in enumerate(["loss", *tags])]
        write_events(str(tmp_path / run / "events.out.tfevents.1.h"), points, start_wall=10.0)
    w = LiveLossWidget()
    w.widget
    f = manual(w, tmp_path)
    assert f.poll_once() == 2 * 201 * 3
    w.flush()
    view = w._view
    assert list(view.panels) == ["loss"] and list(view.headers) == ["grad_norm"]
    (section,) = w._build().sections
    assert (section.panels, section.metrics, section.open) == (200, 200, False)
    assert followed(w)["b/grad_norm/layer199"].values.tolist() == [201.0, 202.0, 203.0]  # k + i + s, i = 200
    view.toggle_section("grad_norm")
    assert len(view.panels) == 13
    assert sorted(view.panels["grad_norm/layer000"].series) == [("a", "grad_norm/layer000"), ("b", "grad_norm/layer000")]
