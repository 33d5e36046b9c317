"""Pan and zoom: the browser sets each panel's x range; the kernel re-decimates that range.

bqplot's :class:`~bqplot.PanZoom` changes ``scale.min``/``scale.max`` in the browser.
:class:`ZoomControl` observes the x scales' ``min``/``max`` and asks the widget for a
new frame of just that range (:attr:`~lossplot_widget.render.frames.FrameOptions.x_ranges`),
so zooming far enough shows every logged point. Browser-to-kernel messages are
handled when the kernel is free: after a training cell, or at once while training
runs in a background thread. Python never sets ``scale.min``/``max`` except in
:meth:`ZoomControl.reset` (it would fight the user's zoom).

PanZoom sits on top of the marks and would swallow the hover readout, so it is a
toggle ("pan/zoom"); a zoomed view stays zoomed when the toggle is off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bqplot
import ipywidgets as widgets

if TYPE_CHECKING:
    from .plot import _Panel
    from ..widget import LiveLossWidget

XRange = tuple[float | None, float | None]


class ZoomControl:
    """The pan/zoom toggle, the Reset button and the x range each panel shows."""

    def __init__(self, owner: "LiveLossWidget") -> None:
        self.owner = owner
        self.toggle = widgets.ToggleButton(
            value=False, description="pan/zoom",
            tooltip="drag to pan, wheel to zoom; the zoomed range is redrawn from the full history",
            layout=widgets.Layout(width="96px"),  # "pan/zoom" was cut to "pan/zo…" in JupyterLab
        )
        self.reset_button = widgets.Button(
            description="reset", tooltip="show the whole run again", layout=widgets.Layout(width="64px")
        )
        self.toggle.observe(self._toggled, names="value")
        self.reset_button.on_click(lambda _: self.reset())
        self.panels: dict[str, "_Panel"] = {}
        self._interactions: dict[str, bqplot.PanZoom] = {}
        self._quiet = False
        owner.observe(self._axis_changed, names="x_axis")

    @property
    def widgets(self) -> list[Any]:
        return [self.toggle, self.reset_button]

    def attach(self, title: str, panel: "_Panel") -> None:
        """Follow ``panel``'s x scale (and give it a PanZoom while the toggle is on)."""
        self.panels[title] = panel
        panel.x_scale.observe(self._changed, names=["min", "max"])
        self._interactions[title] = bqplot.PanZoom(
            scales={"x": [panel.x_scale], "y": [panel.lin_scale, panel.log_scale]}
        )
        if self.toggle.value:
            panel.figure.interaction = self._interactions[title]

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
            panel.figure.interaction = self._interactions[title] if change["new"] else None

    def _changed(self, change: Any) -> None:
        if not self._quiet:
            self.owner._request_redraw()

    def _axis_changed(self, change: Any) -> None:
        if self.ranges():  # a range in steps means nothing on a time axis
            self.reset()

    def reset(self) -> None:
        """Show the whole run: clear every panel's zoom (x and y) and draw."""
        self._quiet = True
        try:
            for panel in self.panels.values():
                for scale in (panel.x_scale, panel.lin_scale, panel.log_scale):
                    if scale.min is not None or scale.max is not None:
                        with scale.hold_sync():
                            scale.min = None
                            scale.max = None
        finally:
            self._quiet = False
        self.owner.flush()

    def close(self) -> None:
        self.owner.unobserve(self._axis_changed, names="x_axis")
        for panel in self.panels.values():
            panel.x_scale.unobserve(self._changed, names=["min", "max"])
        for interaction in self._interactions.values():
            interaction.close()
        self.toggle.close()
        self.reset_button.close()
