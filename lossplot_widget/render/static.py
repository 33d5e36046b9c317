"""A static SVG picture of a frame, for places where widgets do not render.

The SVG travels beside the widget view in the notebook output (same display),
so a notebook saved without widget state, or converted with nbconvert, still
shows the final curves. Plain SVG: no matplotlib, no browser.

>>> from lossplot_widget.core.history import History
>>> from lossplot_widget.render.frames import FrameBuilder, FrameOptions
>>> h = History(); _ = [h.append({"loss": 1.0 / (i + 1)}, None, None) for i in range(10)]
>>> svg = frame_to_svg(FrameBuilder(h).build(FrameOptions(smoothing=0.0)))
>>> svg.startswith("<svg") and "loss: last 0.1 at step 9" in svg
True
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

import numpy as np

from .axes import log_ticks, nice_ticks, panel_axes
from .frames import Frame, SeriesFrame
from .palette import RAW_FAINT, hex_color

__all__ = ["frame_to_svg"]

W, H = 420, 290
#: SVG dash patterns of the line styles of :mod:`lossplot_widget.render.runstyle`
_DASHES = {"dashed": ' stroke-dasharray="5,3"', "dotted": ' stroke-dasharray="1.5,2.5"',
           "dash_dotted": ' stroke-dasharray="6,2,1.5,2"'}
LEFT, RIGHT, TOP, BOTTOM = 58, 12, 38, 40


def _d3_format(value: float, fmt: str) -> str:
    """``value`` as d3's ``.N~g`` format prints it (Python's ``g`` drops trailing zeros the same way)."""
    digits = int(fmt[1:].split("~")[0])
    return f"{value:.{digits}g}"


def _runs(x: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split at NaNs: a gap in the data is a gap in the picture."""
    ok = np.isfinite(x) & np.isfinite(y)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(np.int8), [0]])))
    return [(x[a:b], y[a:b]) for a, b in zip(edges[::2], edges[1::2])]


