"""Lightning callback and logger with a real Trainer on CPU: exact values, x = the loggers' step, panels,
resume; the logger equals CSVLogger, and next to the callback logs each point once."""

from __future__ import annotations

import types

import pytest
from _frameworks import require

torch = require("torch")
pl = require("lightning.pytorch")

from _lightning import StopAt  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from lossplot_widget import LiveLossWidget  # noqa: E402
from lossplot_widget.lightning import LiveLossCallback, LiveLossLogger  # noqa: E402

TRAIN_BATCHES = 4


def loaders():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 3, generator=g)
    y = (x @ torch.tensor([1.0, -2.0, 0.5]) > 0).long()
    ds = TensorDataset(x, y)
    return DataLoader(ds, batch_size=8), DataLoader(ds, batch_size=16)


class Module(pl.LightningModule):
    def __init__(self, log_metrics=True):
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Linear(3, 2)
        self.log_metrics = log_metrics
        self.seen_loss, self.seen_val = [], []

    def training_step(self, batch, batch_idx):
        x, y = batch
        logits = self.net(x)
        loss = torch.nn.functional.cross_entropy(logits, y)
        self.seen_loss.append(float(loss.detach()))  # the reference for the test (a sync is fine here)
        if self.log_metrics:
            self.log("train_loss", loss)
            self.log("train_acc", (logits.argmax(1) == y).float().mean(), on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self.net(x)
        loss = torch.nn.functional.cross_entropy(logits, y)
        self.seen_val.append(float(loss))
        self.log("val_loss", loss)
        self.log("val_acc", (logits.argmax(1) == y).float().mean())

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.5, momentum=0.9)


class ValRecorder(pl.Callback):
    """Lightning's own end-of-validation values, for comparison."""

    def __init__(self):
        self.values = []

    def on_validation_end(self, trainer, pl_module):
        if not trainer.sanity_checking:
            self.values.append({k: float(v) for k, v in trainer.callback_metrics.items() if k.startswith("val_")})


def trainer(max_epochs, callbacks, **kw):
    return pl.Trainer(
        max_epochs=max_epochs, limit_train_batches=TRAIN_BATCHES, limit_val_batches=2, accelerator="cpu",
        enable_progress_bar=False, enable_model_summary=False, callbacks=callbacks,
        **{"enable_checkpointing": False, "logger": False, **kw},
    )


def col(w, name, key="value"):
    return w.history.to_dict()[name][key]


def test_fit_logs_steps_and_validation_exactly(recorder):
    w = LiveLossWidget()
    w.widget
    module, rec = Module(), ValRecorder()
    trainer(2, [LiveLossCallback(w), rec]).fit(module, *loaders())
    steps = list(range(2 * TRAIN_BATCHES))  # x = the step Lightning's loggers write: optimizer steps before
    assert col(w, "train_loss", "step") == steps
    assert col(w, "train_loss") == module.seen_loss
    assert col(w, "train_loss", "epoch") == [0.0] * TRAIN_BATCHES + [1.0] * TRAIN_BATCHES
    assert col(w, "train_acc", "step") == steps  # on_step and on_epoch: the step values under the plain name
    assert "loss" not in w.history  # train_loss already fills the loss panel
    # validation once per epoch, at the epoch's last step, exactly Lightning's values
    assert col(w, "val_loss", "step") == [TRAIN_BATCHES - 1, 2 * TRAIN_BATCHES - 1]
    assert col(w, "val_loss", "epoch") == [0.0, 1.0]
    assert col(w, "val_loss") == [v["val_loss"] for v in rec.values]
    assert col(w, "val_acc") == [v["val_acc"] for v in rec.values]
    sanity = 2  # the sanity check's 2 batches are not logged
    assert col(w, "val_loss")[0] == pytest.approx(sum(module.seen_val[sanity : sanity + 2]) / 2, rel=1e-6)
    # the epoch mean of train_acc as its own series, at the epoch ends
    assert col(w, "train_acc_epoch", "step") == [TRAIN_BATCHES - 1, 2 * TRAIN_BATCHES - 1]
    panels = {title: {m for _r, m in p.series} for title, p in w._view.panels.items()}
    assert panels == {
        "loss": {"train_loss", "val_loss"}, "acc": {"train_acc", "val_acc"}, "acc_epoch": {"train_acc_epoch"},
    }
    assert (w.progress.total, w.progress.done) == (2 * TRAIN_BATCHES, 2 * TRAIN_BATCHES)
    assert w._view.progress.bar.value == 2 * TRAIN_BATCHES


