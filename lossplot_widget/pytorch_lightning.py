"""The Lightning callback and logger for the ``pytorch_lightning`` namespace (same behaviour as
:mod:`lossplot_widget.lightning`, whose documentation applies).

>>> from lossplot_widget.pytorch_lightning import LiveLossCallback, LiveLossLogger
>>> LiveLossCallback().widget is None
True
>>> LiveLossLogger(run="baseline").version
'baseline'
"""

from __future__ import annotations

from pytorch_lightning.callbacks import Callback
from pytorch_lightning.loggers import Logger
from pytorch_lightning.utilities import rank_zero_only

from .adapters.lightning_hooks import LiveLossMixin
from .adapters.lightning_logger import LiveLossLoggerBase, rank_zero_logger

__all__ = ["LiveLossCallback", "LiveLossLogger"]


class LiveLossCallback(LiveLossMixin, Callback):
    """See :class:`lossplot_widget.lightning.LiveLossCallback`."""


@rank_zero_logger(rank_zero_only)
class LiveLossLogger(LiveLossLoggerBase, Logger):
    """See :class:`lossplot_widget.lightning.LiveLossLogger`."""
