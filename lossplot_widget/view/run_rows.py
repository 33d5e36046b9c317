"""The run table's text: its columns, each row's cells, the order rows sort in, and the "best so far" line.

Pure functions of :class:`~lossplot_widget.core.run_summary.RunSummary` rows (no widgets): the run table
(:mod:`lossplot_widget.view.run_table`) asks only for the cells of the rows it shows.

>>> from lossplot_widget.core.runset import RunSet
>>> from lossplot_widget.core.run_summary import summarize
>>> runs = RunSet(); r = runs.start("a", config={"lr": 0.1}); r.log(loss=1.0); r.finish()
>>> row = summarize(r, {"loss": r.history["loss"].stats()}, hidden=False)
>>> cols = columns([row], None); [c.label for c in cols]
['run', 'status', 'lr', 'loss last', 'loss best', 'steps/s']
>>> [text for text, _ in cells(row, cols, None)]
['a', 'finished', '0.1', '1', '1 @ 0', '–']
"""

from __future__ import annotations

import html
import math
from collections import Counter
from collections.abc import Sequence
from typing import Any, NamedTuple

from ..core.ranking import Objective, eligible, score_of
from ..core.run_summary import RunSummary, best_of

__all__ = ["Cell", "Column", "best_line", "cell", "cells", "columns", "score_label", "sort_value"]

#: a cell: its text and the value it sorts by
Cell = tuple[str, Any]


def _fmt(value: Any) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.4g}"


def score_label(objective: Objective) -> str:
    """The score column's label: ``"★ <metric>"``."""
    return f"\u2605 {objective.metric}"


class Column(NamedTuple):
    """A column: its label, what it shows (``run``, ``status``, ``score``, ``config``, ``last``, ``best``,
    ``rate``) and of what (a config key or a metric)."""

    label: str
    kind: str
    key: str = ""


def columns(rows: Sequence[RunSummary], objective: Objective | None) -> list[Column]:
    """The columns: run, status, the score (with an objective), config keys, per metric last and best, steps/s."""
    config_keys = list(dict.fromkeys(k for s in rows for k in s.config))
    metrics = list(dict.fromkeys(n for s in rows for n in s.stats))
    cols = [Column("run", "run"), Column("status", "status")]
    if objective is not None:
        cols.append(Column(score_label(objective), "score", objective.metric))
    cols += [Column(k, "config", k) for k in config_keys]
    for name in metrics:
        cols += [Column(f"{name} last", "last", name), Column(f"{name} best", "best", name)]
    cols.append(Column("steps/s", "rate"))
    return cols


def cell(summary: RunSummary, column: Column, objective: Objective | None) -> Cell:
    """The cell of ``summary`` in ``column``."""
    kind = column.kind
    if kind == "run":
        return (summary.name, summary.index)
    if kind == "status":
        status = summary.status if summary.error is None else f"{summary.status} ({summary.error.split(':')[0]})"
        return (status, summary.status)
    if kind == "score" and objective is not None:
        score = score_of(summary, objective)
        return (_fmt(score), None if score is None else (-score if objective.maximize else score))
    if kind == "rate":
        return (_fmt(summary.rate), summary.rate)
    if kind == "config":
        value = summary.config.get(column.key)
        return ("" if value is None else _fmt(value) if isinstance(value, float) else str(value), value)
    st = summary.stats.get(column.key)
    if st is None or not st.count:
        return ("", None)
    if kind == "last":
        return (_fmt(st.last), st.last)
    if objective is not None and column.key == objective.metric:  # the objective's own direction, not its name's
        best, step = (st.max, st.max_step) if objective.maximize else (st.min, st.min_step)
    else:
        best, step = best_of(column.key, st)
    return (f"{_fmt(best)} @ {step}", best)


def cells(summary: RunSummary, cols: Sequence[Column], objective: Objective | None) -> list[Cell]:
    """Every cell of one row, in column order."""
    return [cell(summary, c, objective) for c in cols]


def sort_value(value: Any) -> tuple[int, Any]:
    """The key a cell's value sorts by: numbers, then text, then empty cells."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return (2, 0)  # empty cells last
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, float(value))
    return (1, str(value))


def best_line(rows: Sequence[RunSummary], objective: Objective, shown: str = "runs") -> str:
    """``Best so far: <run> ★ metric value (config) · N runs: k finished, ...`` as HTML."""
    scored = [(v, s) for v, s in ((score_of(s, objective), s) for s in rows) if v is not None]
    scored = [(v, s) for v, s in scored if eligible(s)] or scored  # a pruned run is the best only of pruned ones
    counts = Counter(s.status for s in rows)
    tally = ", ".join(f"{n} {status}" for status, n in counts.most_common())
    head = f"{len(rows)} {shown}" + (f": {tally}" if tally else "")
    if not scored:
        return f"{html.escape(head)} · no {html.escape(objective.metric)} yet"
    best_v, best = scored[0]
    for v, s in scored[1:]:
        if objective.better(v, best_v):
            best_v, best = v, s
    config = ", ".join(f"{k}={_fmt(v) if isinstance(v, float) else v}" for k, v in list(best.config.items())[:6])
    return (f"Best so far: <b>{html.escape(best.name)}</b> {html.escape(score_label(objective))} "
            f"<b>{_fmt(best_v)}</b> ({objective.mode})" + (f" · {html.escape(config)}" if config else "")
            + f" · {html.escape(head)}")
