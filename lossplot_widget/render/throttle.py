"""When is the next frame due? Time-based, O(1), adaptive to the cost of a frame.

>>> t = Throttle(interval=0.25)
>>> t.due(0.0)
True
>>> t.sent(now=0.0, cost=0.01); t.due(0.1), t.due(0.25)
(False, True)
"""

from __future__ import annotations

__all__ = ["Throttle"]


class Throttle:
    """At most one frame per ``interval`` seconds, and drawing takes at most ``budget`` of the time.

    The time budget is a bucket of drawing seconds that fills at ``budget`` seconds per second, up to
    ``burst`` seconds; each frame spends its ``cost``. While the bucket is in debt, the next frame
    waits until it is paid back, so frames that keep costing ``c`` come every ``c / budget`` seconds
    (never more than ``budget``, default 5%, of a loop's time, however slow a frame gets), while a
    one-off slow frame (the first frame of 50 new panels builds 150 marks) is paid from the burst
    instead of stalling the plot for ``c / budget`` seconds. Over any stretch of time ``T`` drawing
    takes at most ``budget * T + burst``.
    """

    __slots__ = ("interval", "budget", "burst", "next_at", "tokens", "_at")

    def __init__(self, interval: float = 0.25, budget: float = 0.05, burst: float = 0.5) -> None:
        if interval < 0:
            raise ValueError(f"refresh interval must be >= 0, got {interval!r}")
        self.interval = interval
        self.budget = budget
        self.burst = burst
        self.tokens = burst
        self._at: float | None = None
        self.next_at = float("-inf")

    def due(self, now: float) -> bool:
        return now >= self.next_at

    def wait(self, now: float) -> float:
        """Seconds until the next frame is due (0 if due now)."""
        return max(0.0, self.next_at - now)

    def sent(self, now: float, cost: float) -> None:
        if self._at is not None and now > self._at:
            self.tokens = min(self.burst, self.tokens + (now - self._at) * self.budget)
        self._at = now
        self.tokens -= cost
        debt = -self.tokens / self.budget if self.tokens < 0 and self.budget > 0 else 0.0
        self.next_at = now + max(self.interval, debt)
