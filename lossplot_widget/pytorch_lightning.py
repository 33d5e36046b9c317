"""The Lightning callback and logger for the ``pytorch_lightning`` namespace (same behaviour as
:mod:`lossplot_widget.lightning`, whose documentation applies).

>>> from lossplot_widget.pytorch_lightning import LiveLossCallback, LiveLossLogger
>>> LiveLossCallback().widget is None
True
>>> LiveLossLogger(run="baseline").version
'baseline'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytorch_lightning.callbacks import Callback
from pytorch_lightning.loggers import Logger
from pytorch_lightning.utilities import rank_zero_only

from .adapters.lightning_hooks import LiveLossMixin
from .adapters.lightning_logger import LiveLossLoggerBase
from .core.keywords import strict_keywords

if TYPE_CHECKING:
    from .widget import LiveLossWidget

__all__ = ["LiveLossCallback", "LiveLossLogger"]


class LiveLossCallback(LiveLossMixin, Callback):
    """See :class:`lossplot_widget.lightning.LiveLossCallback`."""


class LiveLossLogger(LiveLossLoggerBase, Logger):
    """See :class:`lossplot_widget.lightning.LiveLossLogger`."""

    @strict_keywords
    def __init__(self, widget: LiveLossWidget | None = None, *, run: str | None = None) -> None:
        super().__init__(widget, run=run)

    log_metrics = rank_zero_only(LiveLossLoggerBase.log_metrics)
    log_hyperparams = rank_zero_only(LiveLossLoggerBase.log_hyperparams)
    log_graph = rank_zero_only(LiveLossLoggerBase.log_graph)
    save = rank_zero_only(LiveLossLoggerBase.save)
    finalize = rank_zero_only(LiveLossLoggerBase.finalize)