def test_returned_loss_when_the_module_logs_nothing():
    cb = LiveLossCallback()
    module = Module(log_metrics=False)
    trainer(1, [cb]).fit(module, *loaders())
    w = cb.widget  # created at train start
    assert col(w, "loss", "step") == [0, 1, 2, 3]
    assert col(w, "loss") == module.seen_loss
    assert sorted(w.history.names) == ["loss", "val_acc", "val_loss"]


def test_gradient_accumulation_one_point_per_optimizer_step():
    cb = LiveLossCallback()
    module = Module()
    trainer(2, [cb], accumulate_grad_batches=2).fit(module, *loaders())
    w = cb.widget
    assert col(w, "train_loss", "step") == [0, 1, 2, 3]
    assert col(w, "train_loss") == module.seen_loss[1::2]  # the batch that completed each step
    assert col(w, "val_loss", "step") == [1, 3]
    assert w.progress.total == 4


def test_resume_from_checkpoint_continues_the_same_curves(tmp_path):
    ref = LiveLossCallback()
    trainer(4, [ref]).fit(Module(), *loaders())

    first = LiveLossCallback()
    ckpt = pl.callbacks.ModelCheckpoint(dirpath=tmp_path, save_last=True)
    trainer(2, [first, ckpt], enable_checkpointing=True).fit(Module(), *loaders())
    before = first.widget.history.to_dict()

    resumed = LiveLossCallback()  # a new process would start with a new callback and widget
    trainer(4, [resumed, pl.callbacks.ModelCheckpoint(dirpath=tmp_path / "resumed")], enable_checkpointing=True).fit(
        Module(), *loaders(), ckpt_path=str(tmp_path / "last.ckpt")
    )
    after = resumed.widget.history.to_dict()
    expected = ref.widget.history.to_dict()
    assert list(after) == list(expected)
    for name in expected:
        n = len(before[name]["step"])
        # restored exactly: steps, epochs, times and values of the first run
        for key in ("step", "epoch", "time", "value"):
            assert after[name][key][:n] == before[name][key], (name, key)
        # and the resumed run continues the same curves as an uninterrupted one
        assert after[name]["step"] == expected[name]["step"]
        assert after[name]["epoch"] == expected[name]["epoch"]
        assert after[name]["value"] == pytest.approx(expected[name]["value"], rel=1e-6, abs=1e-7)
        # time keeps going forward across the resume
        assert after[name]["time"][n:] == sorted(after[name]["time"][n:])
        assert not n < len(after[name]["time"]) or after[name]["time"][n] >= before[name]["time"][-1]
    assert after["train_loss"]["step"] == list(range(4 * TRAIN_BATCHES))


def test_resume_into_the_same_widget_replaces_the_superseded_points(tmp_path, recorder):
    w = LiveLossWidget(smoothing=0.0)
    w.widget
    ckpt = pl.callbacks.ModelCheckpoint(dirpath=tmp_path, save_top_k=-1, filename="{epoch}")
    trainer(2, [LiveLossCallback(w), ckpt], enable_checkpointing=True).fit(Module(), *loaders())
    # resume from the end of epoch 0 (after step 3) in the same process, into the same widget
    trainer(3, [LiveLossCallback(w), pl.callbacks.ModelCheckpoint(dirpath=tmp_path / "b")],
            enable_checkpointing=True).fit(Module(), *loaders(), ckpt_path=str(tmp_path / "epoch=0.ckpt"))
    assert len(w.history["train_loss"]) == 8 + 8  # everything logged is kept
    w.flush()
    drawn = w._view.panels["loss"].marks("train_loss").raw.x.tolist()
    assert drawn == list(range(3 * TRAIN_BATCHES))  # steps 4..7 drawn once: the resumed points


