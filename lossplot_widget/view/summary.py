"""The HTML above and under the plot: notes (warnings) and the summary table, escaped throughout."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from ..core.grouping import panel_title, section_of
from ..render.frame import Frame

__all__ = ["MAX_NONFINITE_NOTES", "render_notes", "render_summary"]

#: at most this many "non-finite value" notes, then one line counting the rest (hundreds of metrics)
MAX_NONFINITE_NOTES = 8


def _fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.6g}"


def render_notes(frame: Frame, extra: Sequence[str] = ()) -> str:
    """Visible warnings: non-finite values (first step), points hidden by the log scale, ``extra`` messages."""
    items = [f"⚠ {html.escape(text)}" for text in extra]
    nonfinite = 0
    for (run, metric), st in frame.stats.items():
        name = f"{run} · {metric}" if frame.comparing else metric
        if st.first_nonfinite_step is not None:
            nonfinite += 1
            if nonfinite <= MAX_NONFINITE_NOTES:
                items.append(
                    f"⚠ <b>{html.escape(name)}</b>: non-finite value ({st.first_nonfinite_value}) first at step "
                    f"{st.first_nonfinite_step}; drawn as a gap"
                )
    if nonfinite > MAX_NONFINITE_NOTES:
        items.append(f"⚠ and {nonfinite - MAX_NONFINITE_NOTES} more series with non-finite values (gaps)")
    for series in frame.panels.values():
        for sf in series:
            if sf.clipped:
                items.append(
                    f"{sf.clipped} value(s) of <b>{html.escape(sf.label)}</b> beyond &plusmn;1e307 are drawn clipped"
                )
            if sf.hidden_nonpositive:
                items.append(
                    f"log scale: {sf.hidden_nonpositive} value(s) &le; 0 of <b>{html.escape(sf.label)}</b> "
                    "are not drawn (gaps)"
                )
    if not items:
        return ""
    return '<div class="lossplot-notes" style="color: var(--jp-warn-color0, #e65100)">' + "<br>".join(items) + "</div>"


def render_summary(frame: Frame) -> str:
    """A table: last value, min and max (with their steps), points per second, per series (of one run).

    The main section's series have a row each, and so do those drawn in a section's page; the rest of a section
    (folded, other pages, overlaid) is one row naming it and its size: the table stays short with hundreds of
    metrics (the CSV has every one).
    """
    rows = []
    overlaid = frame.overlaid
    listed = {sf.name for title, series in frame.panels.items() if title not in overlaid for sf in series}
    rest: dict[str, int] = {}
    for (_run, name), st in frame.stats.items():
        section = section_of(panel_title(name, frame.options.groups))
        if section and name not in listed:
            rest[section] = rest.get(section, 0) + 1
            continue
        last = "" if st.last is None else repr(float(st.last))  # exact, for scripts and browser tests
        rows.append(
            f'<tr class="lossplot-row" data-metric="{html.escape(name)}" data-last="{last}" '
            f'data-last-step="{st.last_step}" data-count="{st.count}">'
            f"<td><b>{html.escape(name)}</b></td><td>{_fmt(st.last)}</td><td>{st.last_step}</td>"
            f"<td>{_fmt(st.min)} @ {st.min_step}</td><td>{_fmt(st.max)} @ {st.max_step}</td>"
            f"<td>{st.count}</td><td>{'–' if st.rate != st.rate else f'{st.rate:.3g}'}</td>"
            "</tr>"
        )
    for section, n in rest.items():
        rows.append(f'<tr class="lossplot-section-row"><td colspan="7" style="text-align: left; color: '
                    f'var(--jp-ui-font-color2, #757575)"><b>{html.escape(section)}/…</b>: {n:,} more metric'
                    f'{"" if n == 1 else "s"} (open the section to list them)</td></tr>')
    head = "<tr><th>metric</th><th>last</th><th>step</th><th>min</th><th>max</th><th>points</th><th>steps/s</th></tr>"
    return (
        SUMMARY_STYLE
        + '<table class="lossplot-summary" style="font-size: var(--jp-ui-font-size1, 12px)">'
        + head + "".join(rows) + "</table>"
    )


SUMMARY_STYLE = (
    "<style>.lossplot-summary th, .lossplot-summary td {padding: 1px 10px; text-align: right}"
    " .lossplot-summary th:first-child, .lossplot-summary td:first-child {text-align: left}</style>"
)
