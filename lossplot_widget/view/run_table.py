"""The run table under the plot: a row per run with a hide/show box; click a column header to sort.

Shown while runs are compared (:attr:`~lossplot_widget.render.frame.Frame.comparing`). Columns: the
run (its colour and name), its status, its config keys, for each metric the last value and the best
(min for losses, max for accuracy-like names) with its step, and steps/s. Plain ipywidgets: a
``Button`` per column header, a ``Checkbox`` and an ``HTML`` per row; columns line up through widths
in ``ch`` computed from their longest cell. Widgets are made once per run and per column and updated
only when their text changes.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets

from ..core.run_summary import RunSummary, best_of
from ..render.frame import Frame
from ..render.palette import css_color
from .closing import close_tree

__all__ = ["RunTable"]

STATUS_COLORS = {
    "running": "var(--jp-brand-color1, #1976d2)", "finished": "var(--jp-success-color1, #388e3c)",
    "stopped": "var(--jp-warn-color1, #f57c00)", "interrupted": "var(--jp-warn-color1, #f57c00)",
    "failed": "var(--jp-error-color1, #d32f2f)", "followed": "var(--jp-ui-font-color2, #757575)",
    "crashed": "var(--jp-error-color1, #d32f2f)",
}
#: a cell: its text and the value it sorts by
Cell = tuple[str, Any]


def _fmt(value: float) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.4g}"


def _cells(summary: RunSummary, config_keys: Sequence[str], metrics: Sequence[str]) -> list[Cell]:
    status = summary.status if summary.error is None else f"{summary.status} ({summary.error.split(':')[0]})"
    cells: list[Cell] = [(summary.name, summary.index), (status, summary.status)]
    for key in config_keys:
        value = summary.config.get(key)
        text = "" if value is None else _fmt(value) if isinstance(value, float) else str(value)
        cells.append((text, value))
    for name in metrics:
        st = summary.stats.get(name)
        if st is None or not st.count:
            cells += [("", None), ("", None)]
            continue
        best, step = best_of(name, st)
        cells += [(_fmt(st.last), st.last), (f"{_fmt(best)} @ {step}", best)]
    cells.append((_fmt(summary.rate), summary.rate))
    return cells


def _sort_value(value: Any) -> tuple[int, Any]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return (2, 0)  # empty cells last
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, float(value))
    return (1, str(value))


class RunTable:
    """The run table. ``on_visible(run, visible)`` is called when a row's box is (un)checked; ``store``: the file
    the runs are saved to, said under the table."""

    def __init__(self, on_visible: Callable[[str, bool], None], store: str | None = None) -> None:
        self.on_visible = on_visible
        self.header = widgets.HBox(layout=widgets.Layout(align_items="center"))
        self.body = widgets.VBox()
        self._store = store
        self.caption: widgets.HTML | None = None  # where the runs are saved: made when the table first shows
        # wider than the widget (many config keys or metrics): scroll sideways instead of squeezing columns
        self.box = widgets.VBox([self.header, self.body], layout=widgets.Layout(display="none", overflow="auto"))
        self.box.add_class("lossplot-runs")
        self.checks: dict[str, widgets.Checkbox] = {}
        self._rows: dict[str, tuple[widgets.HBox, widgets.HTML]] = {}
        self._buttons: dict[str, widgets.Button] = {}
        self.sort_column = 0  # the run column: the order runs began
        self.descending = False
        self._table: tuple[list[str], list[tuple[RunSummary, list[Cell]]]] = ([], [])
        self._made = 0

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
                '<span class="lossplot-store" style="font-size:var(--jp-content-font-size0, 11px);'
                f'color:var(--jp-ui-font-color2, #757575)">Runs are saved to <code>{html.escape(self._store)}</code>'
                " · tick a past run to draw it</span>")
            self.box.children = (*self.box.children, self.caption)
            self._made += 1
        config_keys = list(dict.fromkeys(k for s in frame.runs for k in s.config))
        metrics = list(dict.fromkeys(n for s in frame.runs for n in s.stats))
        labels = ["run", "status", *config_keys]
        for name in metrics:
            labels += [f"{name} last", f"{name} best"]
        labels.append("steps/s")
        rows = [(s, _cells(s, config_keys, metrics)) for s in frame.runs]
        self._table = (labels, rows)
        self._render()

    def _render(self) -> None:
        labels, rows = self._table
        col = min(self.sort_column, len(labels) - 1)
        ordered = sorted(rows, key=lambda r: _sort_value(r[1][col][1]), reverse=self.descending)
        if self.descending:  # empty cells stay last
            ordered.sort(key=lambda r: _sort_value(r[1][col][1])[0] == 2)
        widths = [max([len(label) + 2] + [len(cells[i][0]) for _, cells in rows]) + 1 for i, label in enumerate(labels)]
        widths[0] += 2  # the colour swatch
        self._render_header(labels, widths, col)
        children = []
        for summary, cells in ordered:
            box, cell_html = self._row(summary.name)
            check = self.checks[summary.name]
            if check.value != (not summary.hidden):
                check.value = not summary.hidden
            text = self._row_html(summary, cells, widths)
            if cell_html.value != text:
                cell_html.value = text
            children.append(box)
        shown = {s.name for s, _ in rows}
        for name in [n for n in self._rows if n not in shown]:
            close_tree(self._rows.pop(name)[0])
            del self.checks[name]
        if list(self.body.children) != children:
            self.body.children = children

    def _render_header(self, labels: list[str], widths: list[int], col: int) -> None:
        buttons = []
        for i, label in enumerate(labels):
            button = self._buttons.get(label)
            if button is None:
                button = self._buttons[label] = widgets.Button(
                    tooltip=f"sort by {label}", layout=widgets.Layout(padding="0", margin="0", flex="0 0 auto"),
                )
                button.add_class("lossplot-sort")
                button.on_click(lambda _b, label=label: self.sort_by(label))
                self._made += 1
            text = label + ("" if i != col else " ▼" if self.descending else " ▲")
            if button.description != text:
                button.description = text
            width = f"{widths[i] + (3 if i == 0 else 0)}ch"
            if button.layout.width != width:
                button.layout.width = width
            buttons.append(button)
        if list(self.header.children) != buttons:
            self.header.children = buttons

    def _row(self, name: str) -> tuple[widgets.HBox, widgets.HTML]:
        row = self._rows.get(name)
        if row is None:
            check = widgets.Checkbox(
                value=True, indent=False,
                layout=widgets.Layout(width="3ch", height="22px", margin="0", flex="0 0 auto"),
            )
            check.add_class("lossplot-run-visible")
            check.observe(lambda change, name=name: self.on_visible(name, bool(change["new"])), "value")
            cells = widgets.HTML(layout=widgets.Layout(height="22px", margin="0", flex="0 0 auto"))
            box = widgets.HBox([check, cells], layout=widgets.Layout(align_items="center", margin="1px 0"))
            self.checks[name] = check
            row = self._rows[name] = (box, cells)
            self._made += 1
        return row

    @staticmethod
    def _row_html(summary: RunSummary, cells: list[Cell], widths: list[int]) -> str:
        spans = []
        for i, ((text, value), width) in enumerate(zip(cells, widths)):
            align = "left" if i < 2 or isinstance(value, str) else "right"
            style = f"display:inline-block;width:{width}ch;text-align:{align};white-space:nowrap;overflow:hidden"
            body = html.escape(text)
            if i == 0:
                swatch = css_color(summary.index)
                body = f'<span style="color:{swatch}">&#9632;</span> <b>{body}</b>'
                style += ";opacity:0.5" if summary.hidden else ""
            elif i == 1:
                style += f";color:{STATUS_COLORS.get(summary.status, 'inherit')}"
            spans.append(f'<span style="{style}">{body}</span>')
        return (
            f'<div class="lossplot-run" data-run="{html.escape(summary.name)}" data-status="{summary.status}" '
            f'data-hidden="{str(summary.hidden).lower()}" data-points="{summary.points}" '
            # the header buttons' font: widths in ch then mean the same in both
            'style="font-size:var(--jp-widgets-font-size, 13px);font-variant-numeric:tabular-nums">'
            + "".join(spans) + "</div>"
        )

    @property
    def made(self) -> int:
        """How many rows and sort buttons were made so far (a new one is a widget to route)."""
        return self._made

    # ------------------------------------------------------------------ sorting
    def sort_by(self, label: str) -> None:
        """Sort by column ``label``; again: the other way round."""
        labels = self._table[0]
        if label not in labels:
            raise KeyError(label)
        col = labels.index(label)
        self.descending = not self.descending if col == self.sort_column else False
        self.sort_column = col
        self._render()

    @property
    def order(self) -> list[str]:
        """Run names in the order the table shows them."""
        names = {box: name for name, (box, _) in self._rows.items()}
        return [names[box] for box in self.body.children]
