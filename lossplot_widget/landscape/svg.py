"""A static SVG of a slice, for a saved notebook, nbconvert and GitHub (no widget state there).

The heat map is one ``<rect>`` per grid cell in the viridis colours, contour lines and the path are
polylines; the 1-D view is two polylines. Plain SVG, no matplotlib.

>>> import numpy as np
>>> from lossplot_widget.landscape.slices import Slice
>>> x = np.linspace(-1, 1, 5)
>>> s = Slice("2d", 10, x, x, x[None, :] ** 2 + x[:, None] ** 2, 0.0, (0.0, 0.0), (0.5, 0.5))
>>> svg = slice_to_svg(s)
>>> svg.startswith("<svg") and svg.count('class="cell"') == 25
True
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from ..render.palette import viridis
from .contours import contour_levels, contour_lines
from .slices import Slice
from .view import PATH_COLOR, TRAIN_COLOR, VAL_COLOR, axis_labels, color_values, title_of

__all__ = ["nice_ticks", "slice_to_svg", "viridis"]

W, H = 460, 380
LEFT, RIGHT, TOP, BOTTOM = 62, 84, 40, 48


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values inside ``[lo, hi]`` (steps of 1, 2 or 5 times a power of ten).

    >>> nice_ticks(-5.46, 1.09)
    [-5.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0]
    """
    if not hi > lo:
        return [lo]
    raw = (hi - lo) / count
    power = 10.0 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * 0.7)
    first, last = int(np.ceil(lo / step - 1e-9)), int(np.floor(hi / step + 1e-9))
    return [float(f"{k * step:.12g}") + 0.0 for k in range(first, last + 1)]


def _poly(xs: np.ndarray, ys: np.ndarray, attrs: str) -> list[str]:
    out, ok = [], np.isfinite(xs) & np.isfinite(ys)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(np.int8), [0]])))
    for a, b in zip(edges[::2], edges[1::2]):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs[a:b], ys[a:b]))
        out.append(f'<polyline points="{pts}" fill="none" {attrs}/>')
    return out


def _cells(gx: np.ndarray, gy: np.ndarray, colors: Any, nx: int, ny: int) -> list[str]:
    """The heat map: one rectangle per grid cell, between the pixel edges ``gx``/``gy``."""
    out = ['<g shape-rendering="crispEdges">']
    for i in range(ny):
        for j in range(nx):
            out.append(f'<rect class="cell" x="{gx[j]:.1f}" y="{gy[i + 1]:.1f}" '
                       f'width="{gx[j + 1] - gx[j] + 0.3:.1f}" height="{gy[i] - gy[i + 1] + 0.3:.1f}" '
                       f'fill="{colors[i * nx + j]}"/>')
    out.append("</g>")
    return out


def _color_bar(lo: float, hi: float, log_color: bool) -> list[str]:
    """The colour bar right of the plot, bottom (low) to top (high), with its ticks."""
    ph = H - TOP - BOTTOM
    bar_x, slices = W - RIGHT + 12, 32
    out = [f'<text x="{bar_x}" y="{TOP - 6}" font-size="10">{"log10 loss" if log_color else "loss"}</text>']
    for k in range(slices):
        top = TOP + ph * (1 - (k + 1) / slices)
        out.append(f'<rect x="{bar_x}" y="{top:.1f}" width="10" height="{ph / slices + 0.5:.1f}" '
                   f'fill="{viridis(np.array([(k + 0.5) / slices]))[0]}"/>')
    for t in nice_ticks(lo, hi, 4):
        yy = TOP + ph * (1 - (t - lo) / (hi - lo)) if hi > lo else TOP + ph
        out.append(f'<text x="{bar_x + 14}" y="{yy + 4:.1f}" font-size="10">{t:.3g}</text>')
    return out


