"""Contour lines of a grid as NaN-separated polylines (one bqplot ``Lines`` draws them all).

bqplot has no contour mark; ``contourpy`` (matplotlib's contouring library) traces the lines and
each level's pieces are joined with NaN between them, which ``Lines`` draws as gaps.

>>> import numpy as np
>>> x = y = np.linspace(-1, 1, 21)
>>> z = x[None, :] ** 2 + y[:, None] ** 2
>>> xs, ys = contour_lines(x, y, z, [0.25])
>>> r = np.hypot(xs, ys)[np.isfinite(xs)]
>>> bool(np.allclose(r, 0.5, atol=0.02))
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["contour_levels", "contour_lines"]


def contour_levels(z: np.ndarray, count: int = 10) -> np.ndarray:
    """``count`` evenly spaced levels strictly inside the finite range of ``z`` (none for a flat grid)."""
    finite = z[np.isfinite(z)]
    if finite.size == 0 or not finite.max() > finite.min():
        return np.empty(0)
    return np.linspace(finite.min(), finite.max(), count + 2)[1:-1]


def contour_lines(
    x: np.ndarray, y: np.ndarray, z: np.ndarray, levels: Sequence[float] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """All the lines of ``z`` (shape ``(len(y), len(x))``) at ``levels``, as two flat arrays with NaN gaps."""
    import contourpy

    z = np.asarray(z, dtype=float)
    if len(levels) == 0 or z.shape != (len(y), len(x)) or min(z.shape) < 2:
        return np.empty(0), np.empty(0)
    masked = np.ma.masked_invalid(z)
    gen = contourpy.contour_generator(np.asarray(x, float), np.asarray(y, float), masked,
                                      line_type=contourpy.LineType.Separate)
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    for level in levels:
        for line in gen.lines(float(level)):
            piece = np.asarray(line, dtype=float)
            xs += [piece[:, 0], np.array([np.nan])]
            ys += [piece[:, 1], np.array([np.nan])]
    if not xs:
        return np.empty(0), np.empty(0)
    return np.concatenate(xs[:-1]), np.concatenate(ys[:-1])
