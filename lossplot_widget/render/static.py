"""A static SVG picture of a frame, for places where widgets do not render.

The SVG travels beside the widget view in the notebook output (same display),
so a notebook saved without widget state, or converted with nbconvert, still
shows the final curves. Plain SVG: no matplotlib, no browser.

>>> from lossplot_widget.core.history import History
>>> from lossplot_widget.render.builder import FrameBuilder
>>> from lossplot_widget.render.frame import FrameOptions
>>> h = History(); _ = [h.append({"loss": 1.0 / (i + 1)}, None, None) for i in range(10)]
>>> svg = frame_to_svg(FrameBuilder(h).build(FrameOptions(smoothing=0.0)))
>>> svg.startswith("<svg") and "loss: last 0.1 at step 9" in svg
True
"""

from __future__ import annotations

import math
from dataclasses import replace
from xml.sax.saxutils import escape

import numpy as np

from .axes import PanelAxes, log_ticks, nice_ticks, panel_axes
from .frame import Frame, Reference, Section, SeriesFrame
from .marks import label_sides
from .palette import MUTED_OPACITY, RAW_FAINT, REFERENCE_COLOR, hex_color
from .sections import OVERLAY_SUFFIX, PAGE_SIZE, top_by_last

__all__ = ["frame_to_svg"]

W, H = 420, 290
#: SVG dash patterns of the line styles of :mod:`lossplot_widget.render.runstyle`
_DASHES = {"dashed": ' stroke-dasharray="5,3"', "dotted": ' stroke-dasharray="1.5,2.5"',
           "dash_dotted": ' stroke-dasharray="6,2,1.5,2"'}
LEFT, RIGHT, TOP, BOTTOM = 58, 12, 38, 40
#: a white outline under a label drawn over lines, so that it stays readable
_HALO = ' stroke="white" stroke-width="3" paint-order="stroke"'


def _d3_format(value: float, fmt: str) -> str:
    """``value`` as d3's ``.N~g`` format prints it (Python's ``g`` drops trailing zeros the same way)."""
    digits = int(fmt[1:].split("~")[0])
    return f"{value:.{digits}g}"


def _runs(x: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split at NaNs: a gap in the data is a gap in the picture."""
    ok = np.isfinite(x) & np.isfinite(y)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(np.int8), [0]])))
    return [(x[a:b], y[a:b]) for a, b in zip(edges[::2], edges[1::2])]


class _Plot:
    """Where a panel's plot area maps x and y values (log y in decades)."""

    def __init__(self, x0: float, x1: float, y0: float, y1: float, log_y: bool) -> None:
        self.x0, self.x1, self.y0, self.y1, self.log_y = x0, x1, y0, y1, log_y
        self.width, self.height = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(self, v: np.ndarray) -> np.ndarray:
        return LEFT + (v - self.x0) / (self.x1 - self.x0) * self.width

    def py(self, v: np.ndarray) -> np.ndarray:
        return TOP + self.height - (v - self.y0) / (self.y1 - self.y0) * self.height

    def ly(self, y: np.ndarray) -> np.ndarray:
        """``y`` in the plot's units: decades on log y (values <= 0 become gaps)."""
        if not self.log_y:
            return y
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(np.where(y > 0, y, np.nan))


def _x_extent(series: list[SeriesFrame]) -> tuple[float, float] | None:
    xs = [a[np.isfinite(a)] for sf in series for a in (sf.x, sf.smooth_x) if len(a)]
    xs = [a for a in xs if a.size]
    if not xs:
        return None
    x0, x1 = float(min(a.min() for a in xs)), float(max(a.max() for a in xs))
    return (x0 - 1, x1 + 1) if not x1 > x0 else (x0, x1)


def _axes_marks(plot: _Plot, axes: PanelAxes, x_label: str) -> list[str]:
    """Grid lines and y labels, x tick labels and the x axis' label."""
    out = []
    assert axes.y is not None
    if plot.log_y:
        yticks = [math.log10(t) for t in log_ticks(axes.y.lo, axes.y.hi)] or nice_ticks(plot.y0, plot.y1, integer=True)
        labels = [_d3_format(10.0**t, ".3~g") for t in yticks]
    else:
        yticks = nice_ticks(plot.y0, plot.y1)
        labels = [_d3_format(t, axes.y.tick_format) for t in yticks]
    for t, label in zip(yticks, labels):
        yy = float(plot.py(np.array(t)))
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot.width}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#ddd" '
                   f'stroke-dasharray="3,3"/>')
        out.append(f'<text x="{LEFT - 4}" y="{yy + 4:.1f}" text-anchor="end" font-size="10">{label}</text>')
    for t in axes.x_ticks or []:  # the live view's x ticks (round; whole numbers on a step axis)
        xx = float(plot.px(np.array(t)))
        out.append(f'<text x="{xx:.1f}" y="{TOP + plot.height + 14}" text-anchor="middle" '
                   f'font-size="10">{t:.6g}</text>')
    out.append(f'<text x="{LEFT + plot.width / 2}" y="{H - 6}" text-anchor="middle" font-size="11">'
               f"{escape(x_label)}</text>")
    return out


