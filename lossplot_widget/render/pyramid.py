"""An incremental multi-resolution min/max store: bounded, spike-preserving views of unbounded series.

Level 0 summarizes blocks of :data:`BLOCK` points, each level above summarizes
:data:`FANOUT` blocks of the level below. Every block keeps the position and value
of its minimum and maximum finite value, of its minimum positive value (for log
axes), and the position of its first non-finite value and of its first value that
a log axis cannot show. Appending costs O(1) amortized numpy work per point;
:meth:`MinMaxPyramid.select` answers "at most ``3 * buckets + 2`` points of
``[lo, hi)`` keeping every bucket's min, max and gaps" in O(buckets) work,
whatever the length of the series. Ranges short enough are returned in full.

>>> import numpy as np
>>> y = np.sin(np.arange(1_000_000) / 1e4); y[123_457] = 40.0; y[600_001] = np.nan
>>> p = MinMaxPyramid(lambda a, b: y[a:b]); p.extend(y)
>>> idx, vals = p.select(0, len(y), buckets=300)
>>> len(idx) <= 3 * 300 + 2, 123_457 in idx, 600_001 in idx, int(idx[0]), int(idx[-1])
(True, True, True, 0, 999999)
>>> idx, _ = p.select(500_000, 500_900, buckets=300)   # short range: every point
>>> idx.tolist() == list(range(500_000, 500_900))
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: points per level-0 block
BLOCK = 128
#: blocks of level k per block of level k + 1
FANOUT = 8
#: "no such point" (sorts after every real position)
NONE = np.iinfo(np.int64).max

# columns of the per-block tables
_VMIN, _VMAX, _VPOS = 0, 1, 2  # float64: min, max, min positive
_IMIN, _IMAX, _IPOS, _IBAD, _ILOG = 0, 1, 2, 3, 4  # int64 positions; BAD: non-finite, LOG: non-finite or <= 0
_INF = np.inf

Fetch = Callable[[int, int], np.ndarray]


class _Table:
    """Growable rows of floats (n, 3) and ints (n, 5)."""

    __slots__ = ("vals", "ints", "size")

    def __init__(self) -> None:
        self.vals = np.empty((0, 3))
        self.ints = np.empty((0, 5), dtype=np.int64)
        self.size = 0

    def extend(self, vals: np.ndarray, ints: np.ndarray) -> None:
        need = self.size + len(vals)
        if need > len(self.vals):
            cap = max(need, int(len(self.vals) * 1.25) + 64)
            for name in ("vals", "ints"):
                old = getattr(self, name)
                grown = np.empty((cap, old.shape[1]), dtype=old.dtype)
                grown[: self.size] = old[: self.size]
                setattr(self, name, grown)
        self.vals[self.size : need] = vals
        self.ints[self.size : need] = ints
        self.size = need

    @property
    def nbytes(self) -> int:
        return self.vals.nbytes + self.ints.nbytes


def _summarize(rows: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Block tables of raw values ``rows`` (m, width); row i starts at position ``starts[i]``."""
    m = len(rows)
    at = np.arange(m)
    finite = np.isfinite(rows)
    vals = np.empty((m, 3))
    ints = np.empty((m, 5), dtype=np.int64)
    for col_v, col_i, masked, pick in (
        (_VMIN, _IMIN, np.where(finite, rows, _INF), np.argmin),
        (_VMAX, _IMAX, np.where(finite, rows, -_INF), np.argmax),
        (_VPOS, _IPOS, np.where(finite & (rows > 0), rows, _INF), np.argmin),
    ):
        k = pick(masked, axis=1)
        v = masked[at, k]
        vals[:, col_v] = v
        ints[:, col_i] = np.where(np.isinf(v), NONE, starts + k)
    for col_i, bad in ((_IBAD, ~finite), (_ILOG, ~(finite & (rows > 0)))):
        ints[:, col_i] = np.where(bad.any(axis=1), starts + bad.argmax(axis=1), NONE)
    return vals, ints


