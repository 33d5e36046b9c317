"""Lightning callback (``lightning.pytorch``): live curves during ``Trainer.fit``.

Importing this module imports Lightning; ``import lossplot_widget`` alone never does.
For the ``pytorch_lightning`` namespace use :mod:`lossplot_widget.pytorch_lightning`.

>>> from lossplot_widget.lightning import LiveLossCallback
>>> cb = LiveLossCallback()      # Trainer(callbacks=[cb]); the widget appears at train start
>>> cb.state_dict()              # nothing logged yet
{}
"""

from __future__ import annotations

from lightning.pytorch.callbacks import Callback

from .adapters.lightning_hooks import LiveLossMixin

__all__ = ["LiveLossCallback"]


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
    """
