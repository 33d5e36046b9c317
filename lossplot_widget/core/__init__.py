"""The data side, numpy only (no ipywidgets, no IPython): the history and its series, validation of
logged values and their readback (fixed at log(), read per frame), panel grouping, epochs, progress,
export, and the Ctrl-C deferral.

>>> from lossplot_widget.core import History
>>> h = History(); h.append({"loss": 0.25}, None, None)
0
"""

from __future__ import annotations

from .history import History
from .series import Series, Stats

__all__ = ["History", "Series", "Stats"]
