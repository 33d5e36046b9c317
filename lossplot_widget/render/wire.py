"""The smallest exact-enough dtype for an array the browser draws: int32 steps, float32 values.

bqplot sends every array as a binary buffer of its own dtype (int64 becomes int32). A drawn
point costs 16 bytes as float64 x and y, 8 bytes as int32 steps and float32 values. The history
keeps float64 and int64 exactly; only the drawn copy is narrowed, and only when that cannot
change a pixel:

- integers (steps) become int32 when they fit;
- floats become float32 when float32 resolves the drawn span to better than 1/:data:`LEVELS`
  of it (a plot is a few hundred pixels tall), all finite magnitudes are inside float32's normal
  range, and NaN gaps stay NaN; otherwise they stay float64 (e.g. a loss varying by 1e-6 around
  2.3, or values beyond 3.4e38, which are then clipped at ±1e307 for drawing as before).

>>> narrow(np.arange(5.0)).dtype, narrow(np.array([0.5, 0.25, np.nan])).dtype
(dtype('int32'), dtype('float32'))
>>> narrow(2.302585 + np.arange(3) * 1e-7).dtype       # float32 cannot tell these apart
dtype('float64')
"""

from __future__ import annotations

import numpy as np

__all__ = ["LEVELS", "narrow"]

#: distinct levels float32 must resolve across the drawn span (pixels of a tall plot, with margin)
LEVELS = 1 << 14
_I32 = np.iinfo(np.int32)
_F32 = np.finfo(np.float32)


def narrow(a: np.ndarray) -> np.ndarray:
    """``a`` as int32, float32 or float64: the narrowest dtype that draws it exactly enough (see module)."""
    a = np.asarray(a)
    if a.dtype.kind in "iu":
        if not a.size or (int(a.min()) >= _I32.min and int(a.max()) <= _I32.max):
            return a.astype(np.int32)
        return a.astype(np.float64)
    a = a.astype(np.float64, copy=False)
    if not a.size:
        return a.astype(np.float32)
    finite = a[np.isfinite(a)]
    if not finite.size:
        return a.astype(np.float32)
    lo, hi = float(finite.min()), float(finite.max())
    if np.array_equal(finite, np.round(finite)) and lo >= _I32.min and hi <= _I32.max and finite.size == a.size:
        return a.astype(np.int32)
    big = max(abs(lo), abs(hi))
    nonzero = np.abs(finite[finite != 0])
    if big > float(_F32.max) / 4 or (nonzero.size and float(nonzero.min()) < float(_F32.tiny)):
        return a
    span = hi - lo
    if span and span < LEVELS * float(_F32.eps) * big:
        return a
    return a.astype(np.float32)
