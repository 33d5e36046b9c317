"""Hugging Face ``transformers.Trainer`` callback: live curves of what the Trainer logs.

Importing this module imports ``transformers``; ``import lossplot_widget`` alone never does.

>>> from lossplot_widget.transformers import LiveLossCallback
>>> cb = LiveLossCallback()      # Trainer(..., callbacks=[cb]) creates and shows a widget at train start
>>> cb.widget is None
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from transformers import TrainerCallback

from .adapters.common import scalars, shown_widget
from .core.keywords import strict_keywords
from .core.runset import RUNNING, Run
from .core.tracing import not_traced
from .widget import LiveLossWidget

__all__ = ["LiveLossCallback", "plotted"]

#: keys of the Trainer's logs that are bookkeeping, not curves
_SKIP = frozenset({"epoch", "step", "total_flos"})
_SKIP_SUFFIXES = ("_runtime", "_samples_per_second", "_steps_per_second")


def plotted(logs: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of one ``on_log`` call that are drawn: numeric one-element values, bookkeeping left out.

    The summary the Trainer logs when training ends (it holds ``train_runtime``; its ``train_loss`` is the
    mean over all steps, not a point of the curve) is left out as a whole.

    >>> plotted({"loss": 0.5, "grad_norm": 1.2, "learning_rate": 1e-4, "epoch": 0.25})
    {'loss': 0.5, 'grad_norm': 1.2, 'learning_rate': 0.0001}
    >>> plotted({"train_runtime": 3.1, "train_loss": 0.7, "total_flos": 1e9, "epoch": 1.0})
    {}
    """
    if "train_runtime" in logs:
        return {}
    keep = {k: v for k, v in logs.items() if k not in _SKIP and not str(k).endswith(_SKIP_SUFFIXES)}
    return scalars(keep)


def _epoch_index(epoch: float | None) -> int | None:
    """The Trainer's fractional ``state.epoch`` (1.0 at the last step of the first epoch) as the epoch index."""
    if epoch is None or not math.isfinite(epoch):
        return None
    return max(math.ceil(epoch) - 1, 0)


class LiveLossCallback(TrainerCallback):
    """Plot what ``transformers.Trainer`` logs, live: ``loss``, ``eval_loss``, ``learning_rate``, ``grad_norm``, ...

    Parameters
    ----------
    widget : LiveLossWidget, optional
        Where to log. If omitted, a widget is created at train start on the main process and
        displayed (under IPython); it is then available as ``callback.widget``.
    run : str, optional
        The name of the run each ``train()`` logs into; default: a fresh ``run-N`` per ``train()``.
        ``callback.current_run`` is the :class:`~lossplot_widget.core.run.Run` of the current (or last) one.

    Notes
    -----
    - Values arrive through ``on_log``, at ``state.global_step``: the step the Trainer writes in
      ``state.log_history`` (and its TensorBoard/W&B integrations). Training logs come every
      ``logging_steps``, evaluation (``eval_*``, drawn dashed with the training curve of its panel)
      every ``eval_steps``. Bookkeeping (``epoch``, ``total_flos``, ``*_runtime``, ``*_per_second``) and the
      end-of-training summary are not drawn.
    - The epoch of a point is the Trainer's epoch index (its fractional ``state.epoch`` rounded up, minus one).
    - Progress towards ``state.max_steps``; Stop sets ``control.should_training_stop`` (the Trainer ends
      after the current step) and Pause waits in ``on_step_end``.
    - Only the main process (``state.is_world_process_zero``) creates a widget and logs.
    - In a notebook the Trainer also adds its own progress table (``NotebookProgressCallback``), which
      repeats the losses as text; ``trainer.remove_callback(NotebookProgressCallback)`` (from
      ``transformers.utils.notebook``) leaves the widget alone.

    Examples
    --------
    With a model and a dataset of your own (``tests/adapters/test_transformers.py`` runs this with a tiny BERT)::

        from transformers import Trainer, TrainingArguments
        cb = LiveLossCallback()
        Trainer(model, TrainingArguments("out", logging_steps=10), train_dataset=ds, callbacks=[cb]).train()
        cb.widget.history["loss"].values        # every logged loss, as in trainer.state.log_history

    >>> LiveLossCallback(run="bert").run_name
    'bert'
    """

    @strict_keywords
    def __init__(self, widget: LiveLossWidget | None = None, *, run: str | None = None) -> None:
        super().__init__()
        self.widget = widget
        #: the name of the run each ``train()`` logs into (``None``: a fresh ``run-N`` per call)
        self.run_name = run
        #: the :class:`~lossplot_widget.core.run.Run` of the current (or last) ``train()``
        self.current_run: Run | None = None

    def _ensure_widget(self) -> LiveLossWidget:
        self.widget = shown_widget(self.widget)
        return self.widget

    def _ensure_run(self) -> Run:
        if self.current_run is None or self.current_run.status != RUNNING:
            self.current_run = self._ensure_widget().run(self.run_name)
        return self.current_run

    # ---------------------------------------------------------------- hooks
    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        w = self._ensure_widget()
        self.current_run = None
        self._ensure_run()
        w.progress.done = int(state.global_step)
        w.set_total(int(state.max_steps) if state.max_steps and state.max_steps > 0 else None)

    @not_traced
    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero or self.widget is None:
            return
        w = self.widget
        w.progress.done = int(state.global_step)
        if w.check_controls():  # the widget's Stop button (a Pause waits in here)
            control.should_training_stop = True

    @not_traced
    def on_log(self, args: Any, state: Any, control: Any, logs: Mapping[str, Any] | None = None,
               **kwargs: Any) -> None:
        if not state.is_world_process_zero or not logs:
            return
        values = plotted(logs)
        if values:
            epoch = _epoch_index(logs.get("epoch", state.epoch))
            self._ensure_run().log(values, step=int(state.global_step), epoch=epoch)

    def on_evaluate(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.is_world_process_zero and self.widget is not None:
            self.widget.flush()  # evaluation values are drawn at once (on_log came just before)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero or self.widget is None:
            return
        self.widget.progress.done = int(state.global_step)
        if self.current_run is not None and self.current_run.status == RUNNING:
            self.current_run.finish()  # ``stopped`` after a Stop click
        self.widget.flush()