def test_steps_equal_those_lightning_csv_logger_writes(tmp_path):
    w = LiveLossWidget()
    logger = pl.loggers.CSVLogger(tmp_path, name="run", flush_logs_every_n_steps=1)
    trainer(3, [LiveLossCallback(w)], logger=logger, log_every_n_steps=1).fit(Module(), *loaders())
    written = {name: [(step, value) for step, _, value in points] for name, points in read_csv_logger(logger).items()}
    assert set(written) == {"train_loss", "train_acc_step", "train_acc_epoch", "val_loss", "val_acc"}
    for name, points in written.items():
        mine = "train_acc" if name == "train_acc_step" else name
        steps, values = zip(*points)
        assert col(w, mine, "step") == list(steps), name  # the same x for the same value
        assert col(w, mine) == pytest.approx(values, rel=1e-6), name


def test_only_global_rank_zero_logs():
    cb = LiveLossCallback()
    other_rank = types.SimpleNamespace(
        is_global_zero=False, global_step=1, current_epoch=0, sanity_checking=False, estimated_stepping_batches=4,
        callback_metrics={"val_loss": torch.tensor(1.0)},
    )
    cb.on_train_start(other_rank, None)
    cb.on_train_batch_end(other_rank, None, {"loss": torch.tensor(0.5)}, None, 0)
    cb.on_validation_end(other_rank, None)
    cb.on_train_epoch_end(other_rank, None)
    cb.on_train_end(other_rank, None)
    assert cb.widget is None and cb.state_dict() == {}


def test_pytorch_lightning_namespace():
    ptl = require("pytorch_lightning")
    from lossplot_widget.pytorch_lightning import LiveLossCallback as PTLCallback

    cb = PTLCallback()
    m = _ptl_module(ptl)  # the same hooks, driven by the pytorch_lightning Trainer
    ptl.Trainer(
        max_epochs=1, limit_train_batches=2, limit_val_batches=1, enable_progress_bar=False, logger=False,
        enable_checkpointing=False, enable_model_summary=False, callbacks=[cb],
    ).fit(m, *loaders())
    assert col(cb.widget, "loss", "step") == [0, 1]
    assert col(cb.widget, "loss") == m.seen_loss


def _ptl_module(ptl):
    class PTLModule(ptl.LightningModule):
        training_step = Module.training_step
        validation_step = Module.validation_step
        configure_optimizers = Module.configure_optimizers

        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.net = torch.nn.Linear(3, 2)
            self.log_metrics = False
            self.seen_loss, self.seen_val = [], []

    return PTLModule()


def test_each_fit_is_a_run_named_or_fresh_and_an_exception_fails_it():
    w = LiveLossWidget()
    trainer(1, [LiveLossCallback(w, run="adam")]).fit(Module(), *loaders())
    trainer(1, [LiveLossCallback(w)]).fit(Module(), *loaders())
    assert list(w.runs) == ["adam", "run-2"]
    assert [r.status for r in w.runs.values()] == ["finished", "finished"]
    assert w.runs["run-2"].history["train_loss"].steps.tolist() == list(range(TRAIN_BATCHES))

    class Boom(Module):
        def training_step(self, batch, batch_idx):
            if batch_idx == 2:
                raise RuntimeError("boom")
            return super().training_step(batch, batch_idx)

    with pytest.raises(RuntimeError, match="boom"):
        trainer(1, [LiveLossCallback(w, run="boom")]).fit(Boom(), *loaders())
    assert w.runs["boom"].status == "failed" and w.runs["boom"].error == "RuntimeError: boom"


