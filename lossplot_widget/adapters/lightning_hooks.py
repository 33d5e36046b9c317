"""The Lightning callback's logic, shared by ``lossplot_widget.lightning`` (``lightning.pytorch``) and
``lossplot_widget.pytorch_lightning`` (the ``pytorch_lightning`` namespace). Imports neither."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core.grouping import is_validation, panel_of
from ..widget import LiveLossWidget
from .common import scalars, show

__all__ = ["STATE_VERSION", "LiveLossMixin"]

STATE_VERSION = 1


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


class LiveLossMixin:
    """Translate Lightning's hooks into ``log()`` calls (see ``lossplot_widget.lightning``)."""

    def __init__(self, widget: LiveLossWidget | None = None) -> None:
        super().__init__()
        self.widget = widget
        self._pending: dict[str, Any] | None = None  # history from a checkpoint, until a widget exists
        self._last_step: int | None = None

    # ----------------------------------------------------------------- widget
    def _ensure_widget(self) -> LiveLossWidget:
        if self.widget is None:
            self.widget = LiveLossWidget()
            if self._pending is not None:
                _restore(self.widget, self._pending)
                self._pending = None
            show(self.widget)
        return self.widget

    # ------------------------------------------------------------------ hooks
    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        if not trainer.is_global_zero:
            return
        w = self._ensure_widget()
        w.progress.done = int(trainer.global_step)
        w.set_total(trainer.estimated_stepping_batches)  # inf (no limit) hides the bar
        self._last_step = int(trainer.global_step)  # points come after optimizer steps

    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        if not trainer.is_global_zero:
            return
        w = self._ensure_widget()
        if w.check_controls():  # the widget's Stop button (a Pause waits in here)
            trainer.should_stop = True
        step = int(trainer.global_step)
        w.progress.done = step
        if self._last_step is not None and step <= self._last_step:
            return  # gradient accumulation: no optimizer step since the last point
        self._last_step = step
        values = _dedupe(scalars(_results_metrics(trainer, on_step=True)), keep_suffix=None)
        values = {k: v for k, v in values.items() if not is_validation(k)}
        loss = _loss_of(outputs)
        if loss is not None and "loss" not in values and not any(panel_of(k) == "loss" for k in values):
            values["loss"] = loss  # what training_step returned, unless a *loss metric is logged
        if values:
            w.log(values, step=step, epoch=int(trainer.current_epoch))

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        if not trainer.is_global_zero:
            return
        w = self._ensure_widget()
        values = _dedupe(scalars(_results_metrics(trainer, on_step=False)), keep_suffix="_epoch")
        values = {k: v for k, v in values.items() if not is_validation(k)}
        if values:
            w.log(values, step=int(trainer.global_step), epoch=int(trainer.current_epoch))
        w.flush()

    def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
        if trainer.sanity_checking or not trainer.is_global_zero:
            return
        w = self._ensure_widget()
        values = _dedupe(scalars(_results_metrics(trainer, on_step=False)), keep_suffix=None)
        if not values:  # fall back to what is visible to every callback
            values = {k: v for k, v in scalars(trainer.callback_metrics).items() if is_validation(k)}
        if values:
            w.log(values, step=int(trainer.global_step), epoch=int(trainer.current_epoch))
        w.flush()

    def on_train_end(self, trainer: Any, pl_module: Any) -> None:
        if trainer.is_global_zero and self.widget is not None:
            self.widget.progress.done = int(trainer.global_step)
            self.widget.flush()

    # ------------------------------------------------------------- checkpoint
    def state_dict(self) -> dict[str, Any]:
        """The whole history (every point, exactly), saved in Lightning checkpoints."""
        if self.widget is None:
            return {} if self._pending is None else {"version": STATE_VERSION, "history": self._pending}
        return {"version": STATE_VERSION, "history": self.widget.to_dict()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the history of a checkpoint into an empty widget (or the one created later).

        A widget that already holds points (the same run, resumed in the same process) is left
        as is: the resumed points replace the older ones from the step they restart at.
        """
        history = (state_dict or {}).get("history")
        if not history:
            return
        if self.widget is None:
            self._pending = history
        else:
            _restore(self.widget, history)


def _loss_of(outputs: Any) -> Any:
    if isinstance(outputs, Mapping):
        outputs = outputs.get("loss")
    if outputs is None:
        return None
    found = scalars({"loss": outputs})
    return found.get("loss")


def _restore(widget: LiveLossWidget, data: Mapping[str, Mapping[str, Sequence[Any]]]) -> None:
    if len(widget.history):
        return
    widget.history.load_dict(data)  # points logged after the resume continue the time axis
    widget.flush()
