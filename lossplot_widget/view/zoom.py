"""Pan and zoom: the browser sets each panel's x range; the kernel re-decimates that range.

bqplot's :class:`~bqplot.PanZoom` changes ``scale.min``/``scale.max`` in the browser.
:class:`ZoomControl` observes the x scales' ``min``/``max`` (the one place the zoom is kept) and says
through its ``on_change`` callback that they changed; the widget reads :meth:`ZoomControl.ranges` into the frame
options
(:attr:`~lossplot_widget.render.frame.FrameOptions.x_ranges`), so zooming far enough shows every
logged point. Browser-to-kernel messages are handled when the kernel is free: after a
training cell, or at once while training runs in a background thread. Python never sets
``scale.min``/``max`` except in :meth:`ZoomControl.reset` (it would fight the user's zoom).

Zoom moves **x only**: the y axis is Python's (it refits to the visible data every frame, see
:mod:`lossplot_widget.render.axes`), so a zoomed panel never loses its curve. bqplot's own figure
toolbar is off (one zoom, this one). PanZoom sits on top of the marks and would swallow the hover
readout, so it is a toggle (↔); a zoomed view stays zoomed when the toggle is off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import bqplot
import ipywidgets as widgets

from .panel import Panel

__all__ = ["XRange", "ZoomControl"]

XRange = tuple[float | None, float | None]
#: ``on_change(now)``: the visible x ranges changed (read them with :meth:`ZoomControl.ranges`); ``now``: draw
#: at once (a reset)
ZoomCallback = Callable[[bool], None]


class ZoomControl:
    """The pan/zoom toggle, the Reset button and the x range each panel shows."""

    def __init__(self, on_change: ZoomCallback) -> None:
        self._on_change = on_change
        self.toggle = widgets.ToggleButton(
            value=False, description="↔",
            tooltip="Pan and zoom the x axis: drag to pan, wheel to zoom (the y axis follows the visible data; "
            "the zoomed range is redrawn from the full history)",
            layout=widgets.Layout(width="28px", padding="0"), _dom_classes=["lossplot-zoom"],
        )
        self.reset_button = widgets.Button(
            description="⟲", tooltip="Reset the zoom: show the whole run again",
            layout=widgets.Layout(width="28px", padding="0"), _dom_classes=["lossplot-reset"],
        )
        self.toggle.observe(self._toggled, names="value")
        self.reset_button.on_click(lambda _: self.reset())
        self.panels: dict[str, Panel] = {}
        self.interactions: dict[str, bqplot.PanZoom] = {}
        self._quiet = False

    @property
    def widgets(self) -> list[widgets.Widget]:
        return [self.toggle, self.reset_button]

    def attach(self, title: str, panel: Panel) -> None:
        """Follow ``panel``'s x scale (and give it a PanZoom while the toggle is on)."""
        self.panels[title] = panel
        panel.x_scale.observe(self._changed, names=["min", "max"])
        self.interactions[title] = bqplot.PanZoom(scales={"x": [panel.x_scale]})
        if self.toggle.value:
            panel.figure.interaction = self.interactions[title]

    def detach(self, title: str) -> bqplot.PanZoom | None:
        """Stop following panel ``title`` (it is being closed); returns its PanZoom, for the caller to close."""
        panel = self.panels.pop(title, None)
        if panel is not None:
            panel.x_scale.unobserve(self._changed, names=["min", "max"])
        return self.interactions.pop(title, None)

    def ranges(self) -> dict[str, XRange]:
        """``{panel title: (min, max)}`` for the panels the browser has zoomed or panned."""
        out: dict[str, XRange] = {}
        for title, panel in self.panels.items():
            lo, hi = panel.x_scale.min, panel.x_scale.max
            if lo is not None or hi is not None:
                out[title] = (lo, hi)
        return out

    def _toggled(self, change: Any) -> None:
        for title, panel in self.panels.items():
            panel.figure.interaction = self.interactions[title] if change["new"] else None

    def _changed(self, change: Any) -> None:
        if not self._quiet:
            self._on_change(False)

    def reset(self) -> None:
        """Show the whole run: clear every panel's x zoom and draw."""
        self._quiet = True
        try:
            for panel in self.panels.values():
                scale = panel.x_scale
                if scale.min is not None or scale.max is not None:
                    with scale.hold_sync():
                        scale.min = None
                        scale.max = None
        finally:
            self._quiet = False
        self._on_change(True)

    def close(self) -> None:
        for panel in self.panels.values():
            panel.x_scale.unobserve(self._changed, names=["min", "max"])

