"""The run table under the plot: a row per run with a hide/show box; click a column header to sort.

Shown while runs are compared (:attr:`~lossplot_widget.render.frame.Frame.comparing`). Columns: the
run (its colour and name), its status, the score when runs are judged by an objective (a sweep's metric: see
:meth:`~lossplot_widget.LiveLossWidget.rank_by`), its config keys, for each metric the last value and the best
(min for losses, max for accuracy-like names) with its step, and steps/s. With an objective the best runs come
first (after the running ones) and a "best so far" line sits above the table.

At most :data:`PAGE_ROWS` rows are shown, a page at a time (‹ and › turn pages): the table costs the same
widgets at 300 runs as at 20. Plain ipywidgets: a ``Button`` per column header, a ``Checkbox`` and an ``HTML``
per row of a run on the page (made when the run comes onto the page, closed when it leaves: a box always belongs
to one run, so a click that crosses a re-sort in flight never hides another run); columns line up through widths
in ``ch`` computed from the page's longest cell. A widget's value is assigned only when its text changes.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable

import ipywidgets as widgets

from ..core.ranking import Objective, ranked
from ..core.run import RUNNING
from ..core.run_summary import RunSummary
from ..render.frame import Frame
from ..render.palette import MUTED, css_color
from .closing import close_tree
from .run_rows import Cell, Column, best_line, cell, cells, columns, sort_value

__all__ = ["PAGE_ROWS", "RunTable"]

#: rows shown at a time
PAGE_ROWS = 20

STATUS_COLORS = {
    "running": "var(--jp-brand-color1, #1976d2)", "finished": "var(--jp-success-color1, #388e3c)",
    "stopped": "var(--jp-warn-color1, #f57c00)", "interrupted": "var(--jp-warn-color1, #f57c00)",
    "failed": "var(--jp-error-color1, #d32f2f)", "followed": "var(--jp-ui-font-color2, #757575)",
    "crashed": "var(--jp-error-color1, #d32f2f)", "pruned": "var(--jp-ui-font-color2, #757575)",
}
_SMALL = "font-size:var(--jp-content-font-size0, 11px);color:var(--jp-ui-font-color2, #757575)"


class RunTable:
    """The run table. ``on_visible(run, visible)`` is called when a row's box is (un)checked; ``store``: the file
    the runs are saved to, said under the table."""

    def __init__(self, on_visible: Callable[[str, bool], None], store: str | None = None) -> None:
        self.on_visible = on_visible
        self.header = widgets.HBox(layout=widgets.Layout(align_items="center"))
        self.body = widgets.VBox()
        self._store = store
        self.caption: widgets.HTML | None = None  # where the runs are saved: made when the table first shows
        self.best: widgets.HTML | None = None  # "best so far": made when runs are first judged by an objective
        self.pager: widgets.HBox | None = None  # ‹ 1-20 of 300 ›: made when runs first outnumber a page
        self._pager_label: widgets.HTML | None = None
        # wider than the widget (many config keys or metrics): scroll sideways instead of squeezing columns
        self.box = widgets.VBox([self.header, self.body], layout=widgets.Layout(display="none", overflow="auto"))
        self.box.add_class("lossplot-runs")
        self._rows: dict[str, tuple[widgets.HBox, widgets.Checkbox, widgets.HTML]] = {}  # the page's runs' rows
        self._shown: list[str] = []  # the runs the page shows, in order
        self._buttons: dict[str, widgets.Button] = {}
        #: the column sorted by (``None``: the score with an objective, else the order runs began)
        self.sort_label: str | None = None
        self.descending = False
        self.page = 0
        self._table: tuple[list[Column], list[RunSummary], Objective | None] = ([], [], None)
        self._made = 0
        self._rendering: int | None = None  # the thread assigning the boxes' values (its changes are no clicks)

    # ------------------------------------------------------------------ drawing
    def show(self, frame: Frame) -> None:
        """Show the runs of ``frame`` (hidden unless runs are compared)."""
        display = "flex" if frame.comparing else "none"
        if self.box.layout.display != display:
            self.box.layout.display = display
        if not frame.comparing:
            return
        if self._store is not None and self.caption is None:
            self.caption = widgets.HTML(
                f'<span class="lossplot-store" style="{_SMALL}">Runs are saved to '
                f"<code>{html.escape(self._store)}</code> · tick a past run to draw it</span>")
            self._add(self.caption)
        objective = frame.objective
        self._table = (columns(frame.runs, objective), list(frame.runs), objective)
        if objective is not None:
            if self.best is None:
                self.best = widgets.HTML()
                self.best.add_class("lossplot-best")
                self._add(self.best, first=True)
            text = f'<span style="{_SMALL}">{best_line(frame.runs, objective)}</span>'
            if self.best.value != text:
                self.best.value = text
        self._render()

    def _add(self, widget: widgets.Widget, first: bool = False) -> None:
        self.box.children = (widget, *self.box.children) if first else (*self.box.children, widget)
        self._made += 1

    def _ordered(self) -> list[RunSummary]:
        cols, rows, objective = self._table
        label = self.sort_label
        if label is None:
            if objective is not None:  # running runs first (what changes), then the best first
                return [s for s in rows if s.status == RUNNING] + ranked(
                    [s for s in rows if s.status != RUNNING], objective)
            return rows[::-1] if self.descending else list(rows)
        col = next((c for c in cols if c.label == label), cols[0])
        keyed = [(sort_value(cell(s, col, objective)[1]), s) for s in rows]
        keyed.sort(key=lambda kv: kv[0], reverse=self.descending)
        if self.descending:  # empty cells stay last
            keyed.sort(key=lambda kv: kv[0][0] == 2)
        return [s for _, s in keyed]

    def _render(self) -> None:
        cols, rows, objective = self._table
        ordered = self._ordered()
        pages = max(1, -(-len(ordered) // PAGE_ROWS))
        self.page = min(self.page, pages - 1)
        shown = ordered[self.page * PAGE_ROWS:(self.page + 1) * PAGE_ROWS]
        table = [(s, cells(s, cols, objective)) for s in shown]
        widths = [max([len(c.label) + 2] + [len(cs[i][0]) for _, cs in table]) + 1 for i, c in enumerate(cols)]
        widths[0] += 2  # the colour swatch
        self._render_header(cols, widths)
        names = [s.name for s, _ in table]
        for name in [n for n in self._rows if n not in names]:  # off the page: its row goes
            close_tree(self._rows.pop(name)[0])
        self._rendering = threading.get_ident()  # a box taking its run's state is no click
        try:
            for summary, row in table:
                _, check, cell_html = self._row(summary.name)
                if check.value != (not summary.hidden):
                    check.value = not summary.hidden
                text = self._row_html(summary, row, widths)
                if cell_html.value != text:
                    cell_html.value = text
        finally:
            self._rendering = None
        self._shown = names
        children = [self._rows[n][0] for n in names]
        if list(self.body.children) != children:
            self.body.children = children
        self._show_pager(len(ordered), pages)

    def _show_pager(self, n: int, pages: int) -> None:
        if pages <= 1 and self.pager is None:
            return
        if self.pager is None:
            prev = widgets.Button(description="\u2039", tooltip="previous runs",
                                  layout=widgets.Layout(width="32px", padding="0"))
            nxt = widgets.Button(description="\u203a", tooltip="next runs",
                                 layout=widgets.Layout(width="32px", padding="0"))
            prev.add_class("lossplot-page-prev")
            nxt.add_class("lossplot-page-next")
            prev.on_click(lambda _b: self.turn_page(-1))
            nxt.on_click(lambda _b: self.turn_page(1))
            self._pager_label = widgets.HTML()
            self._pager_label.add_class("lossplot-page-label")
            self.pager = widgets.HBox([prev, self._pager_label, nxt], layout=widgets.Layout(align_items="center"))
            self._add(self.pager)
        assert self._pager_label is not None
        first = self.page * PAGE_ROWS
        text = (f'<span style="{_SMALL};padding:0 6px">runs {first + 1}\u2013{min(n, first + PAGE_ROWS)} of {n}'
                f" · page {self.page + 1} of {pages}</span>")
        if self._pager_label.value != text:
            self._pager_label.value = text
        display = None if pages > 1 else "none"
        if self.pager.layout.display != display:
            self.pager.layout.display = display

    def turn_page(self, delta: int) -> None:
        """Show the previous (``delta=-1``) or next page of runs."""
        n = len(self._table[1])
        pages = max(1, -(-n // PAGE_ROWS))
        page = max(0, min(pages - 1, self.page + delta))
        if page != self.page:
            self.page = page
            self._render()

    def _render_header(self, cols: list[Column], widths: list[int]) -> None:
        buttons = []
        current = self.sort_label if self.sort_label is not None else (
            next((c.label for c in cols if c.kind == "score"), "run"))
        for i, column in enumerate(cols):
            label = column.label
            button = self._buttons.get(label)
            if button is None:
                button = self._buttons[label] = widgets.Button(
                    tooltip=f"sort by {label}" + (" (best first)" if column.kind == "score" else ""),
                    layout=widgets.Layout(padding="0", margin="0", flex="0 0 auto"),
                )
                button.add_class("lossplot-sort")
                button.on_click(lambda _b, label=label: self.sort_by(label))
                self._made += 1
            text = label + ("" if label != current else " \u25bc" if self.descending else " \u25b2")
            if button.description != text:
                button.description = text
            width = f"{widths[i] + (3 if i == 0 else 0)}ch"
            if button.layout.width != width:
                button.layout.width = width
            buttons.append(button)
        if list(self.header.children) != buttons:
            self.header.children = buttons

    def _row(self, name: str) -> tuple[widgets.HBox, widgets.Checkbox, widgets.HTML]:
        row = self._rows.get(name)
        if row is None:
            check = widgets.Checkbox(
                value=True, indent=False,
                layout=widgets.Layout(width="3ch", height="22px", margin="0", flex="0 0 auto"),
            )
            check.add_class("lossplot-run-visible")
            check.observe(lambda change, name=name: self._toggled(name, bool(change["new"])), "value")
            cells_html = widgets.HTML(layout=widgets.Layout(height="22px", margin="0", flex="0 0 auto"))
            box = widgets.HBox([check, cells_html], layout=widgets.Layout(align_items="center", margin="1px 0"))
            row = self._rows[name] = (box, check, cells_html)
            self._made += 1
        return row

    def _toggled(self, name: str, visible: bool) -> None:
        if self._rendering == threading.get_ident():  # the render setting the box, not a person
            return
        self.on_visible(name, visible)

    @staticmethod
    def _row_html(summary: RunSummary, row: list[Cell], widths: list[int]) -> str:
        spans = []
        for i, ((text, value), width) in enumerate(zip(row, widths)):
            align = "left" if i < 2 or isinstance(value, str) else "right"
            style = f"display:inline-block;width:{width}ch;text-align:{align};white-space:nowrap;overflow:hidden"
            body = html.escape(text)
            if i == 0:
                swatch = css_color(summary.color if summary.color != -2 else summary.index)
                body = f'<span style="color:{swatch}">&#9632;</span> <b>{body}</b>'
                style += ";opacity:0.5" if summary.hidden else ""
            elif i == 1:
                style += f";color:{STATUS_COLORS.get(summary.status, 'inherit')}"
            spans.append(f'<span style="{style}">{body}</span>')
        return (
            f'<div class="lossplot-run" data-run="{html.escape(summary.name)}" data-status="{summary.status}" '
            f'data-hidden="{str(summary.hidden).lower()}" data-points="{summary.points}" '
            f'data-muted="{str(summary.color == MUTED).lower()}" '
            # the header buttons' font: widths in ch then mean the same in both
            'style="font-size:var(--jp-widgets-font-size, 13px);font-variant-numeric:tabular-nums">'
            + "".join(spans) + "</div>"
        )

    @property
    def made(self) -> int:
        """How many rows, sort buttons and lines were made so far (a new one is a widget to route)."""
        return self._made

    def row_html(self, name: str) -> str:
        """The HTML of the row of run ``name`` on this page (``KeyError`` when another page holds it)."""
        return self._rows[name][2].value if name in self._rows else _missing(name)

    @property
    def checks(self) -> dict[str, widgets.Checkbox]:
        """The hide/show box of each run the page shows."""
        return {name: self._rows[name][1] for name in self._shown if name in self._rows}

    # ------------------------------------------------------------------ sorting
    def sort_by(self, label: str) -> None:
        """Sort by column ``label``; again: the other way round. Back to the first page."""
        cols = self._table[0]
        if label not in [c.label for c in cols]:
            raise KeyError(label)
        current = self.sort_label if self.sort_label is not None else (
            next((c.label for c in cols if c.kind == "score"), "run"))
        self.descending = not self.descending if label == current else False
        self.sort_label = label
        self.page = 0
        self._render()

    @property
    def order(self) -> list[str]:
        """Run names in the order the table shows them (the page shown)."""
        return list(self._shown)

    def close(self) -> int:
        """Close every widget of the table."""
        return close_tree(self.box, [row[0] for row in self._rows.values()])




def _missing(name: str) -> str:
    raise KeyError(f"run {name!r} is not on the page shown")
