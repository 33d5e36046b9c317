"""The browser side, bqplot and ipywidgets only: panels, toolbar, zoom, control bar, progress bar,
notes and summary. It draws frames it is given and reports what the user does through callbacks;
it never imports the widget."""

from __future__ import annotations

from .plot import PlotView

__all__ = ["PlotView"]
