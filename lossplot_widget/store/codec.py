"""One chunk of a series on disk: columnar blobs of steps, epochs, times and values.

- **values**: float64, raw little-endian bytes: exact (NaN payloads, ±inf, -0.0, subnormals, 1e308), and
  random floats do not compress, so compressing them would only cost time.
- **steps**: int64, first value then differences, zlib-compressed: a series logged every step is ~0 bytes.
- **epochs**: float64 run-length pairs ``(index, epoch)``, zlib-compressed: a few bytes per epoch.
- **times**: float32 seconds since the run's clock started (what :class:`~lossplot_widget.core.series.Series`
  keeps), bit-cast to int32 and differenced before zlib: about a byte per point.

About 9 bytes per point in all for a metric logged every step (``benchmarks/RESULTS_store.md``), against 28
for the raw columns.

>>> import numpy as np
>>> x = np.array([1.0, np.nan, -np.inf, 5e-324, 1e308])
>>> steps, epochs, times, values = decode(*encode(np.arange(5), np.zeros(5), np.zeros(5, np.float32), x))
>>> steps.tolist(), values.tolist()[2:], values.tobytes() == x.tobytes()
([0, 1, 2, 3, 4], [-inf, 5e-324, 1e+308], True)
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["encode", "decode", "epochs_between"]

_LEVEL = 1  # zlib level: level 6 saved <3% more here at 4x the time


def encode(
    steps: np.ndarray, epochs: np.ndarray, times: np.ndarray, values: np.ndarray
) -> tuple[bytes, bytes, bytes, bytes]:
    """``(steps, epochs, times, values)`` blobs of one chunk (the columns have one length)."""
    steps = np.ascontiguousarray(steps, dtype="<i8")
    deltas = np.diff(steps, prepend=np.int64(0))
    epochs = np.asarray(epochs, dtype="<f8")
    change = np.flatnonzero(np.concatenate(([True], epochs[1:] != epochs[:-1])))[: len(epochs)]
    runs = np.stack([change.astype("<f8"), epochs[change]], axis=1)
    t = np.ascontiguousarray(times, dtype="<f4").view("<i4")
    tdeltas = np.diff(t, prepend=np.int32(0)).astype("<i4")
    return (
        zlib.compress(deltas.tobytes(), _LEVEL),
        zlib.compress(np.ascontiguousarray(runs, dtype="<f8").tobytes(), _LEVEL),
        zlib.compress(tdeltas.tobytes(), _LEVEL),
        np.ascontiguousarray(values, dtype="<f8").tobytes(),
    )


def decode(steps: bytes, epochs: bytes, times: bytes, values: bytes) -> tuple[np.ndarray, ...]:
    """The columns of one chunk: ``(steps int64, epochs float64, times float32, values float64)``."""
    v = np.frombuffer(values, dtype="<f8").astype(np.float64)
    n = len(v)
    s = np.cumsum(np.frombuffer(zlib.decompress(steps), dtype="<i8"), dtype=np.int64)
    runs = np.frombuffer(zlib.decompress(epochs), dtype="<f8").reshape(-1, 2)
    e = np.empty(n, dtype=np.float64)
    starts = runs[:, 0].astype(np.int64)
    ends = np.append(starts[1:], n)
    for a, b, epoch in zip(starts.tolist(), ends.tolist(), runs[:, 1].tolist()):
        e[a:b] = epoch
    t = np.cumsum(np.frombuffer(zlib.decompress(times), dtype="<i4"), dtype=np.int32).view(np.float32)
    if not len(s) == len(e) == len(t) == n:
        raise ValueError("corrupt chunk: its columns differ in length")
    return s, e, t, v


def epochs_between(epoch_runs: list[tuple[int, float]], start: int, stop: int) -> np.ndarray:
    """The epoch of points ``start..stop-1`` from a series' run-length table ``[(first index, epoch), ...]``
    (only that slice is expanded: a series of 10^7 points is not walked at every write).

    >>> epochs_between([(0, 0.0), (3, 1.0)], 2, 5).tolist()
    [0.0, 1.0, 1.0]
    """
    firsts = [i for i, _ in epoch_runs]
    k = max(0, int(np.searchsorted(firsts, start, side="right")) - 1)
    out = np.empty(stop - start, dtype=np.float64)
    if not epoch_runs:
        out[:] = 0.0
        return out
    while k < len(epoch_runs) and epoch_runs[k][0] < stop:
        a = max(start, epoch_runs[k][0])
        b = min(stop, epoch_runs[k + 1][0]) if k + 1 < len(epoch_runs) else stop
        out[a - start : b - start] = epoch_runs[k][1]
        k += 1
    return out
