"""The colours of the series, shared by the live view (bqplot) and the static SVG.

In JupyterLab the first five follow the theme (its CSS variables, light and dark); elsewhere,
and in the static picture, the fallback hex colours are used.

>>> css_color(0), hex_color(0), hex_color(len(PALETTE))
('var(--jp-brand-color1, #1976d2)', '#1976d2', '#1976d2')
"""

from __future__ import annotations

import numpy as np

__all__ = ["MUTED", "MUTED_COLOR", "MUTED_OPACITY", "PALETTE", "RAW_FAINT", "REFERENCE_COLOR", "css_color",
           "hex_color", "viridis"]

#: (JupyterLab CSS variable or None, hex colour used outside JupyterLab and in the static SVG)
PALETTE: tuple[tuple[str | None, str], ...] = (
    ("--jp-brand-color1", "#1976d2"),
    ("--jp-warn-color1", "#f57c00"),
    ("--jp-success-color1", "#388e3c"),
    ("--jp-error-color1", "#d32f2f"),
    ("--jp-info-color1", "#0097a7"),
    (None, "#8e24aa"),
    (None, "#6d4c41"),
    (None, "#d81b60"),
)

#: opacity of the raw line under a smoothed one
RAW_FAINT = 0.25
#: reference lines and their labels: a neutral grey that reads on a light and on a dark theme
REFERENCE_COLOR = "#8a8a8a"


#: the colour index of a muted run (one of many, neither among the best nor running): grey, faint. A solid grey,
#: not the theme's text colour (black with an alpha): a bundle of overlapping faint lines then adds up to this grey,
#: never to black, on a light and on a dark theme
MUTED = -1
MUTED_COLOR: tuple[str | None, str] = (None, "#9e9e9e")
MUTED_OPACITY = 0.35


def hex_color(index: int) -> str:
    """The ``index``-th series colour as hex (cycling; :data:`MUTED`: grey)."""
    return MUTED_COLOR[1] if index == MUTED else PALETTE[index % len(PALETTE)][1]


def css_color(index: int) -> str:
    """The ``index``-th series colour for the browser: a theme variable with its hex fallback."""
    var, fallback = MUTED_COLOR if index == MUTED else PALETTE[index % len(PALETTE)]
    return fallback if var is None else f"var({var}, {fallback})"


#: viridis at 0, 1/8, ..., 1 (matplotlib's table), interpolated linearly
_VIRIDIS = np.array([
    [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
    [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
], dtype=float)


def viridis(t: np.ndarray) -> list[str]:
    """CSS colours for values in [0, 1] (NaN -> light grey)."""
    t = np.asarray(t, dtype=float).ravel()
    out = []
    for v in t:
        if not np.isfinite(v):
            out.append("#dddddd")
            continue
        pos = min(max(v, 0.0), 1.0) * (len(_VIRIDIS) - 1)
        i = min(int(pos), len(_VIRIDIS) - 2)
        r, g, b = _VIRIDIS[i] + (pos - i) * (_VIRIDIS[i + 1] - _VIRIDIS[i])
        out.append(f"#{int(r):02x}{int(g):02x}{int(b):02x}")
    return out