# ---------------------------------------------------------------------------------------------- LiveLossLogger
class HparamsModule(Module):
    """Module with hyperparameters (``save_hyperparameters``) and a metric merely named ``..._step``."""

    def __init__(self, lr=0.5, opt={"name": "sgd", "momentum": 0.9}, fail_at=None):  # noqa: B006
        super().__init__()
        self.save_hyperparameters()
        self.fail_at = fail_at

    def training_step(self, batch, batch_idx):
        if batch_idx == self.fail_at:
            raise RuntimeError("boom")
        self.log("opt_step", float(self.global_step))  # on_step only: no fork, keeps its name
        return super().training_step(batch, batch_idx)


def read_csv_logger(logger):
    """What CSVLogger wrote: {name: [(step, epoch, value)]}."""
    import csv

    with open(logger.log_dir + "/metrics.csv") as f:
        rows = list(csv.DictReader(f))
    written = {}
    for row in rows:
        for name, value in row.items():
            if name not in ("step", "epoch") and value != "":
                written.setdefault(name, []).append((int(row["step"]), float(row["epoch"]), float(value)))
    return written


def test_logger_writes_what_csv_logger_writes(tmp_path):
    w = LiveLossWidget()
    csv_logger = pl.loggers.CSVLogger(tmp_path, name="run", flush_logs_every_n_steps=1)
    live = LiveLossLogger(w)
    assert isinstance(live, pl.loggers.Logger) and (live.name, live.version) == ("lossplot", "run-1")
    # the live logger first: Lightning hands both loggers the same dict, which it must leave as it is
    trainer(2, [], logger=[live, csv_logger], log_every_n_steps=1).fit(HparamsModule(), *loaders())
    written = read_csv_logger(csv_logger)
    assert set(written) == {"train_loss", "train_acc_step", "train_acc_epoch", "opt_step", "val_loss", "val_acc"}
    # the forked per-step name is shown plainly; a name merely ending in _step keeps it
    shown = {"train_acc_step": "train_acc"}
    assert sorted(w.history.names) == sorted(shown.get(name, name) for name in written)
    for name, points in written.items():
        steps, epochs, values = (list(c) for c in zip(*points))
        mine = shown.get(name, name)
        assert col(w, mine, "step") == steps, name
        assert col(w, mine, "epoch") == epochs, name
        assert col(w, mine) == values, name  # exactly: the same floats Lightning wrote
    assert col(w, "train_loss", "epoch") == [0.0] * TRAIN_BATCHES + [1.0] * TRAIN_BATCHES
    run = live.current_run
    assert list(w.runs) == ["run-1"] and run is w.runs["run-1"] and live.version == "run-1"
    assert run.config == {"lr": 0.5, "opt/name": "sgd", "opt/momentum": 0.9, "fail_at": None}
    assert run.status == "finished"


def test_logger_without_log_graph_names_forks_from_the_first_epoch_end(tmp_path):
    """No trainer to ask (hyperparameter logging off, no callback): a fork is known once X_epoch arrived."""
    live = LiveLossLogger(run="no-graph")
    trainer(2, [], logger=live, log_every_n_steps=1, enable_autolog_hparams=False).fit(HparamsModule(), *loaders())
    w = live.widget  # made with the first metrics
    assert col(w, "train_acc_step", "step") == list(range(TRAIN_BATCHES))
    assert col(w, "train_acc", "step") == list(range(TRAIN_BATCHES, 2 * TRAIN_BATCHES))
    assert col(w, "opt_step", "step") == list(range(2 * TRAIN_BATCHES))
    assert list(w.runs) == ["no-graph"] and w.runs["no-graph"].config == {}


