"""The static picture of a slice: cells, colours, the 1-D lines, non-finite losses, round ticks."""

from __future__ import annotations

import re

import numpy as np

from lossplot_widget.landscape.slices import Slice, line_grid
from lossplot_widget.landscape.svg import nice_ticks, slice_to_svg, viridis


def test_viridis_ends_and_nan():
    assert viridis(np.array([0.0, 1.0, np.nan])) == ["#440154", "#fde725", "#dddddd"]


def test_plane_cells_follow_the_values_and_diverged_points_are_grey():
    x = np.linspace(-1, 1, 4)
    values = np.arange(16.0).reshape(4, 4)
    values[0, 0] = np.inf  # a diverged point
    svg = slice_to_svg(Slice("2d", 3, x, x, values, 5.0, (0.0, 0.0), (0.2, 0.1)))
    fills = re.findall(r'class="cell"[^>]*fill="(#[0-9a-f]{6})"', svg)
    assert len(fills) == 16 and fills[0] == "#dddddd"
    assert fills[1] == "#440154" and fills[-1] == "#fde725"  # lowest finite value dark, highest yellow
    assert "step 3" in svg and "loss 5" in svg


def test_line_draws_both_batches_and_round_ticks():
    a = line_grid(21, 1.0)
    s = Slice("1d", 9, a, None, (a - 1) ** 2 + 0.1, 0.1, (1.0,), (0.0,), val_values=(a - 0.9) ** 2 + 0.2)
    svg = slice_to_svg(s)
    assert svg.count("<polyline") == 2 and 'class="cell"' not in svg
    labels = re.findall(r'font-size="10">([-0-9.e]+)</text>', svg)
    assert "0.5" in labels and "1" in labels and "1.5" in labels


def test_nice_ticks():
    assert nice_ticks(0.0, 1.0) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(2.0, 2.0) == [2.0]
    t = nice_ticks(0.0123, 0.0187)
    assert all(0.0123 <= v <= 0.0187 for v in t) and len(t) >= 3
