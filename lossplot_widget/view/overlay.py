"""An overlay panel: every series of a section in one figure, drawn by a single bqplot ``Lines`` mark.

The natural view of per-layer statistics (gradient norms of 300 parameters): one mark with a row per
series (shorter rows padded with NaN, drawn as nothing), so 300 series cost one model in the page, not
900 marks. The frame builder gives each series a share of the points (see
:data:`~lossplot_widget.render.builder.OVERLAY_LINES`). Colours follow the series' order along the viridis
ramp (layer 0 dark, the last layer yellow), or the run's colour when runs are compared. The legend names
the few series with the largest last values; hovering a line names it (a bqplot ``Tooltip``), and the
filter finds any of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import bqplot
import numpy as np

from ..render.axes import PanelAxes
from ..render.frame import Reference, SeriesFrame, SeriesKey
from ..render.palette import css_color, viridis
from ..render.sections import drawn_line, top_by_last
from ..render.wire import narrow
from .panel import Panel, _set_scales, legend_html

__all__ = ["OverlayPanel"]


class OverlayPanel(Panel):
    """A :class:`~lossplot_widget.view.panel.Panel` whose series share one ``Lines`` mark."""

    def __init__(
        self, title: str, x_label: str, height: str, on_toggle: Callable[[str], None] = lambda title: None,
        label: str | None = None,
    ) -> None:
        super().__init__(title, x_label, height, on_toggle, label)
        tooltip = bqplot.Tooltip(fields=["name"], labels=["series"])
        self.lines = bqplot.Lines(
            x=np.empty((0, 0)), y=np.empty((0, 0)), scales=self.scales(), colors=["gray"], labels=[],
            stroke_width=1.2, tooltip=tooltip, interactions={"hover": "tooltip"},
        )
        self.figure.marks = self._marks()
        self._drawn: tuple[object, ...] | None = None  # the series frames (by identity) and style the mark holds
        self._colors: list[str] = []  # each series' colour on the mark

    def _marks(self) -> list[Any]:
        lines = [self.lines] if "lines" in self.__dict__ else []
        return [self.rules, self.ref_lines, self.ref_labels, *lines, self.best_dots, *self.best_labels.values()]

    def marks(self, name: str, run: str | None = None) -> Any:
        raise KeyError(f"{name!r}: an overlay panel draws every series in one mark ({self.title})")

    def apply(
        self, frames: list[SeriesFrame], smoothing: bool, x_label: str, axes: PanelAxes | None = None,
        references: Sequence[Reference] = (),
    ) -> dict[SeriesKey, int]:
        """Assign all of ``frames`` to the one mark (only when a series or the style changed)."""
        if self.x_axis.label != x_label:
            self.x_axis.label = x_label
        self.set_axes(axes if axes is not None else PanelAxes(None))
        scales = self.scales()
        ramp = all(sf.legend == sf.name for sf in frames)  # one run: colour by position; else by run
        state = (tuple(id(sf) for sf in frames), ramp, scales["y"])
        sent: dict[SeriesKey, int] = {}
        if state != self._drawn:
            self._drawn = state
            lines = [drawn_line(sf) for sf in frames]
            width = max((len(x) for x, _ in lines), default=0)
            xs = np.full((len(lines), width), np.nan)
            ys = np.full((len(lines), width), np.nan)
            for i, (x, y) in enumerate(lines):
                if len(x):
                    xs[i, :len(x)], xs[i, len(x):] = x, x[-1]  # padding: the last x, no y (drawn as nothing)
                    ys[i, :len(y)] = y
            colors = self._colors = (viridis(np.linspace(0.0, 0.9, len(frames))) if ramp and len(frames) > 1
                                     else [css_color(sf.color) for sf in frames])
            with self.lines.hold_sync():
                _set_scales(self.lines, scales)
                wx, wy = narrow(xs), narrow(ys)
                self.lines.x, self.lines.y = wx, wy
                self.lines.colors = colors or ["gray"]
                self.lines.labels = [sf.label for sf in frames]
            fresh = [sf for sf in frames if sf.fresh] or frames
            for sf in fresh:  # the budget counts the mark's bytes against the series that changed
                sent[sf.key] = (wx.nbytes + wy.nbytes) // len(fresh)
        best = [sf for sf in frames if sf.best is not None]
        self.set_marks(references, best, scales["y"])
        legend = self._legend(frames, axes)
        if self.legend.value != legend:
            self.legend.value = legend
        return sent

    def _legend(self, frames: list[SeriesFrame], axes: PanelAxes | None) -> str:
        color = {id(sf): c for sf, c in zip(frames, self._colors)}
        top = top_by_last(frames)
        shown = legend_html(top, None if axes is None else axes.y, [color.get(id(sf), "gray") for sf in top])
        rest = len(frames) - len(top)
        if rest <= 0:
            return shown
        more = (f'<span class="lossplot-legend-more" style="color: var(--jp-ui-font-color2, #757575)" '
                f'title="the legend names the {len(top)} series with the highest last values; hover a line to '
                f'name it, or type its name in the filter">+{rest:,} more (hover a line)</span>')
        return shown[: -len("</div>")] + more + "</div>" if shown else f"<div>{more}</div>"
