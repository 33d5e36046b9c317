"""The notebook output of a widget: its live view, and a static SVG beside it refreshed after each cell.

JupyterLab does not save widget state in notebooks by default, and nbconvert falls back to
``image/svg+xml`` when it has no widget state: the SVG is what a saved notebook, GitHub or an HTML
export show. :meth:`StaticOutput.display` makes **two** outputs:

1. the live view (``application/vnd.jupyter.widget-view+json``), displayed once and never updated;
2. the picture: ``image/svg+xml`` beside a widget view of model id ``""``, which JupyterLab's, Notebook 7's
   and Voilà's widget renderer hides (so the live page shows only the view) and nbconvert, with no widget
   state, replaces by the SVG. It has a display id: :meth:`StaticOutput.refresh` replaces it when the
   curves changed.

Why not one output holding both, updated in place: ``update_display`` makes JupyterLab call the widget
renderer's ``renderModel`` again on the same node, and ipywidgets 8.1 then creates a second view of the
widget without disposing the first. The old view stays alive, detached from the page, and keeps drawing
every frame (after n refreshes each figure had n + 1 views); panels it adds while detached measure 0 px
and bqplot logs ``<rect> attribute width: A negative value`` (-80 = 0 - the 60 + 20 px margins).
"""

from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Callable
from typing import Any

__all__ = ["HIDDEN_VIEW", "WIDGET_VIEW", "StaticOutput", "in_a_layout", "in_notebook_cell"]

Bundle = dict[str, Any]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: a widget view that renders as nothing: ipywidgets' renderer hides an output whose model id is ""
HIDDEN_VIEW = {"model_id": "", "version_major": 2, "version_minor": 0}


class StaticOutput:
    """One display of a widget, with a static picture that follows the data.

    Parameters
    ----------
    view_bundle : callable
        The widget's own mime bundle (``application/vnd.jupyter.widget-view+json`` and text).
    svg : callable
        ``svg() -> (picture, version)``: the current static picture and the data version it shows.

    Examples
    --------
    >>> out = StaticOutput(lambda: {WIDGET_VIEW: {"model_id": "abc"}}, lambda: ("<svg/>", 3))
    >>> out.picture()[WIDGET_VIEW]["model_id"], out.picture()["image/svg+xml"], out.version
    ('', '<svg/>', 3)
    """

    def __init__(self, view_bundle: Callable[[], Bundle], svg: Callable[[], tuple[str, int]]) -> None:
        self._view_bundle = view_bundle
        self._svg = svg
        self.display_id = f"lossplot-{uuid.uuid4().hex}"
        self.displayed = False  # the picture was displayed with its display id (refresh() replaces it)
        self.pictured = False  # a picture of this widget is in the notebook (displayed, or in a mime bundle)
        self.version = -1  # data version of the picture last shown

    def bundle(self) -> Bundle:
        """The view plus the static SVG of the current curves, in one bundle (``_repr_mimebundle_``)."""
        bundle = dict(self._view_bundle())
        bundle["image/svg+xml"], self.version = self._svg()
        self.pictured = True
        return bundle

    def picture(self) -> Bundle:
        """The picture output: the SVG beside a hidden widget view (see the module's docstring)."""
        svg, self.version = self._svg()
        return {WIDGET_VIEW: dict(HIDDEN_VIEW), "image/svg+xml": svg, "text/plain": ""}

    def display(self) -> None:
        """Display under IPython: the view, then the picture with a display id (so it can be refreshed)."""
        from IPython.display import display

        display(self._view_bundle(), raw=True)
        display(self.picture(), raw=True, display_id=self.display_id)
        self.displayed = self.pictured = True

    def picture_for_layout(self, widget: Any) -> None:
        """At a cell's end: a widget never displayed on its own but part of a layout (an ``HBox`` of
        curves, an app) leaves its picture in this cell's output, so a saved notebook, nbconvert and the
        docs show it where the layout's own output has only text. Live, the picture's hidden view shows
        nothing. Once per widget; :meth:`refresh` then keeps it current."""
        if self.pictured or not in_notebook_cell() or not in_a_layout(widget):
            return
        from IPython.display import display

        display(self.picture(), raw=True, display_id=self.display_id)
        self.displayed = self.pictured = True

    def refresh(self, version: int) -> None:
        """Replace the displayed picture if the data changed since (``version``: the data's now)."""
        if not self.displayed or self.version == version:
            return
        from IPython.display import update_display

        update_display(self.picture(), raw=True, display_id=self.display_id)


def in_notebook_cell() -> bool:
    """True on the main thread of a Jupyter kernel (a notebook cell, Voilà): where ``display()`` shows
    something in the page. False in scripts, tests, a terminal IPython and background threads.

    >>> in_notebook_cell()   # doctests run outside a kernel
    False
    """
    if "IPython" not in sys.modules or threading.current_thread() is not threading.main_thread():
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def in_a_layout(widget: Any) -> bool:
    """True when ``widget`` is a child of another live widget (a ``VBox``, ``Tab``, ...): the layout
    shows it when it is displayed.

    >>> import ipywidgets as widgets
    >>> label = widgets.Label("x")
    >>> in_a_layout(label)
    False
    >>> box = widgets.VBox([widgets.HTML("<b>run 1</b>"), label])
    >>> in_a_layout(label)
    True
    """
    from ipywidgets.widgets import widget as module

    live: dict[str, Any] = getattr(module, "_instances", {})  # ipywidgets 8.1: model id -> live widget
    return any(
        child is widget for other in list(live.values()) if other is not widget
        for child in getattr(other, "children", ()) or ()
    )
