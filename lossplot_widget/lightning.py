"""Lightning logger and callback (``lightning.pytorch``): live curves during ``Trainer.fit``.

Importing this module imports Lightning; ``import lossplot_widget`` alone never does.
For the ``pytorch_lightning`` namespace use :mod:`lossplot_widget.pytorch_lightning`.

- :class:`LiveLossLogger` (``Trainer(logger=...)``): what Lightning sends its loggers, next to
  ``CSVLogger`` or ``TensorBoardLogger``.
- :class:`LiveLossCallback` (``Trainer(callbacks=[...])``): Stop/Pause and progress, and the metrics too
  when no ``LiveLossLogger`` is given. With both, the logger logs and the callback controls.

>>> from lossplot_widget.lightning import LiveLossCallback
>>> cb = LiveLossCallback()      # Trainer(callbacks=[cb]); the widget appears at train start
>>> cb.state_dict()              # nothing logged yet
{}
"""

from __future__ import annotations

from lightning.pytorch.callbacks import Callback
from lightning.pytorch.loggers import Logger
from lightning.pytorch.utilities import rank_zero_only

from .adapters.lightning_hooks import LiveLossMixin
from .adapters.lightning_logger import LiveLossLoggerBase, rank_zero_logger

__all__ = ["LiveLossCallback", "LiveLossLogger"]


@rank_zero_logger(rank_zero_only)
class LiveLossLogger(LiveLossLoggerBase, Logger):
    """A Lightning logger that plots what the trainer logs, live: ``Trainer(logger=LiveLossLogger(w))``.

    Parameters
    ----------
    widget : LiveLossWidget, optional
        Where to plot. If omitted, a widget is created (and displayed under IPython) when the first
        hyperparameters or metrics arrive; it is then ``logger.widget``.
    run : str, optional
        The name of the run this logger writes (``logger.version``); default: a fresh ``run-N``.
        ``logger.current_run`` is its :class:`~lossplot_widget.core.run.Run`.

    Notes
    -----
    - The points are what Lightning writes to every logger, at the step it writes (``log_metrics(metrics,
      step)``), so the curves equal a ``CSVLogger``'s of the same fit. Lightning's ``epoch`` entry is the
      points' epoch; ``log_every_n_steps`` (default 50) applies as for any logger.
    - ``self.log("acc", on_step=True, on_epoch=True)`` is shown as ``acc`` (per step) and ``acc_epoch`` (per
      epoch), as :class:`LiveLossCallback` shows it; a metric merely named ``..._step`` keeps its name (see
      :mod:`lossplot_widget.adapters.lightning_logger` for the rule).
    - ``save_hyperparameters()`` values land in ``current_run.config`` (nested dicts as ``"outer/inner"``).
    - One run per logger (like one ``CSVLogger`` version): a later ``fit``/``validate``/``test`` of the same
      trainer continues it. It ends with the fit: ``finished``, ``stopped`` (Stop, through the callback),
      ``failed`` or ``interrupted``.
    - Only global rank zero logs. Alone, the logger acts on Pause (a paused widget holds the next
      ``log_metrics``) and Stop (it sets ``trainer.should_stop`` at the next logged step, so every
      ``log_every_n_steps``); :class:`LiveLossCallback` beside it stops after the current batch and shows
      progress.

    Examples
    --------
    >>> logger = LiveLossLogger(run="baseline")     # Trainer(logger=[CSVLogger("logs"), logger])
    >>> logger.name, logger.version
    ('lossplot', 'baseline')
    >>> logger.log_metrics({"train_loss": 0.5, "epoch": 0}, step=0)    # what Lightning calls
    >>> logger.current_run.history["train_loss"].steps.tolist(), logger.current_run.status
    ([0], 'running')
    >>> logger.finalize("success"); logger.current_run.status
    'finished'
    """


class LiveLossCallback(LiveLossMixin, Callback):
    """Plot what a LightningModule logs, live: training per step, validation per epoch.

    Parameters
    ----------
    widget : LiveLossWidget, optional
        Where to log. If omitted, a widget is created at train start on global rank zero and
        displayed (under IPython); it is then available as ``callback.widget``.
    run : str, optional
        The name of the run each ``fit`` logs into; default: a fresh ``run-N`` per ``fit``. A fit resumed
        from a checkpoint (``ckpt_path=``) continues the run saved in it. ``callback.current_run`` is the
        :class:`~lossplot_widget.core.run.Run` of the current (or last) fit.

    Notes
    -----
    - x is the step Lightning's own loggers write for the same value (``CSVLogger``,
      ``TensorBoardLogger``): the number of optimizer steps *before* the batch, so the first batch
      is step 0 and validation sits at the epoch's last batch. A ``follow()`` of those loggers'
      output therefore overlays the in-kernel run exactly.
    - Per step: every metric the module logs with ``self.log(..., on_step=True)`` in
      ``training_step`` (a forked ``name_step`` is shown as ``name``), plus the loss returned by
      ``training_step`` as ``loss`` unless a logged metric already lands in the ``loss`` panel
      (e.g. ``train_loss``). With gradient accumulation, one point per optimizer step.
    - Per epoch: metrics logged with ``on_epoch=True`` in training (forked ones as ``name_epoch``),
      and what validation logs, at the epoch's last step (``val_loss`` overlays ``train_loss``).
    - Only global rank zero creates a widget and logs.
    - Progress: ``trainer.estimated_stepping_batches`` steps in total.
    - Checkpoints carry the run's name and whole history (``state_dict``); resuming with
      ``Trainer.fit(..., ckpt_path=...)`` restores it exactly and continues the same run.
    - The run ends with the fit: ``finished``, ``stopped`` (Stop button), ``failed`` or
      ``interrupted`` (Lightning's ``on_exception``).
    - Next to a :class:`LiveLossLogger` in ``Trainer(logger=...)``, the callback logs nothing itself: it
      does Stop/Pause and progress on the logger's run (and widget, when given none); the logger logs.
    """
