"""Downloads from the toolbar: the history as CSV and the picture as SVG, straight from the browser.

Two ``<a download>`` links in an ``ipywidgets.HTML`` whose ``href`` are ``data:`` URLs: a click is
the browser's own download, with no kernel round trip (it works while a cell blocks the kernel, and
in Voilà) and no file written on the server. The links are refreshed by :meth:`Downloads.refresh`,
which the widget calls after each cell and when a run's control scope ends (a training thread
finishing), so they hold everything logged up to then. A history larger than :data:`MAX_CSV_POINTS`
gets no CSV link (its size and cost grow with the history, sent after every cell): its tooltip says to call
``w.to_csv(path)``.

>>> from lossplot_widget.core.runset import RunSet
>>> runs = RunSet(); runs.start("a").log(loss=0.5)
>>> d = Downloads(runs, lambda: "<svg/>")
>>> d.refresh(version=1)
>>> 'download="lossplot.csv"' in d.html.value and "data:text/csv;base64," in d.html.value
True
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

import ipywidgets as widgets

from ..core.export import write_csv
from ..core.runset import RunSet

__all__ = ["MAX_CSV_POINTS", "Downloads", "data_url"]

#: histories with more points than this get no CSV link (use ``w.to_csv(path)``): at 50,000 points the link
#: is a 4 MB message built in ~0.2 s after each cell; at 200,000 it was 16 MB and 0.9 s
MAX_CSV_POINTS = 50_000
_LINK_STYLE = (
    "color: var(--jp-content-link-color, #1976d2); text-decoration: none; margin: 0 2px; white-space: nowrap; "
    "font-size: var(--jp-ui-font-size1, 12px)"
)


def data_url(text: str, mime: str) -> str:
    """``text`` as a base64 ``data:`` URL (UTF-8)."""
    return f"data:{mime};base64,{base64.b64encode(text.encode('utf-8')).decode('ascii')}"


class Downloads:
    """The CSV and SVG links.

    Parameters
    ----------
    runs : RunSet
        The runs whose points the CSV holds (the format of :func:`~lossplot_widget.core.export.write_csv`).
    svg : callable
        ``svg() -> str``: the static picture of the panels.
    """

    def __init__(self, runs: RunSet, svg: Callable[[], str]) -> None:
        self._runs, self._svg = runs, svg
        self.html = widgets.HTML(layout=widgets.Layout(margin="0 2px"))
        self.html.add_class("lossplot-downloads")
        self.version: int | None = None

    def refresh(self, version: int) -> None:
        """Rebuild the links if the data changed since the last refresh (``version``: the data's now)."""
        if version == self.version:
            return
        self.version = version
        n = sum(sum(r.history.counts().values()) for r in self._runs.snapshot())
        if n > MAX_CSV_POINTS:
            csv = (f'<span style="{_LINK_STYLE}; opacity: 0.6" title="{n:,} points: too many for a link; '
                   f'call w.to_csv(path) to save every point">⤓ csv</span>')
        else:
            buffer = io.StringIO()
            write_csv(self._runs, buffer)
            href = data_url(buffer.getvalue(), "text/csv")
            csv = (f'<a class="lossplot-download-csv" download="lossplot.csv" href="{href}" '
                   f'title="Download every logged point ({n:,}) as CSV: run, metric, step, epoch, time, value, config '
                   f'(as of the end of the last cell or run)" style="{_LINK_STYLE}">⤓ csv</a>')
        svg = (f'<a class="lossplot-download-svg" download="lossplot.svg" '
               f'href="{data_url(self._svg(), "image/svg+xml")}" '
               f'title="Download the picture of the panels as SVG (as of the end of the last cell or run)" '
               f'style="{_LINK_STYLE}">⤓ svg</a>')
        self.html.value = f"{csv}{svg}"
