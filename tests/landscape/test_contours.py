"""Contour lines: levels inside the range, NaN cells skipped, NaN-separated pieces."""

from __future__ import annotations

import numpy as np

from lossplot_widget.landscape.contours import contour_levels, contour_lines


def test_levels_are_inside_the_finite_range():
    z = np.array([[0.0, 1.0], [2.0, np.inf]])
    levels = contour_levels(z, 4)
    assert len(levels) == 4 and levels.min() > 0 and levels.max() < 2
    assert contour_levels(np.ones((3, 3))).size == 0


def test_two_bowls_give_separate_pieces_and_nan_cells_are_skipped():
    x = np.linspace(-2, 2, 41)
    y = np.linspace(-1, 1, 21)
    z = np.minimum((x[None, :] - 1) ** 2 + y[:, None] ** 2, (x[None, :] + 1) ** 2 + y[:, None] ** 2)
    xs, ys = contour_lines(x, y, z, [0.25])
    gaps = np.flatnonzero(np.isnan(xs))
    assert len(gaps) == 1  # two closed circles
    left, right = xs[:gaps[0]], xs[gaps[0] + 1:]
    assert {round(float(left.mean())), round(float(right.mean()))} == {-1, 1}
    z[10, 30] = np.nan  # the centre of the right bowl
    xs2, _ = contour_lines(x, y, z, [0.25])
    assert np.isfinite(xs2).sum() > 10
    assert contour_lines(x, y, z, [])[0].size == 0  # no levels: no lines
    assert contour_lines(x, y, z[:, :5], [0.25])[0].size == 0  # wrong shape: nothing, not a crash
