"""The Lightning callback for the ``pytorch_lightning`` namespace (same behaviour as
:mod:`lossplot_widget.lightning`, whose documentation applies).

>>> from lossplot_widget.pytorch_lightning import LiveLossCallback
>>> LiveLossCallback().widget is None
True
"""

from __future__ import annotations

from pytorch_lightning.callbacks import Callback

from .adapters.lightning_hooks import LiveLossMixin

__all__ = ["LiveLossCallback"]


class LiveLossCallback(LiveLossMixin, Callback):
    """See :class:`lossplot_widget.lightning.LiveLossCallback`."""
