"""Live training curves in Jupyter, built on bqplot.

>>> from lossplot_widget import LiveLossWidget
>>> w = LiveLossWidget()
>>> w.log(loss=0.5)
"""

from __future__ import annotations

from .core.history import History, Series
from .widget import LiveLossWidget

__all__ = ["History", "LiveLossWidget", "Series", "__version__"]
__version__ = "0.1.0"
