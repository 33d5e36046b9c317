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

from .frames import Frame, SeriesFrame
from .palette import hex_color

__all__ = ["frame_to_svg"]

W, H = 420, 280
#: SVG dash patterns of the line styles of :mod:`lossplot_widget.render.runstyle`
_DASHES = {"dashed": ' stroke-dasharray="5,3"', "dotted": ' stroke-dasharray="1.5,2.5"',
           "dash_dotted": ' stroke-dasharray="6,2,1.5,2"'}
LEFT, RIGHT, TOP, BOTTOM = 58, 12, 28, 40


def _ticks(lo: float, hi: float, log: bool) -> list[float]:
    if log:
        a, b = math.floor(lo), math.ceil(hi)
        step = max(1, (b - a) // 4)
        return [float(v) for v in range(a, b + 1, step) if lo <= v <= hi] or [lo, hi]
    return [float(v) for v in np.linspace(lo, hi, 5)]


def _runs(x: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split at NaNs: a gap in the data is a gap in the picture."""
    ok = np.isfinite(x) & np.isfinite(y)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(np.int8), [0]])))
    return [(x[a:b], y[a:b]) for a, b in zip(edges[::2], edges[1::2])]


def _panel(title: str, series: list[SeriesFrame], x_label: str, log_y: bool, ox: int) -> list[str]:
    drawn = [
        (sf, sf.smooth_x if len(sf.smooth_y) else sf.x, sf.smooth_y if len(sf.smooth_y) else sf.y) for sf in series
    ]
    xs = np.concatenate([x for _, x, _ in drawn] + [np.empty(0)])
    ys = np.concatenate([y for _, _, y in drawn] + [np.empty(0)])
    if log_y:
        with np.errstate(divide="ignore", invalid="ignore"):
            ys = np.log10(np.where(ys > 0, ys, np.nan))
    ok = np.isfinite(ys) & np.isfinite(xs)
    out = [f'<g transform="translate({ox},0)">',
           f'<text x="{W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">{escape(title)}</text>']
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
    if not ok.any():
        out.append("</g>")
        return out
    x0, x1 = float(xs[ok].min()), float(xs[ok].max())
    y0, y1 = float(ys[ok].min()), float(ys[ok].max())
    x1 = x1 if x1 > x0 else x0 + 1
    if not y1 > y0:
        y0, y1 = y0 - 0.5, y1 + 0.5

    def px(v: np.ndarray) -> np.ndarray:
        return LEFT + (v - x0) / (x1 - x0) * pw

    def py(v: np.ndarray) -> np.ndarray:
        return TOP + ph - (v - y0) / (y1 - y0) * ph

    for t in _ticks(y0, y1, log_y):
        label = f"1e{int(t)}" if log_y else f"{t:.3g}"
        yy = float(py(np.array(t)))
        out.append(f'<text x="{LEFT - 4}" y="{yy + 4:.1f}" text-anchor="end" font-size="10">{label}</text>')
    for t in _ticks(x0, x1, False):
        xx = float(px(np.array(t)))
        out.append(f'<text x="{xx:.1f}" y="{TOP + ph + 14}" text-anchor="middle" font-size="10">{t:.4g}</text>')
    out.append(f'<text x="{LEFT + pw / 2}" y="{H - 6}" text-anchor="middle" font-size="11">{escape(x_label)}</text>')
    legend = 0
    for sf, x, y in drawn:
        color = hex_color(sf.color)
        if log_y:
            with np.errstate(divide="ignore", invalid="ignore"):
                y = np.log10(np.where(y > 0, y, np.nan))
        dash = _DASHES.get(sf.style, "")
        for rx, ry in _runs(x, y):
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px(rx), py(ry)))
            if len(rx) == 1:
                out.append(f'<circle cx="{px(rx)[0]:.1f}" cy="{py(ry)[0]:.1f}" r="2" fill="{color}"/>')
            else:
                out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="1.5"{dash}/>')
        if sf.legend is not None and sf.show_legend:
            out.append(f'<text x="{W - RIGHT - 4}" y="{TOP + 14 + 13 * legend}" text-anchor="end" font-size="11" '
                       f'fill="{color}">{escape(sf.legend)}</text>')
            legend += 1
    out.append("</g>")
    return out


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
        body += _panel(title, series, frame.x_label, log_y, k * W)
    for i, text in enumerate(captions):
        body.append(f'<text x="8" y="{H + 14 + 16 * i}" font-size="11">{escape(text)}</text>')
    body.append("</svg>")
    return "\n".join(body)