def _panel(title: str, series: list[SeriesFrame], frame: Frame, log_y: bool, k: int) -> list[str]:
    """One panel as the live view draws it: raw lines (faint under a smoothed one), smoothed lines, the same
    y range rule (:mod:`~lossplot_widget.render.axes`), whole-number ticks on a step axis, the legend above."""
    ox = k * W
    step_axis = frame.x_label == "step"
    axes = frame.axes.get(title) or panel_axes(
        series, log=log_y, ignore_outliers=True, x_axis="step" if step_axis else frame.x_label
    )
    out = [f'<g transform="translate({ox},0)">',
           f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{escape(_short(title, 28))}</text>']
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
    xs = [a for sf in series for a in (sf.x, sf.smooth_x) if len(a)]
    xs = [a[np.isfinite(a)] for a in xs]
    xs = [a for a in xs if a.size]
    if axes.y is None or not xs:
        out.append("</g>")
        return out
    x0, x1 = float(min(a.min() for a in xs)), float(max(a.max() for a in xs))
    if not x1 > x0:
        x0, x1 = x0 - 1, x1 + 1
    y0, y1 = axes.y.lo, axes.y.hi
    if log_y:
        y0, y1 = math.log10(y0), math.log10(y1)

    def px(v: np.ndarray) -> np.ndarray:
        return LEFT + (v - x0) / (x1 - x0) * pw

    def py(v: np.ndarray) -> np.ndarray:
        return TOP + ph - (v - y0) / (y1 - y0) * ph

    def ly(y: np.ndarray) -> np.ndarray:
        if not log_y:
            return y
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(np.where(y > 0, y, np.nan))

    if log_y:
        yticks = [math.log10(t) for t in log_ticks(axes.y.lo, axes.y.hi)] or nice_ticks(y0, y1, integer=True)
        labels = [_d3_format(10.0**t, ".3~g") for t in yticks]
    else:
        yticks = nice_ticks(y0, y1)
        labels = [_d3_format(t, axes.y.tick_format) for t in yticks]
    for t, label in zip(yticks, labels):
        yy = float(py(np.array(t)))
        out.append(f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#ddd" '
                   f'stroke-dasharray="3,3"/>')
        out.append(f'<text x="{LEFT - 4}" y="{yy + 4:.1f}" text-anchor="end" font-size="10">{label}</text>')
    for t in axes.x_ticks or []:  # the live view's x ticks (round; whole numbers on a step axis)
        xx = float(px(np.array(t)))
        out.append(f'<text x="{xx:.1f}" y="{TOP + ph + 14}" text-anchor="middle" font-size="10">{t:.6g}</text>')
    out.append(f'<text x="{LEFT + pw / 2}" y="{H - 6}" text-anchor="middle" font-size="11">'
               f"{escape(frame.x_label)}</text>")
    # lines run off the plot where the y range leaves outliers out: clip them to the plot area
    out.append(f'<clipPath id="lossplot-clip-{k}"><rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}"/></clipPath>')
    out.append(f'<g clip-path="url(#lossplot-clip-{k})">')
    legend: list[tuple[str, str, str]] = []
    for sf in series:
        color, dash = hex_color(sf.color), _DASHES.get(sf.style, "")
        smoothed = len(sf.smooth_y) > 0
        lines = [(sf.x, sf.y, RAW_FAINT if smoothed else 1.0, 1.5)]
        if smoothed:
            lines.append((sf.smooth_x, sf.smooth_y, 1.0, 2.0))
        for x, y, opacity, width in lines:
            faint = f' stroke-opacity="{opacity}"' if opacity < 1 else ""
            for rx, ry in _runs(np.asarray(x, dtype=float), ly(np.asarray(y, dtype=float))):
                if len(rx) == 1:
                    out.append(f'<circle cx="{px(rx)[0]:.1f}" cy="{py(ry)[0]:.1f}" r="2.5" fill="{color}"/>')
                    continue
                pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px(rx), py(ry)))
                out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="{width}"'
                           f"{faint}{dash}/>")
        if sf.legend is not None and sf.show_legend:
            legend.append((sf.legend, color, dash))
    out.append("</g>")
    # the legend above the plot, right-aligned, never over the curves
    right = W - RIGHT
    for name, color, dash in reversed(legend):
        text = escape(_short(name, 20))
        out.append(f'<text x="{right}" y="{TOP - 8}" text-anchor="end" font-size="10" fill="{color}">{text}</text>')
        right -= 6 * len(_short(name, 20)) + 4
        out.append(f'<line x1="{right - 14}" x2="{right}" y1="{TOP - 11}" y2="{TOP - 11}" stroke="{color}" '
                   f'stroke-width="2"{dash}/>')
        right -= 24
    if axes.y.clipped:
        out.append(f'<text x="{LEFT + pw - 4}" y="{TOP + 12}" text-anchor="end" font-size="9" fill="#757575">'
                   f'{"↑" if axes.y.clipped_above else "↓"} y clipped</text>')
    out.append("</g>")
    return out


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def frame_to_svg(frame: Frame, log_y: bool = False) -> str:
    """One SVG with a panel per metric family and a caption with each series' last value."""
    panels = list(frame.panels.items())
    width = W * max(1, len(panels))
    hidden = {r.name for r in frame.runs if r.hidden}
    captions = [
        f"{f'{run} · ' if frame.comparing else ''}{name}: last {st.last:.6g} at step {st.last_step}"
        for (run, name), st in frame.stats.items() if st.count and run not in hidden
    ]
    height = H + 16 * len(captions) + 8
    body = [f'<svg xmlns="http://www.w3.org/2000/svg" class="lossplot-static" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="sans-serif">',
            f'<rect width="{width}" height="{height}" fill="white"/>']
    for k, (title, series) in enumerate(panels):
        body += _panel(title, series, frame, log_y, k)
    for i, text in enumerate(captions):
        body.append(f'<text x="8" y="{H + 14 + 16 * i}" font-size="11">{escape(text)}</text>')
    body.append("</svg>")
    return "\n".join(body)