def _epoch_rules(plot: _Plot, rules: list[float]) -> list[str]:
    """The live view's epoch boundaries: faint dashed vertical lines inside the plot."""
    out = []
    for x in rules:
        if plot.x0 <= x <= plot.x1:
            xx = float(plot.px(np.array(x)))
            out.append(f'<line class="lossplot-epoch" x1="{xx:.1f}" x2="{xx:.1f}" y1="{TOP}" '
                       f'y2="{TOP + plot.height}" stroke="#bbb" stroke-width="1" stroke-dasharray="2,3"/>')
    return out


def _lines(plot: _Plot, sf: SeriesFrame) -> list[str]:
    """One series: its raw line (faint under a smoothed one) and its smoothed line; a lone point is a dot."""
    out = []
    color, dash = hex_color(sf.color), _DASHES.get(sf.style, "")
    smoothed = len(sf.smooth_y) > 0
    lines = [(sf.x, sf.y, RAW_FAINT if smoothed else 1.0, 1.5)]
    if smoothed:
        lines.append((sf.smooth_x, sf.smooth_y, 1.0, 2.0))
    if sf.muted:  # one faint line, as the live view's muted mark
        lines = [(sf.smooth_x, sf.smooth_y, MUTED_OPACITY, 1.0) if smoothed else (sf.x, sf.y, MUTED_OPACITY, 1.0)]
    for x, y, opacity, width in lines:
        faint = f' stroke-opacity="{opacity}"' if opacity < 1 else ""
        for rx, ry in _runs(np.asarray(x, dtype=float), plot.ly(np.asarray(y, dtype=float))):
            if len(rx) == 1:
                out.append(f'<circle cx="{plot.px(rx)[0]:.1f}" cy="{plot.py(ry)[0]:.1f}" r="2.5" fill="{color}"/>')
                continue
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(plot.px(rx), plot.py(ry)))
            out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="{width}"{faint}{dash}/>')
    return out


def _references(plot: _Plot, references: list[Reference]) -> list[str]:
    """The panel's reference lines across the plot, each labelled at its right end (as the live view)."""
    out = []
    for ref in references:
        value = plot.ly(np.array([ref.value]))
        if not np.isfinite(value[0]):
            continue
        yy = float(plot.py(value)[0])
        out.append(f'<line class="lossplot-reference" x1="{LEFT}" x2="{LEFT + plot.width}" y1="{yy:.1f}" '
                   f'y2="{yy:.1f}" stroke="{REFERENCE_COLOR}" stroke-width="1.5" stroke-dasharray="6,2,1.5,2"/>')
        out.append(f'<text x="{LEFT + plot.width - 4}" y="{yy - 4:.1f}" text-anchor="end" font-size="10" '
                   f'fill="{REFERENCE_COLOR}"{_HALO}>{escape(ref.label)}</text>')
    return out


def _best(plot: _Plot, series: list[SeriesFrame]) -> list[str]:
    """Validation series' best points: a dot in the series' colour and its label above it, growing away from the
    nearer edge (no labels past a few points, as the live view; see
    :func:`~lossplot_widget.render.marks.label_sides`)."""
    points = []
    for sf in series:
        if sf.best is None:
            continue
        y = plot.ly(np.array([sf.best.y]))
        if np.isfinite(y[0]) and plot.x0 <= sf.best.x <= plot.x1:
            points.append((float(plot.px(np.array([sf.best.x]))[0]), float(plot.py(y)[0]), hex_color(sf.color),
                           sf.best))
    sides = label_sides([b.x for *_, b in points], plot.x0, plot.x1)
    out = [f'<circle class="lossplot-best" cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{color}" stroke="white" '
           f'stroke-width="1.5"/>' for cx, cy, color, _ in points]
    for (cx, cy, color, best), side in zip(points, sides):
        out.append(f'<text x="{cx:.1f}" y="{cy - 8:.1f}" text-anchor="{side}" font-size="10" font-weight="bold" '
                   f'fill="{color}"{_HALO}>{escape(best.label)}</text>')
    return out


def _legend(series: list[SeriesFrame]) -> list[str]:
    """The legend above the plot, right-aligned, never over the curves."""
    out = []
    right = W - RIGHT
    entries = [(sf.legend, hex_color(sf.color), _DASHES.get(sf.style, "")) for sf in series
               if sf.legend is not None and sf.show_legend]
    for name, color, dash in reversed(entries):
        text = escape(_short(name, 20))
        out.append(f'<text x="{right}" y="{TOP - 8}" text-anchor="end" font-size="10" fill="{color}">{text}</text>')
        right -= 6 * len(_short(name, 20)) + 4
        out.append(f'<line x1="{right - 14}" x2="{right}" y1="{TOP - 11}" y2="{TOP - 11}" stroke="{color}" '
                   f'stroke-width="2"{dash}/>')
        right -= 24
    return out