def test_logger_marks_a_failed_fit_failed():
    w = LiveLossWidget()
    live = LiveLossLogger(w, run="boom")
    with pytest.raises(RuntimeError, match="boom"):
        trainer(1, [], logger=live, log_every_n_steps=1).fit(HparamsModule(fail_at=2), *loaders())
    assert live.current_run.status == "failed" and live.current_run.error == "RuntimeError: boom"
    assert col(w, "train_loss", "step") == [0, 1]  # what was logged before stays


def test_logger_rejects_a_misspelled_keyword():
    with pytest.raises(TypeError, match=r"^LiveLossLogger\(\) got an unexpected keyword argument 'widgt'; did you mean 'widget'"):
        LiveLossLogger(widgt=LiveLossWidget())


def test_logger_and_callback_log_each_point_once(tmp_path):
    ref = LiveLossWidget()
    trainer(2, [], logger=LiveLossLogger(ref), log_every_n_steps=1).fit(HparamsModule(), *loaders())

    w = LiveLossWidget()
    live, cb = LiveLossLogger(), LiveLossCallback(w)  # the logger plots into the callback's widget
    trainer(2, [cb], logger=live, log_every_n_steps=1).fit(HparamsModule(), *loaders())
    assert live.widget is w and cb.current_run is live.current_run and list(w.runs) == ["run-1"]
    mine, expected = w.history.to_dict(), ref.history.to_dict()
    assert sorted(mine) == sorted(expected)  # no ``loss`` from the callback either
    for name in expected:
        assert mine[name]["step"] == expected[name]["step"], name  # each point once
        assert mine[name]["value"] == expected[name]["value"], name
    assert w.runs["run-1"].status == "finished"
    assert (w.progress.total, w.progress.done) == (2 * TRAIN_BATCHES, 2 * TRAIN_BATCHES)  # the callback's progress


def test_stop_through_the_callback_stops_the_loggers_run():
    w = LiveLossWidget()
    live, stopper = LiveLossLogger(w, run="stopped"), StopAt(w, 5)
    t = trainer(50, [LiveLossCallback(), stopper], logger=live, log_every_n_steps=1)
    t.fit(HparamsModule(), *loaders())
    # the logger, logging after the batch Stop was clicked in, stops the fit there (the callback would at the next)
    assert t.should_stop and int(t.global_step) == 5  # of 50 epochs x 4 batches
    assert list(w.runs) == ["stopped"] and live.current_run.status == "stopped"
    assert col(w, "train_loss", "step") == list(range(5))  # once each


def test_stop_reaches_a_fit_with_the_logger_alone():
    """Without the callback, Stop still ends the fit: the logger sets trainer.should_stop at its next step."""
    w = LiveLossWidget()
    live = LiveLossLogger(w, run="alone")
    t = trainer(50, [StopAt(w, 5)], logger=live, log_every_n_steps=1)
    t.fit(HparamsModule(), *loaders())
    assert t.should_stop and int(t.global_step) < 10  # of 50 epochs x 4 batches
    assert live.current_run.status == "stopped"


def test_pytorch_lightning_namespace_logger():
    ptl = require("pytorch_lightning")
    from lossplot_widget.pytorch_lightning import LiveLossLogger as PTLLogger

    live = PTLLogger(run="ptl")
    assert isinstance(live, ptl.loggers.Logger)
    m = _ptl_module(ptl)
    m.log_metrics = True
    ptl.Trainer(
        max_epochs=1, limit_train_batches=2, limit_val_batches=1, enable_progress_bar=False, logger=live,
        log_every_n_steps=1, enable_checkpointing=False, enable_model_summary=False,
    ).fit(m, *loaders())
    assert col(live.widget, "train_loss", "step") == [0, 1]
    assert col(live.widget, "train_loss") == m.seen_loss
    assert col(live.widget, "train_acc", "step") == [0, 1]  # the fork, named as with lightning.pytorch
    assert live.current_run.status == "finished"
