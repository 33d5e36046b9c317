"""How much a frame may send: one byte budget per widget, shared by every run and panel.

A browser redraws every mark it is sent; with tens of metrics a frame that refreshes every
series costs the page more than it can draw at 4 frames a second, and it falls behind. A
:class:`FrameBudget` is a token bucket: it fills at ``bytes_per_second`` up to ``frame_bytes``
(what one frame may send), and each frame spends what it sent. :meth:`FrameBudget.choose`
picks the series a frame refreshes: the longest-waiting changed ones first, as many as the
bucket holds (at least one when the bucket is full, however large it is). The rest wait for
the next frames, so every changed series is redrawn within about
``bytes of all changed series / bytes_per_second`` seconds, and a final flush (``final=True``)
draws everything.

>>> b = FrameBudget(frame_bytes=100, bytes_per_second=100)
>>> b.choose([("a", 60), ("b", 60), ("c", 10)], now=0.0)      # "b" does not fit: it waits (and "c" behind it)
['a']
>>> b.spent({"a": 60}, now=0.0); b.choose([("b", 60), ("c", 10)], now=0.1)   # 40 + 10 bytes: too few
[]
>>> b.choose([("b", 60), ("c", 10)], now=1.0)                # waited longest: drawn first
['b', 'c']
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Generic, TypeVar

__all__ = ["FrameBudget"]

K = TypeVar("K", bound=Hashable)


class FrameBudget(Generic[K]):
    """Bytes per frame and bytes per second the browser is sent (a token bucket).

    Parameters
    ----------
    frame_bytes : int
        What one frame may send (the bucket's size); 0 or None: no limit.
    bytes_per_second : int
        The sustained rate (the bucket's refill); 0 or None: no limit.
    """

    def __init__(self, frame_bytes: int | None = 160_000, bytes_per_second: int | None = 800_000) -> None:
        self.frame_bytes = frame_bytes or 0
        self.bytes_per_second = bytes_per_second or 0
        self.tokens = float(self.frame_bytes)
        self._at: float | None = None
        #: when each unit (e.g. a (run, metric) series) was last drawn
        self.drawn_at: dict[K, float] = {}

    @property
    def unlimited(self) -> bool:
        return not (self.frame_bytes and self.bytes_per_second)

    def _refill(self, now: float) -> None:
        if self._at is not None and now > self._at:
            self.tokens = min(float(self.frame_bytes), self.tokens + (now - self._at) * self.bytes_per_second)
        self._at = now if self._at is None else max(self._at, now)

    def choose(self, changed: Sequence[tuple[K, int]], now: float, final: bool = False) -> list[K]:
        """Which of ``changed`` ``(unit, estimated bytes)`` to draw at ``now`` (in the order given for ties).

        Longest-waiting first (never drawn before anything drawn); stops at the first that does not
        fit, so a large unit is not starved by small ones behind it. ``final``: all of them.
        """
        if final or self.unlimited:
            return [unit for unit, _ in changed]
        self._refill(now)
        order = sorted(range(len(changed)), key=lambda i: (self.drawn_at.get(changed[i][0], float("-inf")), i))
        chosen: list[K] = []
        left = self.tokens
        for i in order:
            unit, cost = changed[i]
            if cost > left and not (not chosen and left >= self.frame_bytes):
                break
            chosen.append(unit)
            left -= cost
        return chosen

    def spent(self, sent: Mapping[K, int], now: float) -> None:
        """The units drawn at ``now`` and the bytes each was sent.

        The bucket may go below zero, by at most one frame's bytes (a final frame that drew everything
        delays the next ones by at most two frames' worth of refill, not by all it sent).
        """
        if not self.unlimited:
            self._refill(now)
            self.tokens = max(self.tokens - sum(sent.values()), -float(self.frame_bytes))
        for unit in sent:
            self.drawn_at[unit] = now
