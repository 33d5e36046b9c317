"""The axes a panel shows: a readable y range, tick formats, integer ticks on step axes.

Pure numpy, shared by the live view and the static picture, so both show the same range.

**The y range rule** (``ignore_outliers=True``, the default, like TensorBoard's "ignore outliers in
chart scaling"): take the finite y values of every line drawn in the panel (raw and smoothed, over
the visible x range, as decimated: each pixel column's min and max, so a sample spread evenly over x),
in log10 space on a log axis. With ``q_lo``, ``q_hi`` their 10% and 90% quantiles and
``s = max(q_hi - q_lo, 10% of max(|q_lo|, |q_hi|))`` (0.3 decades on a log axis), the range is the
data's range cut to ``[q_lo - s, q_hi + s]``, then widened to hold **every line's last value**, and
padded by 5%. So a loss that starts 100x above where it settles shows its settled band (the first
steps run off the top, and the panel says "y clipped"), while a run that diverges at the end (its
latest values are the extremes) is never hidden. ``ignore_outliers=False`` shows the data's whole
range. A constant series gets a band of +-10% around its value (+-1 around 0).

>>> y = 100 * np.exp(-np.arange(1000) / 5) + 0.5
>>> r = y_range([y], log=False)
>>> r.clipped_above, r.hi < 1.0, r.lo <= 0.5
(True, True, True)
>>> r = y_range([np.r_[y, 1e6]], log=False)     # diverged at the end: the last value is shown
>>> r.hi >= 1e6
True
>>> nice_ticks(0, 3, integer=True), tick_format(1009.6, 1010.4)
([0.0, 1.0, 2.0, 3.0], '.5~g')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

__all__ = [
    "QUANTILES", "DrawnLine", "PanelAxes", "YRange", "log_ticks", "nice_ticks", "panel_axes", "tick_format", "y_range",
]


class DrawnLine(Protocol):
    """What the axes need of a drawn series (a :class:`~lossplot_widget.render.frame.SeriesFrame`): its raw and
    smoothed lines."""

    x: np.ndarray
    y: np.ndarray
    smooth_x: np.ndarray
    smooth_y: np.ndarray

#: the quantiles that define the bulk of the data
QUANTILES = (0.1, 0.9)
#: the smallest fence width, relative to the bulk's magnitude (linear) or in decades (log)
_MIN_REL, _MIN_DECADES = 0.1, 0.3
#: padding on each side, as a fraction of the span
_PAD = 0.05
#: about this many x ticks
X_TICKS = 5


@dataclass(frozen=True)
class YRange:
    """A panel's y range, and whether drawn points lie outside it."""

    lo: float
    hi: float
    clipped_above: bool = False
    clipped_below: bool = False

    @property
    def clipped(self) -> bool:
        return self.clipped_above or self.clipped_below

    @property
    def tick_format(self) -> str:
        return tick_format(self.lo, self.hi)


def _finite(a: np.ndarray, log: bool) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    a = a[np.isfinite(a)]
    if log:
        a = np.log10(a[a > 0])
    return a


def y_range(
    lines: Sequence[np.ndarray], log: bool = False, ignore_outliers: bool = True, include: Sequence[float] = ()
) -> YRange | None:
    """The y range for the drawn ``lines`` (y arrays, each in x order); ``None`` when nothing finite is drawn.

    On a log axis values <= 0 are ignored; the range is returned in data units. ``include``: values the range
    always holds (reference lines).
    """
    parts = [_finite(a, log) for a in lines]
    parts = [a for a in parts if a.size]
    if not parts:
        return None
    values = np.concatenate(parts)
    lo, hi = float(values.min()), float(values.max())
    if ignore_outliers and values.size >= 8:
        q_lo, q_hi = (float(q) for q in np.quantile(values, QUANTILES))
        floor = _MIN_DECADES if log else _MIN_REL * max(abs(q_lo), abs(q_hi))
        s = max(q_hi - q_lo, floor)
        keep = [float(a[-1]) for a in parts]  # each line's latest value
        lo = min([max(lo, q_lo - s), *keep])
        hi = max([min(hi, q_hi + s), *keep])
    clipped_below, clipped_above = bool(values.min() < lo), bool(values.max() > hi)
    extra = _finite(np.asarray(include, dtype=np.float64), log)
    if extra.size:
        lo, hi = min(lo, float(extra.min())), max(hi, float(extra.max()))
    span = hi - lo
    if span <= 0:
        pad = _MIN_DECADES if log else (0.1 * abs(lo) if lo else 1.0)
        lo, hi = lo - pad, hi + pad
    else:
        was_nonnegative = lo >= 0
        lo, hi = lo - _PAD * span, hi + _PAD * span
        if not log and was_nonnegative and lo < 0:
            lo = 0.0  # a loss or an accuracy never gets a negative axis from padding
    if log:  # exponents kept where a double (and the browser's scale) can hold them
        lo, hi = 10.0 ** max(lo, -323.0), 10.0 ** min(hi, 307.0)
    return YRange(lo, hi, clipped_above, clipped_below)


