"""The Lightning callback's logic, shared by ``lossplot_widget.lightning`` (``lightning.pytorch``) and
``lossplot_widget.pytorch_lightning`` (the ``pytorch_lightning`` namespace). Imports neither."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.grouping import is_validation, panel_of
from ..core.keywords import strict_keywords
from ..core.runset import RUNNING, Run
from ..core.tracing import not_traced
from ..widget import LiveLossWidget
from .common import scalars, shown_widget
from .lightning_logger import LiveLossLoggerBase

__all__ = ["STATE_VERSION", "LiveLossMixin", "logger_step"]

#: 2: the state names its run (``"run"``); a version-1 state (no run) restores into a fresh run
STATE_VERSION = 2


def _results_metrics(trainer: Any, on_step: bool) -> dict[str, Any]:
    """What the active loop's LightningModule logged with ``self.log`` (step or epoch values).

    Lightning exposes only the union of everything ever logged (``trainer.callback_metrics``);
    the active loop's result collection tells what belongs to this step or epoch.
    """
    results = getattr(trainer, "_results", None)
    if results is None:
        return {}
    try:
        return dict(results.metrics(on_step)["callback"])
    except Exception:  # pragma: no cover - a Lightning version with another results API
        return {}


def logger_step(trainer: Any, epoch_end: bool = False) -> int:
    """The step Lightning's own loggers (``CSVLogger``, ``TensorBoardLogger``, ...) write for a value logged now.

    Lightning logs at the number of batches that stepped the optimizer *before* the current one
    (``fit_loop.epoch_loop._batches_that_stepped``, which its own ``LearningRateMonitor`` reads too): 0 for
    the first batch, and the epoch's last batch for validation and for ``on_train_epoch_end`` values (by then the
    counter has moved on: Lightning steps it back by one to log epoch metrics, and so does this).
    Without that counter (another Lightning version): ``global_step - 1``, the same with one optimizer.
    """
    loop = getattr(getattr(trainer, "fit_loop", None), "epoch_loop", None)
    stepped = getattr(loop, "_batches_that_stepped", None)
    if isinstance(stepped, int):
        return max(stepped - 1, 0) if epoch_end else stepped
    return max(int(trainer.global_step) - 1, 0)


def _dedupe(metrics: Mapping[str, Any], keep_suffix: str | None) -> dict[str, Any]:
    """Lightning forks ``self.log(name, on_step=True, on_epoch=True)`` into ``name_step`` /
    ``name_epoch`` and also reports ``name``: keep one of them.

    ``keep_suffix=None`` keeps ``name``; ``"_epoch"`` keeps ``name_epoch`` (so an epoch mean
    never lands in the per-step series of the same name)."""
    out = {}
    for name, value in metrics.items():
        for suffix in ("_step", "_epoch"):
            base = name[: -len(suffix)]
            if name.endswith(suffix) and base in metrics:
                if suffix == keep_suffix:
                    out[name] = value
                break
        else:
            if keep_suffix is None or name + keep_suffix not in metrics:
                out[name] = value
    return out


def _live_logger(trainer: Any, widget: LiveLossWidget | None) -> LiveLossLoggerBase | None:
    """The first ``LiveLossLogger`` of ``trainer.loggers`` that plots into ``widget`` (or into a widget yet to
    be chosen); ``None`` when there is none (a logger drawing into another widget is left alone)."""
    for logger in getattr(trainer, "loggers", None) or ():
        if isinstance(logger, LiveLossLoggerBase) and (
            widget is None or logger.widget is None or logger.widget is widget
        ):
            return logger
    return None


class LiveLossMixin:
    """Translate Lightning's hooks into ``log()`` calls (see ``lossplot_widget.lightning``).

    Next to a ``LiveLossLogger`` (in ``trainer.loggers``), the logger logs: the callback adopts its run (and its
    widget, when given none) and only does Stop/Pause and progress.
    """

    @strict_keywords
    def __init__(self, widget: LiveLossWidget | None = None, *, run: str | None = None) -> None:
        super().__init__()
        self.widget = widget
        #: the name of the run each ``fit`` logs into (``None``: a fresh ``run-N`` per fit; a resumed fit
        #: continues the run of its checkpoint)
        self.run_name = run
        #: the :class:`~lossplot_widget.core.run.Run` of the current (or last) fit
        self.current_run: Run | None = None
        self._pending: dict[str, Any] | None = None  # state from a checkpoint, until the fit starts
        self._last_step: int | None = None  # trainer.global_step at the last point (optimizer steps)
        self._logger: LiveLossLoggerBase | None = None  # the LiveLossLogger that logs this fit, if any

    # ----------------------------------------------------------------- widget
    def _ensure_widget(self) -> LiveLossWidget:
        self.widget = shown_widget(self.widget)
        return self.widget

    def _ensure_run(self) -> Run:
        if self.current_run is None or self.current_run.status != RUNNING:
            w = self._ensure_widget()
            pending, self._pending = self._pending, None
            name = self.run_name
            if pending is not None and pending.get("run"):
                name = str(pending["run"])  # a resumed fit continues the run of its checkpoint
            self.current_run = w.run(name)
            if pending is not None and pending.get("history") and not len(self.current_run.history):
                # a run that holds points (resumed in the same process) keeps them: the resumed
                # points replace the older ones from the step they restart at
                self.current_run.history.load_dict(pending["history"])  # later points continue the time axis
                w.flush()
        return self.current_run

    def _adopt(self, logger: LiveLossLoggerBase) -> LiveLossWidget:
        """Control the run of ``logger`` (a fit it logs): its widget, and a checkpoint's history if it has none."""
        pending, self._pending = self._pending, None
        self.current_run = run = logger.ensure_run()
        if pending is not None and pending.get("history") and not len(run.history):
            run.history.load_dict(pending["history"])  # a resumed fit continues the saved curves
        assert logger.widget is not None  # made by ensure_run
        self.widget = logger.widget
        return self.widget

    # ------------------------------------------------------------------ hooks
    def setup(self, trainer: Any, pl_module: Any, stage: str) -> None:
        """A ``LiveLossLogger`` of this fit plots into this callback's widget (given before it makes its own)."""
        logger = _live_logger(trainer, self.widget)
        if logger is not None and trainer.is_global_zero:
            if logger.widget is None:
                logger.widget = self.widget
            logger.bind_trainer(trainer)  # so it tells Lightning's forked names apart without log_graph

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        if not trainer.is_global_zero:
            return
        self._logger = _live_logger(trainer, self.widget)
        self.current_run = None
        if self._logger is not None:
            w = self._adopt(self._logger)
        else:
            w = self._ensure_widget()
            self._ensure_run()
        w.progress.done = int(trainer.global_step)
        w.set_total(trainer.estimated_stepping_batches)  # inf (no limit) hides the bar
        self._last_step = int(trainer.global_step)  # points come after optimizer steps

    @not_traced
    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        if not trainer.is_global_zero:
            return
        w = self._ensure_widget()
        if w.check_controls():  # the widget's Stop button (a Pause waits in here)
            trainer.should_stop = True
        step = int(trainer.global_step)
        w.progress.done = step
        if self._logger is not None:
            return  # the logger logs
        if self._last_step is not None and step <= self._last_step:
            return  # gradient accumulation: no optimizer step since the last point
        self._last_step = step
        values = _dedupe(scalars(_results_metrics(trainer, on_step=True)), keep_suffix=None)
        values = {k: v for k, v in values.items() if not is_validation(k)}
        loss = _loss_of(outputs)
        if loss is not None and "loss" not in values and not any(panel_of(k) == "loss" for k in values):
            values["loss"] = loss  # what training_step returned, unless a *loss metric is logged
        if values:
            self._ensure_run().log(values, step=logger_step(trainer), epoch=int(trainer.current_epoch))

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        if not trainer.is_global_zero:
            return
        w = self._ensure_widget()
        if self._logger is None:  # else the logger logs
            values = _dedupe(scalars(_results_metrics(trainer, on_step=False)), keep_suffix="_epoch")
            values = {k: v for k, v in values.items() if not is_validation(k)}
            if values:
                self._ensure_run().log(
                    values, step=logger_step(trainer, epoch_end=True), epoch=int(trainer.current_epoch)
                )
        w.flush()

    def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
        if trainer.sanity_checking or not trainer.is_global_zero:
            return
        w = self._ensure_widget()
        if self._logger is not None:
            w.flush()  # the logger logged the values
            return
        values = _dedupe(scalars(_results_metrics(trainer, on_step=False)), keep_suffix=None)
        if not values:  # fall back to what is visible to every callback
            values = {k: v for k, v in scalars(trainer.callback_metrics).items() if is_validation(k)}
        if values:
            self._ensure_run().log(values, step=logger_step(trainer), epoch=int(trainer.current_epoch))
        w.flush()

    def on_train_end(self, trainer: Any, pl_module: Any) -> None:
        if trainer.is_global_zero and self.widget is not None:
            self.widget.progress.done = int(trainer.global_step)
            if self._logger is None and self.current_run is not None and self.current_run.status == RUNNING:
                self.current_run.finish()  # ``stopped`` after a Stop click (a logger ends its own run)
            self.widget.flush()

    def on_exception(self, trainer: Any, pl_module: Any, exception: BaseException) -> None:
        if trainer.is_global_zero and self.current_run is not None and self.current_run.status == RUNNING:
            self.current_run.fail(exception)  # ``interrupted`` for Ctrl-C, else ``failed``
            if self.widget is not None:
                self.widget.flush()

    # ------------------------------------------------------------- checkpoint
    def state_dict(self) -> dict[str, Any]:
        """The run's name and whole history (every point, exactly), saved in Lightning checkpoints."""
        if self.current_run is None:
            return {} if self._pending is None else dict(self._pending)
        return {"version": STATE_VERSION, "run": self.current_run.name, "history": self.current_run.history.to_dict()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the history of a checkpoint into an empty widget (or the one created later).

        A widget that already holds points (the same run, resumed in the same process) is left
        as is: the resumed points replace the older ones from the step they restart at.
        """
        if not (state_dict or {}).get("history"):
            return
        self._pending = dict(state_dict)  # restored when the fit starts (Lightning loads it before that)
        self.current_run = None


def _loss_of(outputs: Any) -> Any:
    if isinstance(outputs, Mapping):
        outputs = outputs.get("loss")
    if outputs is None:
        return None
    found = scalars({"loss": outputs})
    return found.get("loss")
