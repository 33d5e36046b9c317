"""Live training curves in Jupyter, built on bqplot.

>>> from lossplot_widget import LiveLossWidget
>>> w = LiveLossWidget()
>>> w.log(loss=0.5)

``LiveLossWidget`` is imported on first use (PEP 562), so ``import lossplot_widget.core`` (the
numpy-only data side) works without ipywidgets or IPython.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .core.history import History
from .core.readback import UnreadableValueWarning
from .core.series import Series
from .follow.follower import FollowWarning
from .follow.tbevents import CorruptRecordWarning
from .render.schedule import DrawWarning
from .store.db import RunStore
from .store.sync import StoreWarning
from .store.writer import RunWriter

if TYPE_CHECKING:
    from .widget import LiveLossWidget

__all__ = [
    "CorruptRecordWarning", "DrawWarning", "FollowWarning", "History", "LiveLossWidget", "RunStore", "RunWriter",
    "Series", "StoreWarning", "UnreadableValueWarning", "__version__",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "LiveLossWidget":
        from .widget import LiveLossWidget

        return LiveLossWidget
    raise AttributeError(f"module 'lossplot_widget' has no attribute {name!r}")
