"""The progress bar of the toolbar: done / total, steps/s and ETA (hidden while the total is unknown).

Updated once per frame; each widget sends at most one message per frame, and none when nothing changed.
"""

from __future__ import annotations

import ipywidgets as widgets

from ..core.progress import ProgressState, format_progress

__all__ = ["ProgressBar"]


class ProgressBar:
    """An ``IntProgress`` and a text label, shown only when the total work is known."""

    def __init__(self) -> None:
        self.bar = widgets.IntProgress(value=0, min=0, max=1, layout=widgets.Layout(width="160px"))
        self.label = widgets.HTML(layout=widgets.Layout(margin="0 0 0 6px"))
        self.label.add_class("lossplot-progress")
        self.box = widgets.HBox(
            [self.bar, self.label], layout=widgets.Layout(display="none", align_items="center")
        )

    @property
    def widgets(self) -> list[widgets.Widget]:
        return [self.box]

    def show(self, state: ProgressState | None) -> None:
        """Show ``state`` (``None`` hides the bar)."""
        display = "none" if state is None else "flex"
        if self.box.layout.display != display:
            self.box.layout.display = display
        if state is None:
            return
        bar = self.bar
        if bar.max != state.total or bar.value != min(state.done, state.total):
            with bar.hold_sync():  # max and value in one message
                bar.max = state.total
                bar.value = min(state.done, state.total)
        text = format_progress(state)
        if self.label.value != text:
            self.label.value = text
