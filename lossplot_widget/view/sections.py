"""The header of a section of panels: fold/open, overlay, and the pager of an open section.

A section (panels sharing a title prefix, see :mod:`~lossplot_widget.render.sections`) shows one header
row across the panel area. Folded, the row is a single button naming the section and its size, so a
folded section costs a few widgets whatever it holds; the overlay toggle and the pager are made the first
time the section opens. Every click goes through the callbacks the view gives (the widget redraws).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import ipywidgets as widgets

from ..render.frame import Section
from ..render.sections import PAGE_SIZE

__all__ = ["SectionHeader"]

_BUTTON = {"button_color": "transparent"}


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class SectionHeader:
    """One section's header row.

    Parameters
    ----------
    name : str
        The section (the panels' title prefix).
    on_fold, on_overlay : callable
        ``f(name)``: the fold button, the overlay toggle was clicked.
    on_page : callable
        ``f(name, delta)``: the previous (-1) or next (+1) page was asked for.
    route : callable
        Given the widgets made after the header (the overlay toggle, the pager), so their clicks reach the
        kernel while a cell trains.
    """

    def __init__(
        self, name: str, *, on_fold: Callable[[str], None], on_overlay: Callable[[str], None],
        on_page: Callable[[str, int], None], route: Callable[[Iterable[widgets.Widget]], None],
    ) -> None:
        self.name = name
        self._on_overlay, self._on_page, self._route = on_overlay, on_page, route
        self.fold = widgets.Button(
            layout=widgets.Layout(width="auto", height="28px"), style={**_BUTTON, "font_weight": "bold"},
            _dom_classes=["lossplot-section-title"],
        )
        self.fold.on_click(lambda _: on_fold(name))
        self.box = widgets.HBox(
            [self.fold], layout=widgets.Layout(width="100%", flex="0 0 100%", align_items="center",
                                               margin="4px 0 2px 0", border_bottom="1px solid #8a8a8a55"),
            _dom_classes=["lossplot-section"],
        )
        self.overlay: widgets.Button | None = None
        self.previous: widgets.Button | None = None
        self.next: widgets.Button | None = None
        self.where: widgets.HTML | None = None
        self.shown: Section | None = None
        self._tools: list[widgets.DOMWidget] = []

    def _make_tools(self) -> None:
        small = widgets.Layout(width="28px", height="26px", padding="0")
        self.overlay = widgets.Button(layout=widgets.Layout(width="auto", height="26px"),
                                      _dom_classes=["lossplot-section-overlay"])
        self.previous = widgets.Button(description="‹", tooltip="previous page", layout=small,
                                       _dom_classes=["lossplot-section-previous"])
        self.next = widgets.Button(description="›", tooltip="next page",
                                   layout=widgets.Layout(width="28px", height="26px", padding="0"),
                                   _dom_classes=["lossplot-section-next"])
        self.where = widgets.HTML(layout=widgets.Layout(margin="0 6px"), _dom_classes=["lossplot-section-page"])
        self.overlay.on_click(lambda _: self._on_overlay(self.name))
        self.previous.on_click(lambda _: self._on_page(self.name, -1))
        self.next.on_click(lambda _: self._on_page(self.name, +1))
        tools = self._tools = [self.overlay, self.previous, self.where, self.next]
        self._route(tools)
        self.box.children = [self.fold, *tools]

    def show(self, section: Section) -> None:
        """Say what ``section`` holds and shows (only what changed is sent)."""
        if section == self.shown:
            return
        self.shown = section
        s = section
        size = _count(s.panels, "panel") + ("" if s.metrics == s.panels else f", {_count(s.metrics, 'metric')}")
        matched = f" · {s.matched:,} match the filter" if s.matched != s.panels else ""
        arrow = "▾" if s.open else "▸"
        with self.fold.hold_sync():
            self.fold.description = f"{arrow} {s.name} · {size}{matched}"
            self.fold.tooltip = (f"fold the {s.name} section away (nothing of it is built or sent while folded)"
                                 if s.open else f"open the {s.name} section: {PAGE_SIZE} panels a page")
        if not s.open:
            for tool in self._tools:
                tool.layout.display = "none"
            return
        if self.overlay is None:
            self._make_tools()
        assert self.overlay is not None and self.previous is not None and self.next is not None
        assert self.where is not None
        with self.overlay.hold_sync():
            self.overlay.description = "panels" if s.overlay else "overlay"
            self.overlay.tooltip = ("one panel per metric again" if s.overlay else
                                    "draw every series of this section in one panel")
        self.overlay.layout.display = None
        paged = not s.overlay and s.pages > 1
        for tool in (self.previous, self.where, self.next):
            tool.layout.display = None if paged else "none"
        if paged:
            first = s.page * PAGE_SIZE + 1
            last = min(s.matched, first + PAGE_SIZE - 1)
            self.where.value = (f'<span style="color: var(--jp-ui-font-color2, #757575)">{first}–{last} of '
                                f"{s.matched:,}</span>")
            self.previous.disabled = s.page == 0
            self.next.disabled = s.page >= s.pages - 1