def _reduce(vals: np.ndarray, ints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge groups of block rows: ``vals`` (m, g, 3), ``ints`` (m, g, 5) -> (m, 3), (m, 5)."""
    m = vals.shape[0]
    at = np.arange(m)
    out_v = np.empty((m, 3))
    out_i = np.empty((m, 5), dtype=np.int64)
    picks = ((_VMIN, _IMIN, np.argmin), (_VMAX, _IMAX, np.argmax), (_VPOS, _IPOS, np.argmin))
    for col_v, col_i, pick in picks:
        k = pick(vals[:, :, col_v], axis=1)
        out_v[:, col_v] = vals[at, k, col_v]
        out_i[:, col_i] = ints[at, k, col_i]
    out_i[:, _IBAD] = ints[:, :, _IBAD].min(axis=1)
    out_i[:, _ILOG] = ints[:, :, _ILOG].min(axis=1)
    return out_v, out_i


def _reduce_runs(vals: np.ndarray, ints: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge consecutive runs of block rows beginning at ``starts`` (sorted, first 0) -> (m, 3), (m, 5)."""
    m = len(starts)
    group = np.repeat(np.arange(m), np.diff(np.append(starts, len(vals))))
    out_v = np.empty((m, 3))
    out_i = np.empty((m, 5), dtype=np.int64)
    ufuncs = ((_VMIN, _IMIN, np.minimum), (_VMAX, _IMAX, np.maximum), (_VPOS, _IPOS, np.minimum))
    for col_v, col_i, ufunc in ufuncs:
        col = vals[:, col_v]
        best = ufunc.reduceat(col, starts)
        hits = np.flatnonzero(col == best[group])
        first = hits[np.searchsorted(group[hits], np.arange(m))]  # the first row holding each run's best
        out_v[:, col_v] = best
        out_i[:, col_i] = ints[first, col_i]
    out_i[:, _IBAD] = np.minimum.reduceat(ints[:, _IBAD], starts)
    out_i[:, _ILOG] = np.minimum.reduceat(ints[:, _ILOG], starts)
    return out_v, out_i


class MinMaxPyramid:
    """Min/max summaries of a growing series at every power-of-:data:`FANOUT` resolution.

    Parameters
    ----------
    fetch : callable
        ``fetch(lo, hi)`` returns the series' values ``[lo, hi)`` (only asked for
        positions already passed to :meth:`extend`, and only O(buckets * BLOCK) of them).
    """

    def __init__(self, fetch: Fetch) -> None:
        self.fetch = fetch
        self.levels: list[_Table] = []
        self.pending = np.empty(0)  # values after the last complete level-0 block
        self.size = 0  # points seen
        self.nonpositive = 0  # count of values <= 0 (NaN excluded), for the log-axis note
        # the last select's summary of complete rows: a growing series asks for the same one until a
        # row completes (with one new point per frame, ~127 frames of 128 at level 0)
        self._runs_cache: tuple[tuple[int, int, int, int], tuple[np.ndarray, np.ndarray]] | None = None

    # ------------------------------------------------------------------ build
    def extend(self, values: np.ndarray) -> None:
        """Append the next ``values`` of the series."""
        values = np.asarray(values, dtype=np.float64)
        if not len(values):
            return
        self.nonpositive += int(np.count_nonzero(values <= 0))
        done = (self.size // BLOCK) * BLOCK
        self.size += len(values)
        merged = np.concatenate([self.pending, values]) if len(self.pending) else values
        full = (len(merged) // BLOCK) * BLOCK
        self.pending = merged[full:].copy()
        if not full:
            return
        rows = merged[:full].reshape(-1, BLOCK)
        vals, ints = _summarize(rows, done + np.arange(len(rows), dtype=np.int64) * BLOCK)
        if not self.levels:
            self.levels.append(_Table())
        self.levels[0].extend(vals, ints)
        k = 0
        # cascade: a level gets a new block each time the level below completes FANOUT more
        while self.levels[k].size >= FANOUT * (self._size(k + 1) + 1):
            child = self.levels[k]
            if k + 1 == len(self.levels):
                self.levels.append(_Table())
            parent = self.levels[k + 1]
            r0, r1 = parent.size * FANOUT, (child.size // FANOUT) * FANOUT
            g = (r1 - r0) // FANOUT
            pv, pi = _reduce(child.vals[r0:r1].reshape(g, FANOUT, 3), child.ints[r0:r1].reshape(g, FANOUT, 5))
            parent.extend(pv, pi)
            k += 1

    def _size(self, k: int) -> int:
        return self.levels[k].size if k < len(self.levels) else 0

    @property
    def nbytes(self) -> int:
        return sum(t.nbytes for t in self.levels) + self.pending.nbytes

    def values(self, lo: int, hi: int) -> np.ndarray:
        """The series' values ``[lo, hi)`` (from ``fetch`` and the unfinished last block)."""
        split = self.size - len(self.pending)
        if hi <= split:
            return np.asarray(self.fetch(lo, hi), dtype=np.float64)
        if lo >= split:
            return self.pending[lo - split : hi - split]
        head = np.asarray(self.fetch(lo, split), dtype=np.float64)
        return np.concatenate([head, self.pending[: hi - split]])

    # ------------------------------------------------------------------ query
    def _cover(self, lo: int, hi: int, k: int, out: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Summaries covering ``[lo, hi)`` exactly, using levels <= ``k`` and raw values."""
        if lo >= hi:
            return
        if k < 0:
            rows = self.values(lo, hi)[None, :]
            out.append(_summarize(rows, np.array([lo], dtype=np.int64)))
            return
        size = BLOCK * FANOUT**k
        table = self.levels[k]
        r0 = -(-lo // size)
        r1 = min(hi // size, table.size)
        if r0 >= r1:
            self._cover(lo, hi, k - 1, out)
            return
        out.append((table.vals[r0:r1], table.ints[r0:r1]))
        self._cover(lo, r0 * size, k - 1, out)
        self._cover(r1 * size, hi, k - 1, out)

    def _range_summary(self, lo: int, hi: int, top: int) -> tuple[np.ndarray, np.ndarray]:
        parts: list[tuple[np.ndarray, np.ndarray]] = []
        self._cover(lo, hi, top, parts)
        vals = np.concatenate([p[0] for p in parts])[None]
        ints = np.concatenate([p[1] for p in parts])[None]
        return _reduce(vals, ints)

    def _raw_summaries(self, lo: int, hi: int, buckets: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """A short range: ``buckets`` summaries straight from the raw values."""
        size = -(-(hi - lo) // buckets)
        values = self.values(lo, hi)
        full = (hi - lo) // size
        starts = lo + np.arange(full, dtype=np.int64) * size
        summaries = [_summarize(values[: full * size].reshape(full, size), starts)]
        if full * size < hi - lo:
            summaries.append(_summarize(values[full * size :][None], np.array([lo + full * size])))
        return summaries

    def _level_summaries(self, lo: int, hi: int, k: int, middle: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """A long range: at most ``middle`` groups of level ``k``'s complete rows, plus the two partial edges."""
        summaries: list[tuple[np.ndarray, np.ndarray]] = []
        size = BLOCK * FANOUT**k
        table = self.levels[k]
        r0 = -(-lo // size)
        r1 = min(hi // size, table.size)
        rows = r1 - r0
        if rows > 0:
            m = min(rows, middle)
            key = (k, r0, r1, m)  # complete rows never change: the same groups, the same summary
            if self._runs_cache is None or self._runs_cache[0] != key:
                starts = (np.arange(m, dtype=np.int64) * rows) // m  # m nearly equal groups of rows
                self._runs_cache = (key, _reduce_runs(table.vals[r0:r1], table.ints[r0:r1], starts))
            summaries.append(self._runs_cache[1])
            edges: tuple[tuple[int, int], ...] = ((lo, r0 * size), (r1 * size, hi))
        else:
            edges = ((lo, hi),)
        for a, b in edges:
            if a < b:
                summaries.append(self._range_summary(a, b, k))
        return summaries

    def select(
        self, lo: int, hi: int, buckets: int, log: bool = False, whole: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Positions (sorted, unique) and values of at most ``3 * buckets + 2`` points of ``[lo, hi)``.

        Keeps ``lo`` and ``hi - 1``, and for each of at most ``buckets`` consecutive
        buckets its minimum and maximum finite value and its first non-finite value
        (the line's gap). With ``log``, the minimum is the smallest positive value
        and values <= 0 count as gaps. Gap values are returned as NaN. A range of at most
        ``whole`` points (default ``3 * buckets + 2``) is returned in full.
        """
        lo, hi = max(0, lo), min(self.size, hi)
        if hi <= lo:
            return np.empty(0, dtype=np.int64), np.empty(0)
        if hi - lo <= (3 * buckets + 2 if whole is None else whole):
            return np.arange(lo, hi, dtype=np.int64), self.values(lo, hi).copy()
        if buckets < 3:
            raise ValueError(f"buckets must be at least 3, got {buckets}")
        middle = buckets - 2  # two edge buckets
        span = (hi - lo) / middle
        k = len(self.levels) - 1
        while k >= 0 and BLOCK * FANOUT**k > span:
            k -= 1
        summaries = self._raw_summaries(lo, hi, buckets) if k < 0 else self._level_summaries(lo, hi, k, middle)
        vals = np.concatenate([s[0] for s in summaries])
        ints = np.concatenate([s[1] for s in summaries])
        cols = (_VPOS, _IPOS, _ILOG) if log else (_VMIN, _IMIN, _IBAD)
        idx = np.concatenate([[lo, hi - 1], ints[:, cols[1]], ints[:, _IMAX], ints[:, cols[2]]])
        y = np.concatenate([[np.nan, np.nan], vals[:, cols[0]], vals[:, _VMAX], np.full(len(ints), np.nan)])
        keep = idx != NONE
        idx, y = idx[keep], y[keep]
        order = np.lexsort((np.isnan(y), idx))  # per position, a real value before a gap marker
        idx, y = idx[order], y[order]
        first = np.ones(len(idx), dtype=bool)
        first[1:] = idx[1:] != idx[:-1]
        idx, y = idx[first], y[first]
        for end in (0, len(idx) - 1):  # the range's first and last points: their own values
            if np.isnan(y[end]):
                y[end] = self.values(int(idx[end]), int(idx[end]) + 1)[0]
        return idx, y