def slice_to_svg(s: Slice, log_color: bool = False) -> str:
    """One SVG picture of ``s`` (what the widget draws, without interaction)."""
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    x0, x1 = float(s.x[0]), float(s.x[-1])
    if s.y is not None:
        z = color_values(s.values, log_color)
        y0, y1 = float(s.y[0]), float(s.y[-1])
    else:
        rows = [r for r in (s.values, s.val_values) if r is not None]
        finite = np.concatenate([r[np.isfinite(r)] for r in rows] + [np.empty(0)])
        y0, y1 = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if not y1 > y0:
            y0, y1 = y0 - 0.5, y1 + 0.5
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)

    def px(v: Any) -> Any:
        return LEFT + (np.asarray(v, float) - x0) / (x1 - x0) * pw

    def py(v: Any) -> Any:
        return TOP + ph - (np.asarray(v, float) - y0) / (y1 - y0) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="lossplot-landscape-static" width="{W}" height="{H}" '
           f'viewBox="0 0 {W} {H}" font-family="sans-serif">', f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<clipPath id="plot"><rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}"/></clipPath>',
           f'<text x="{W / 2}" y="16" text-anchor="middle" font-size="11">{escape(title_of(s))}</text>']
    body: list[str] = []
    if s.y is not None:
        lo, hi = (np.nanmin(z), np.nanmax(z)) if np.isfinite(z).any() else (0.0, 1.0)
        colors = viridis((z - lo) / (hi - lo) if hi > lo else np.zeros_like(z))
        edges_x = np.concatenate([[x0], (s.x[1:] + s.x[:-1]) / 2, [x1]])
        edges_y = np.concatenate([[y0], (s.y[1:] + s.y[:-1]) / 2, [y1]])
        body += _cells(px(edges_x), py(edges_y), colors, len(s.x), len(s.y))
        cx, cy = contour_lines(s.x, s.y, z, contour_levels(z))
        body += _poly(px(cx), py(cy), 'stroke="white" stroke-opacity="0.6" stroke-width="1"')
        if len(s.path):
            body += _poly(px(s.path[:, 0]), py(s.path[:, 1]), f'stroke="{PATH_COLOR}" stroke-width="2"')
        sx, sy = px(s.start[0]), py(s.start[1])
        out += _color_bar(float(lo), float(hi), log_color)
        cur_y = py(s.current[1])
    else:
        body += _poly(px(s.x), py(s.values), f'stroke="{TRAIN_COLOR}" stroke-width="2"')
        if s.val_values is not None:
            body += _poly(px(s.x), py(s.val_values), f'stroke="{VAL_COLOR}" stroke-width="2"')
        sx, sy = px(s.start[0]), py(np.interp(s.start[0], s.x, s.values))
        cur_y = py(s.center_loss)
        for t in nice_ticks(y0, y1):
            out.append(f'<text x="{LEFT - 4}" y="{float(py(t)) + 4:.1f}" text-anchor="end" '
                       f'font-size="10">{t:.3g}</text>')
    diamond = f"M{sx - 5:.1f},{sy:.1f} L{sx:.1f},{sy - 5:.1f} L{sx + 5:.1f},{sy:.1f} L{sx:.1f},{sy + 5:.1f} Z"
    body.append(f'<path d="{diamond}" fill="white" stroke="black"/>')
    cx0 = float(px(s.current[0]))
    body.append(f'<path d="M{cx0 - 6:.1f},{cur_y:.1f} H{cx0 + 6:.1f} M{cx0:.1f},{cur_y - 6:.1f} V{cur_y + 6:.1f}" '
                f'stroke="{PATH_COLOR}" stroke-width="3"/>')
    out += ['<g clip-path="url(#plot)">', *body, "</g>",
            f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>']
    for t in nice_ticks(x0, x1):
        out.append(f'<text x="{float(px(t)):.1f}" y="{TOP + ph + 14}" text-anchor="middle" '
                   f'font-size="10">{t:.3g}</text>')
    if s.y is not None:
        for t in nice_ticks(y0, y1):
            out.append(f'<text x="{LEFT - 4}" y="{float(py(t)) + 4:.1f}" text-anchor="end" '
                       f'font-size="10">{t:.3g}</text>')
    xl, yl = axis_labels(s)
    out += [f'<text x="{LEFT + pw / 2}" y="{H - 8}" text-anchor="middle" font-size="11">{escape(xl)}</text>',
            f'<text transform="translate(14,{TOP + ph / 2}) rotate(-90)" text-anchor="middle" '
            f'font-size="11">{escape(yl)}</text>']
    out.append("</svg>")
    return "\n".join(line for line in out if line)