def _panel(title: str, series: list[SeriesFrame], frame: Frame, k: int) -> list[str]:
    """One panel as the live view draws it, from the frame alone: raw lines (faint under a smoothed one),
    smoothed lines, the frame's axes (y range rule, ticks), its epoch rules, reference lines and best points, the
    legend above."""
    log_y = frame.options.log_y
    axes = frame.axes.get(title) or panel_axes(
        series, log=log_y, ignore_outliers=frame.options.ignore_outliers, x_axis=frame.options.x_axis
    )
    out = [f'<g transform="translate({k * W},0)">',
           f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{escape(_short(title, 28))}</text>',
           f'<rect x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" height="{H - TOP - BOTTOM}" fill="none" '
           f'stroke="#999"/>']
    extent = _x_extent(series)
    if axes.y is None or extent is None:
        return [*out, "</g>"]
    x0, x1 = axes.x_zoom or extent
    y0, y1 = axes.y.lo, axes.y.hi
    if log_y:
        y0, y1 = math.log10(y0), math.log10(y1)
    plot = _Plot(x0, x1, y0, y1, log_y)
    out += _axes_marks(plot, axes, frame.x_label)
    # lines run off the plot where the y range leaves outliers out: clip them to the plot area
    out.append(f'<clipPath id="lossplot-clip-{k}"><rect x="{LEFT}" y="{TOP}" width="{plot.width}" '
               f'height="{plot.height}"/></clipPath>')
    out.append(f'<g clip-path="url(#lossplot-clip-{k})">')
    out += _epoch_rules(plot, frame.epoch_rules)
    out += _references(plot, frame.references.get(title, []))
    # muted runs first (under the others), faint and thin, without best points: as the live view draws them
    for sf in sorted(series, key=lambda sf: not sf.muted):
        out += _lines(plot, sf)
    out += _best(plot, [sf for sf in series if not sf.muted])
    out.append("</g>")
    out += _legend(series)
    if axes.y.clipped:
        out.append(f'<text x="{LEFT + plot.width - 4}" y="{TOP + 12}" text-anchor="end" font-size="9" '
                   f'fill="#757575">{"↑" if axes.y.clipped_above else "↓"} y clipped</text>')
    out.append("</g>")
    return out


def _section_caption(s: Section) -> str:
    size = f"{s.panels} panels" + ("" if s.metrics == s.panels else f", {s.metrics} metrics")
    if not s.open:
        return f"{s.name}: {size} (folded)"
    if s.overlay:
        return f"{s.name}: {size}, drawn in one panel"
    first = s.page * PAGE_SIZE + 1
    return f"{s.name}: {size}; panels {first}–{min(s.matched, first + PAGE_SIZE - 1)} of {s.matched} drawn"


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def frame_to_svg(frame: Frame) -> str:
    """One SVG with a panel per metric family and a caption with each series' last value: what the live view
    draws of ``frame`` (its options, axes and epoch rules)."""
    panels = list(frame.panels.items())
    width = W * max(1, len(panels))
    hidden = {r.name for r in frame.runs if r.hidden}
    overlaid = frame.overlaid
    # the last values of the series drawn one per panel; sections are named with their size (the picture stays
    # bounded with hundreds of metrics: the CSV holds every point)
    drawn = {sf.key for title, series in panels if title not in overlaid for sf in series}
    captions = [
        f"{f'{run} · ' if frame.comparing else ''}{name}: last {st.last:.6g} at step {st.last_step}"
        for (run, name), st in frame.stats.items() if st.count and run not in hidden and (run, name) in drawn
    ]
    captions += [_section_caption(s) for s in frame.sections]
    height = H + 16 * len(captions) + 8
    body = [f'<svg xmlns="http://www.w3.org/2000/svg" class="lossplot-static" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="sans-serif">',
            f'<rect width="{width}" height="{height}" fill="white"/>']
    for k, (title, series) in enumerate(panels):
        if title in overlaid:  # its legend names the few highest lines, as the live view's
            top = {id(sf) for sf in top_by_last(series)}
            shown = [replace(sf, show_legend=sf.show_legend and id(sf) in top) for sf in series]
            body += _panel(f"{title.removesuffix(OVERLAY_SUFFIX)} · all {len(series)}", shown, frame, k)
        else:
            body += _panel(title, series, frame, k)
    for i, text in enumerate(captions):
        body.append(f'<text x="8" y="{H + 14 + 16 * i}" font-size="11">{escape(text)}</text>')
    body.append("</svg>")
    return "\n".join(body)
