"""The notebook output of a widget: its view plus a static SVG, refreshed in place after each cell.

JupyterLab does not save widget state in notebooks by default, and nbconvert falls back to
``image/svg+xml`` when it has no widget state: the SVG beside the widget view is what a saved
notebook, GitHub or an HTML export show. :class:`StaticOutput` remembers the display id it
used, so :meth:`StaticOutput.refresh` can replace the picture when the curves changed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

__all__ = ["StaticOutput"]

Bundle = dict[str, Any]


class StaticOutput:
    """One display of a widget, with a static picture that follows the data.

    Parameters
    ----------
    view_bundle : callable
        The widget's own mime bundle (``application/vnd.jupyter.widget-view+json`` and text).
    svg : callable
        ``svg() -> (picture, version)``: the current static picture and the data version it shows.
    """

    def __init__(self, view_bundle: Callable[[], Bundle], svg: Callable[[], tuple[str, int]]) -> None:
        self._view_bundle = view_bundle
        self._svg = svg
        self.display_id = f"lossplot-{uuid.uuid4().hex}"
        self.displayed = False
        self.version = -1  # data version of the picture last shown

    def bundle(self) -> Bundle:
        """The view plus the static SVG of the current curves."""
        bundle = dict(self._view_bundle())
        bundle["image/svg+xml"], self.version = self._svg()
        return bundle

    def display(self) -> None:
        """Display under IPython with a display id (so the picture can be refreshed later)."""
        from IPython.display import display

        display(self.bundle(), raw=True, display_id=self.display_id)
        self.displayed = True

    def refresh(self, version: int) -> None:
        """Replace the displayed picture if the data changed since (``version``: the data's now)."""
        if not self.displayed or self.version == version:
            return
        from IPython.display import update_display

        update_display(self.bundle(), raw=True, display_id=self.display_id)