def tick_format(lo: float, hi: float, ticks: int = 5) -> str:
    """A d3 format with enough significant digits that ``ticks`` ticks over ``[lo, hi]`` read apart
    (``.3~g`` at least, trailing zeros dropped).

    >>> tick_format(0.0, 2.0), tick_format(0.50001, 0.50005)
    ('.3~g', '.6~g')
    """
    span = hi - lo
    big = max(abs(lo), abs(hi))
    if not (span > 0 and math.isfinite(span) and big > 0):
        return ".3~g"
    digits = math.floor(math.log10(big)) - math.floor(math.log10(span / ticks)) + 1
    return f".{min(12, max(3, digits))}~g"


@dataclass(frozen=True)
class PanelAxes:
    """What a panel's axes show: its y range (``None``: nothing drawn) and the x tick values
    (about five round values; whole numbers on a step axis)."""

    y: YRange | None
    x_ticks: list[float] | None = None
    #: the zoomed x range, both ends resolved (``None``: not zoomed, x spans the drawn data)
    x_zoom: tuple[float, float] | None = None


def panel_axes(
    series: Sequence[DrawnLine], *, log: bool, ignore_outliers: bool, x_axis: str,
    x_range: tuple[float | None, float | None] | None = None, include: Sequence[float] = (),
) -> PanelAxes:
    """The axes of a panel drawing ``series`` (raw and smoothed lines), on a ``x_axis`` axis zoomed to ``x_range``;
    the y range holds the values ``include`` (its reference lines)."""
    lines = [a for sf in series for a in (sf.y, sf.smooth_y) if len(a)]
    yr = y_range(lines, log=log, ignore_outliers=ignore_outliers, include=include)
    xs = [a for sf in series for a in (sf.x, sf.smooth_x) if len(a)]
    lo = hi = None
    if x_range is not None:
        lo, hi = x_range
    if xs and (lo is None or hi is None):
        every = np.concatenate(xs) if len(xs) > 1 else xs[0]  # one reduction, not one per line (300 runs)
        lo = float(np.nanmin(every)) if lo is None else lo
        hi = float(np.nanmax(every)) if hi is None else hi
    ticks = None
    if lo is not None and hi is not None:
        # about five round ticks (whole numbers on a step axis): the browser's own are about ten whatever the
        # width (labels run together in a 350 px panel) and fall between steps on a short span (0.5, 1.5)
        ticks = nice_ticks(float(lo), float(hi), X_TICKS, integer=x_axis == "step") or None
    zoom = (float(lo), float(hi)) if x_range is not None and lo is not None and hi is not None and hi > lo else None
    return PanelAxes(yr, ticks, zoom)


def nice_ticks(lo: float, hi: float, count: int = 5, integer: bool = False) -> list[float]:
    """About ``count`` round tick values (a 1-2-5 stride) inside ``[lo, hi]``; whole numbers when ``integer``.

    >>> nice_ticks(0.0, 853.0), nice_ticks(0.0, 3.0, integer=True)
    ([0.0, 200.0, 400.0, 600.0, 800.0], [0.0, 1.0, 2.0, 3.0])
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi < lo:
        return []
    if hi == lo:
        return [lo]
    raw = (hi - lo) / max(1, count)
    base = 10.0 ** math.floor(math.log10(raw))
    error = raw / base  # in [1, 10): the 1-2-5 multiple nearest to it (d3's rule)
    multiple = 10 if error >= math.sqrt(50) else 5 if error >= math.sqrt(10) else 2 if error >= math.sqrt(2) else 1
    stride = base * multiple
    if integer:
        stride = max(1.0, round(stride))
    first = math.ceil(lo / stride)
    values = [k * stride for k in range(first, math.floor(hi / stride) + 1)]
    return [float(round(v, 12)) for v in values]


def log_ticks(lo: float, hi: float) -> list[float]:
    """Tick values for a log axis over ``[lo, hi]``: 1, 2, 5 per decade; 1..9 when that gives fewer
    than three; every k-th decade when it gives more than ten. Empty (bqplot's default) when none fit.

    >>> log_ticks(0.12, 2.1)
    [0.2, 0.5, 1.0, 2.0]
    >>> log_ticks(1e-6, 10.0)
    [1e-06, 1e-05, 0.0001, 0.001, 0.01, 0.1, 1.0, 10.0]
    """
    if not (0 < lo <= hi and math.isfinite(hi)):
        return []
    d0, d1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))

    def within(mantissas: Sequence[int], every: int = 1) -> list[float]:
        values = (float(f"{m}e{d}") for d in range(d0, d1 + 1) if (d - d0) % every == 0 for m in mantissas)
        return [v for v in values if lo <= v <= hi]

    ticks = within((1, 2, 5))
    if len(ticks) > 10:
        ticks = within((1,), max(1, math.ceil((d1 - d0) / 8)))
    elif len(ticks) < 3:
        ticks = within(range(1, 10))
    return ticks
