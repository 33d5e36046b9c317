"""The ipywidgets/bqplot parts of a LiveLossWidget: toolbar, notes, one figure per panel, summary.

The view owns no data and knows no widget: it is given the initial options, the loop control its
buttons act on, a ``current_step`` callable and an ``on_change`` callback (zoom or folded panels changed).
:meth:`PlotView.apply` draws a ready-made :class:`~lossplot_widget.render.frame.Frame` (and nothing else),
one message per mark; :attr:`PlotView.children` go into the widget's box.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import ipywidgets as widgets

from ..render.frame import Frame, FrameOptions, SeriesKey
from ..render.sections import OVERLAY_SUFFIX
from .closing import close_tree, walk
from .control_bar import ControlBar
from .downloads import Downloads
from .overlay import OverlayPanel
from .panel import Panel
from .progress_bar import ProgressBar
from .run_table import RunTable
from .sections import SectionHeader
from .summary import render_notes, render_summary
from .zoom import ZoomCallback, ZoomControl

if TYPE_CHECKING:
    from ..control.scope import LoopControl

__all__ = ["TOOLBAR_CSS", "PlotView"]

#: the smoothing slider's readout needs 4 characters, not ipywidgets' default width: its track gets the room
TOOLBAR_CSS = (
    "<style>.lossplot-smoothing .widget-readout {min-width: 34px; width: 34px; margin-left: 6px}</style>"
)


class PlotView:
    """Widgets for one display of a :class:`~lossplot_widget.widget.LiveLossWidget`.

    The view keeps what a person did to this display and nothing else: the zoom (in the x scales,
    :meth:`~.zoom.ZoomControl.ranges`), the folded panels (:attr:`collapsed`) and, per section of panels
    (see :mod:`~lossplot_widget.render.sections`), whether it was opened or folded (:attr:`sections`), its page
    (:attr:`pages`) and whether it is overlaid (:attr:`overlays`); the widget reads them when it builds a frame.
    Only the panels a frame shows exist: a panel that leaves a section's page is closed. The toolbar controls
    that mirror a drawing option are :attr:`option_controls`.

    Parameters
    ----------
    options : FrameOptions
        Initial values of the toolbar controls (the widget links them to its traits).
    height : str
        CSS height of each panel.
    control : LoopControl
        What Stop and Pause act on.
    current_step : callable
        The latest logged step (for the control label).
    current_run : callable, optional
        The name of the run of that step where several are shown (``None``: one run).
    on_change : callable
        ``on_change(now)``: the zoom or the folded panels changed (``now``: draw at once).
    on_run_visible : callable
        ``on_run_visible(run, visible)``: a run's box in the run table was (un)checked.
    downloads : Downloads, optional
        The CSV/SVG links shown in the toolbar.
    """

    def __init__(
        self, options: FrameOptions, *, height: str, control: LoopControl, current_step: Callable[[], int | None],
        on_change: ZoomCallback, on_run_visible: Callable[[str, bool], None] = lambda run, visible: None,
        downloads: Downloads | None = None, store: str | None = None,
        current_run: Callable[[], str | None] = lambda: None,
    ) -> None:
        self.height = height
        # one compact line at 800 px: symbols and short words, every control explained by its tooltip
        # (plain text/unicode: Voilà serves no icon font offline)
        self.smoothing = widgets.FloatSlider(
            value=options.smoothing, min=0.0, max=0.999, step=0.001, description="smooth",
            tooltip="Smoothing: TensorBoard's exponential moving average weight (0 = off)",
            readout_format=".2f", continuous_update=False, layout=widgets.Layout(width="164px"),
            style={"description_width": "52px"}, _dom_classes=["lossplot-smoothing"],
        )
        self.log_y = widgets.ToggleButton(
            value=options.log_y, description="log y", tooltip="Logarithmic y axis (values <= 0 become gaps)",
            layout=widgets.Layout(width="38px", padding="0"), _dom_classes=["lossplot-log-y"],
        )
        self.all_y = widgets.ToggleButton(
            value=not options.ignore_outliers, description="all y",
            tooltip="Show the whole y range (off: fit the bulk of the visible data and the latest values, "
            "like TensorBoard's 'ignore outliers in chart scaling')",
            layout=widgets.Layout(width="38px", padding="0"), _dom_classes=["lossplot-all-y"],
        )
        self.x_axis = widgets.Dropdown(
            options=[("step", "step"), ("epoch", "epoch"), ("time", "time")], value=options.x_axis,
            tooltip="x axis: global step, epoch (fractional within an epoch) or wall-clock seconds",
            layout=widgets.Layout(width="60px"), _dom_classes=["lossplot-x-axis"],
        )
        self.panel_filter = widgets.Text(
            value=options.panel_filter, placeholder="filter", continuous_update=True,
            tooltip="Show only panels whose name matches (a regular expression, else plain text)",
            layout=widgets.Layout(width="60px"), _dom_classes=["lossplot-filter"],
        )
        self._on_change = on_change
        #: titles of the panels folded away (their series are not built or sent)
        self.collapsed: frozenset[str] = frozenset(options.collapsed)
        #: sections opened (True) or folded (False) by the person; the page shown of each; the overlaid ones
        self.sections: dict[str, bool] = dict(options.sections)
        self.pages: dict[str, int] = dict(options.pages)
        self.overlays: frozenset[str] = frozenset(options.overlays)
        self.headers: dict[str, SectionHeader] = {}
        self._order: list[widgets.Widget] = []  # the panel box's children, as last assigned
        self.notes = widgets.HTML(TOOLBAR_CSS)  # the toolbar's style sheet rides with the notes (no extra widget)
        self.summary = widgets.HTML()
        self.run_table = RunTable(on_run_visible, store)  # shown while runs are compared
        self.panel_box = widgets.Box(layout=widgets.Layout(display="flex", flex_flow="row wrap", width="100%"))
        self.progress = ProgressBar()  # done / total, steps/s, ETA; hidden without a total
        # Stop, Pause and which mechanism delivers them
        self.control_bar = ControlBar(control, current_step, current_run)
        self.zoom = ZoomControl(on_change)  # pan/zoom toggle, reset; the x range each panel shows
        self.downloads = downloads
        links = [] if downloads is None else [downloads.html]
        self.toolbar = widgets.HBox(
            [self.smoothing, self.x_axis, self.log_y, self.all_y, *self.zoom.widgets, self.panel_filter, *links,
             *self.control_bar.widgets, *self.progress.widgets],
            # wrap whole controls onto a second row instead of squeezing them (truncated labels)
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        #: toolbar controls that mirror a drawing option: ``{option: (widget, inverted)}`` (the widget links each
        #: widget's ``value`` to its trait; "all y" pressed means outliers are not ignored)
        self.option_controls: dict[str, tuple[widgets.Widget, bool]] = {
            "smoothing": (self.smoothing, False), "log_y": (self.log_y, False), "x_axis": (self.x_axis, False),
            "panel_filter": (self.panel_filter, False), "ignore_outliers": (self.all_y, True),
        }
        self.panels: dict[str, Panel] = {}
        # where a kernel subshell serves the controls, it serves every widget a person can touch
        self._route = control.route
        self._routed_rows = 0
        self._route(walk(*self.children))

    @property
    def children(self) -> tuple[widgets.Widget, ...]:
        """What the widget's box shows, top to bottom."""
        return (self.toolbar, self.notes, self.panel_box, self.run_table.box, self.summary)

    def apply(self, frame: Frame) -> dict[SeriesKey, int]:
        """Draw ``frame``: its panels, axes, epoch rules, notes, run table and progress.

        Returns the bytes of array data sent per series (only the series whose arrays were sent).
        """
        options = frame.options
        notes: Sequence[str] = frame.notes
        sent: dict[SeriesKey, int] = {}
        self._close_unseen(frame)
        overlaid = frame.overlaid
        for title, series in frame.panels.items():
            panel = self.panels.get(title)
            if panel is None:
                panel = self.panels[title] = self._new_panel(title, frame.x_label, title in overlaid)
            panel.set_log(options.log_y)
            sent.update(panel.apply(series, options.smoothing > 0, frame.x_label, frame.axes.get(title),
                                    frame.references.get(title, [])))
        for title, panel in self.panels.items():
            panel.set_filtered(title in frame.filtered)
        self._arrange(frame)
        if not frame.filter_valid:
            notes = [*notes, f"the filter {html.escape(options.panel_filter)!r} is not a regular expression: "
                     "panels are matched by its text"]
        html_notes = TOOLBAR_CSS + render_notes(frame, notes)
        if self.notes.value != html_notes:
            self.notes.value = html_notes
        self.run_table.show(frame)
        if self.run_table.made != self._routed_rows:  # new rows or sort buttons
            self._routed_rows = self.run_table.made
            self._route(walk(self.run_table.box))
        summary = "" if frame.comparing else render_summary(frame)
        if self.summary.value != summary:
            self.summary.value = summary
        for panel in self.panels.values():
            panel.set_rules(frame.epoch_rules)
        self.progress.show(frame.progress)
        return sent

    def _new_panel(self, title: str, x_label: str, overlay: bool) -> Panel:
        if overlay:
            section = title.removesuffix(OVERLAY_SUFFIX)
            panel: Panel = OverlayPanel(title, x_label, self.height, self.toggle_panel, label=f"{section} · all")
        else:
            panel = Panel(title, x_label, self.height, self.toggle_panel)
        panel.set_collapsed(title in self.collapsed)
        self.zoom.attach(title, panel)
        self._route(walk(panel.box, self.zoom.interactions[title]))
        return panel

    def _close_unseen(self, frame: Frame) -> None:
        """Close the panels the frame no longer shows: those of a section's other pages, of a folded section,
        of an overlay turned off (main-section panels stay: the filter or a fold only hides them)."""
        keep = set(frame.main).union(*(s.titles for s in frame.sections))
        for title in [t for t in self.panels if t not in keep]:
            panel = self.panels.pop(title)
            interaction = self.zoom.detach(title)
            close_tree(panel.box, [panel.lin_scale, panel.log_scale, interaction])

    def _arrange(self, frame: Frame) -> None:
        """The panel box's children: the main section's panels, then each section's header and panels."""
        order: list[widgets.Widget] = [self.panels[t].box for t in frame.main if t in self.panels]
        names = {s.name for s in frame.sections}
        for name in [n for n in self.headers if n not in names]:  # its metrics are gone (cleared, removed)
            close_tree(self.headers.pop(name).box)
        for section in frame.sections:
            header = self.headers.get(section.name)
            if header is None:
                header = self.headers[section.name] = SectionHeader(
                    section.name, on_fold=self.toggle_section, on_overlay=self.toggle_overlay, on_page=self.turn_page,
                    route=lambda ws: self._route(walk(*ws)),
                )
                self._route(walk(header.box))
            header.show(section)
            order.append(header.box)
            order.extend(self.panels[t].box for t in section.titles if t in self.panels)
        if len(order) != len(self._order) or any(a is not b for a, b in zip(order, self._order)):
            self._order = order
            self.panel_box.children = order

    def set_section(self, name: str, open: bool, *, overlay: bool | None = None, page: int | None = None) -> None:
        """Open or fold section ``name``; overlay it or not; show its ``page`` (None: leave as it is)."""
        self.sections[name] = open
        if overlay is not None:
            self.overlays = self.overlays | {name} if overlay else self.overlays - {name}
        if page is not None:
            self.pages[name] = max(0, page)
        self._on_change(True)

    def toggle_section(self, name: str) -> None:
        """Open section ``name``, or fold it away (its header was clicked)."""
        header = self.headers.get(name)
        self.sections[name] = not (header is not None and header.shown is not None and header.shown.open)
        self._on_change(True)

    def toggle_overlay(self, name: str) -> None:
        """Draw section ``name``'s series in one panel, or one panel per metric again."""
        self.overlays = self.overlays ^ {name}
        self._on_change(True)

    def turn_page(self, name: str, delta: int) -> None:
        """Show the previous (``delta=-1``) or next page of section ``name``'s panels."""
        header = self.headers.get(name)
        shown = None if header is None else header.shown
        page = self.pages.get(name, 0) if shown is None else shown.page
        pages = None if shown is None else shown.pages
        self.pages[name] = max(0, page + delta if pages is None else min(pages - 1, page + delta))
        self._on_change(True)

    def toggle_panel(self, title: str) -> None:
        """Fold panel ``title`` away, or show it again (its header was clicked)."""
        self.set_collapsed(self.collapsed ^ {title})

    def set_collapsed(self, titles: set[str] | frozenset[str]) -> None:
        """Fold exactly the panels ``titles`` away; tell the widget (it draws the panels shown again)."""
        self.collapsed = frozenset(titles)
        for title, panel in self.panels.items():
            panel.set_collapsed(title in self.collapsed)
        self._on_change(True)

    def close(self) -> int:
        """Close every widget of the view (layouts, styles, tooltips and idle PanZoom included)."""
        self.control_bar.close()
        self.zoom.close()
        scales = [s for p in self.panels.values() for s in (p.lin_scale, p.log_scale)]  # one is off-axis
        headers = [h.box for h in self.headers.values()]  # those of sections gone are no child of the box
        return self.run_table.close() + close_tree(
            *self.children, list(self.zoom.interactions.values()), scales, headers)
