"""The ipywidgets/bqplot parts of a LiveLossWidget: toolbar, notes, one figure per panel, summary.

The view owns no data and knows no widget: it is given the initial toolbar values, the run
control its buttons act on, a ``current_step`` callable and an ``on_zoom`` callback.
:meth:`PlotView.apply` assigns a ready-made :class:`~lossplot_widget.render.frames.Frame` to the
marks, one message per mark; :attr:`PlotView.children` go into the widget's box.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import ipywidgets as widgets

from ..core.progress import ProgressState
from ..render.frames import Frame, FrameOptions, SeriesKey
from .closing import close_tree, walk
from .control_bar import ControlBar
from .downloads import Downloads
from .panel import Panel
from .progress_bar import ProgressBar
from .run_table import RunTable
from .summary import render_notes, render_summary
from .zoom import ZoomCallback, ZoomControl

if TYPE_CHECKING:
    from ..control.run import RunControl

__all__ = ["TOOLBAR_CSS", "PlotView"]

#: the smoothing slider's readout needs 4 characters, not ipywidgets' default width: its track gets the room
TOOLBAR_CSS = (
    "<style>.lossplot-smoothing .widget-readout {min-width: 34px; width: 34px; margin-left: 6px}</style>"
)


class PlotView:
    """Widgets for one display of a :class:`~lossplot_widget.widget.LiveLossWidget`.

    Parameters
    ----------
    smoothing, log_y, x_axis
        Initial values of the toolbar controls (the widget links them to its traits).
    height : str
        CSS height of each panel.
    control : RunControl
        What Stop and Pause act on.
    current_step : callable
        The latest logged step (for the control label).
    on_zoom : callable
        ``on_zoom(ranges, now)``: the visible x range of each zoomed panel changed.
    on_run_visible : callable
        ``on_run_visible(run, visible)``: a run's box in the run table was (un)checked.
    on_collapse : callable
        ``on_collapse(titles)``: the set of panels folded away changed.
    panel_filter : str
        Initial text of the panel filter box.
    ignore_outliers : bool
        Initial value of the y range rule (the "all y" button shows the opposite).
    downloads : Downloads, optional
        The CSV/SVG links shown in the toolbar.
    """

    def __init__(
        self, *, smoothing: float, log_y: bool, x_axis: str, height: str, control: RunControl,
        current_step: Callable[[], int | None], on_zoom: ZoomCallback,
        on_run_visible: Callable[[str, bool], None] = lambda run, visible: None,
        on_collapse: Callable[[frozenset[str]], None] = lambda titles: None, panel_filter: str = "",
        ignore_outliers: bool = True, downloads: Downloads | None = None,
    ) -> None:
        self.height = height
        # one compact line at 800 px: symbols and short words, every control explained by its tooltip
        # (plain text/unicode: Voilà serves no icon font offline)
        self.smoothing = widgets.FloatSlider(
            value=smoothing, min=0.0, max=0.999, step=0.001, description="smooth",
            tooltip="Smoothing: TensorBoard's exponential moving average weight (0 = off)",
            readout_format=".2f", continuous_update=False, layout=widgets.Layout(width="164px"),
            style={"description_width": "52px"}, _dom_classes=["lossplot-smoothing"],
        )
        self.log_y = widgets.ToggleButton(
            value=log_y, description="log y", tooltip="Logarithmic y axis (values <= 0 become gaps)",
            layout=widgets.Layout(width="38px", padding="0"), _dom_classes=["lossplot-log-y"],
        )
        self.all_y = widgets.ToggleButton(
            value=not ignore_outliers, description="all y",
            tooltip="Show the whole y range (off: fit the bulk of the visible data and the latest values, "
            "like TensorBoard's 'ignore outliers in chart scaling')",
            layout=widgets.Layout(width="38px", padding="0"), _dom_classes=["lossplot-all-y"],
        )
        self.x_axis = widgets.Dropdown(
            options=[("step", "step"), ("epoch", "epoch"), ("time", "time")], value=x_axis,
            tooltip="x axis: global step, epoch (fractional within an epoch) or wall-clock seconds",
            layout=widgets.Layout(width="60px"), _dom_classes=["lossplot-x-axis"],
        )
        self.panel_filter = widgets.Text(
            value=panel_filter, placeholder="filter", continuous_update=True,
            tooltip="Show only panels whose name matches (a regular expression, else plain text)",
            layout=widgets.Layout(width="60px"), _dom_classes=["lossplot-filter"],
        )
        self._on_collapse = on_collapse
        #: titles of the panels folded away (their series are not built or sent)
        self.collapsed: set[str] = set()
        self.notes = widgets.HTML(TOOLBAR_CSS)  # the toolbar's style sheet rides with the notes (no extra widget)
        self.summary = widgets.HTML()
        self.run_table = RunTable(on_run_visible)  # shown while runs are compared
        self.panel_box = widgets.Box(layout=widgets.Layout(display="flex", flex_flow="row wrap", width="100%"))
        self.progress = ProgressBar()  # done / total, steps/s, ETA; hidden without a total
        self.control_bar = ControlBar(control, current_step)  # Stop, Pause and which mechanism delivers them
        self.zoom = ZoomControl(on_zoom)  # pan/zoom toggle, reset; the x range each panel shows
        self.downloads = downloads
        links = [] if downloads is None else [downloads.html]
        self.toolbar = widgets.HBox(
            [self.smoothing, self.x_axis, self.log_y, self.all_y, *self.zoom.widgets, self.panel_filter, *links,
             *self.control_bar.widgets, *self.progress.widgets],
            # wrap whole controls onto a second row instead of squeezing them (truncated labels)
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        self.panels: dict[str, Panel] = {}
        # where a kernel subshell serves the controls, it serves every widget a person can touch
        self._route = control.route
        self._routed_rows = 0
        self._route(walk(*self.children))

    @property
    def children(self) -> tuple[widgets.Widget, ...]:
        """What the widget's box shows, top to bottom."""
        return (self.toolbar, self.notes, self.panel_box, self.run_table.box, self.summary)

    def apply(self, frame: Frame, options: FrameOptions, notes: Sequence[str] = ()) -> dict[SeriesKey, int]:
        """Draw ``frame`` (made with ``options``); ``notes``: extra messages shown above the plot.

        Returns the bytes of array data sent per series (only the series whose arrays were sent).
        """
        new_panel = False
        sent: dict[SeriesKey, int] = {}
        for title, series in frame.panels.items():
            panel = self.panels.get(title)
            if panel is None:
                panel = self.panels[title] = Panel(title, frame.x_label, self.height, self.toggle_panel)
                panel.set_collapsed(title in self.collapsed)
                self.zoom.attach(title, panel)
                self._route(walk(panel.box, self.zoom.interactions[title]))
                new_panel = True
            panel.set_log(options.log_y)
            sent.update(panel.apply(series, options.smoothing > 0, frame.x_label, frame.axes.get(title)))
        for title, panel in self.panels.items():
            panel.set_filtered(title in frame.filtered)
        if new_panel:
            order = {t: i for i, t in enumerate(frame.layout)}
            ordered = sorted(self.panels.values(), key=lambda p: order.get(p.title, len(order)))
            self.panel_box.children = [p.box for p in ordered]
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
        return sent

    def toggle_panel(self, title: str) -> None:
        """Fold panel ``title`` away, or show it again (its header was clicked)."""
        self.set_collapsed(self.collapsed ^ {title})

    def set_collapsed(self, titles: set[str] | frozenset[str]) -> None:
        """Fold exactly the panels ``titles`` away; tell the widget (it draws the panels shown again)."""
        self.collapsed = set(titles)
        for title, panel in self.panels.items():
            panel.set_collapsed(title in self.collapsed)
        self._on_collapse(frozenset(self.collapsed))

    def show_epochs(self, xs: list[float]) -> None:
        """Epoch boundaries (x positions, see :mod:`~lossplot_widget.core.epochs`) in every panel."""
        for panel in self.panels.values():
            panel.set_rules(xs)

    def show_progress(self, state: ProgressState | None) -> None:
        """Update the progress bar (``None`` hides it)."""
        self.progress.show(state)

    def close(self) -> int:
        """Close every widget of the view (layouts, styles, tooltips and idle PanZoom included)."""
        self.control_bar.close()
        self.zoom.close()
        scales = [s for p in self.panels.values() for s in (p.lin_scale, p.log_scale)]  # one is off-axis
        return close_tree(*self.children, list(self.zoom.interactions.values()), scales)
