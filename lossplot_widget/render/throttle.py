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
    """At most one frame per ``interval`` seconds, and never more than ``budget`` of the time.

    A frame that took ``cost`` seconds delays the next one by at least
    ``cost / budget``, so drawing never takes more than ``budget`` (default 5%)
    of a training loop's time, however slow a frame gets.
    """

    __slots__ = ("interval", "budget", "next_at")

    def __init__(self, interval: float = 0.25, budget: float = 0.05) -> None:
        if interval < 0:
            raise ValueError(f"refresh interval must be >= 0, got {interval!r}")
        self.interval = interval
        self.budget = budget
        self.next_at = float("-inf")

    def due(self, now: float) -> bool:
        return now >= self.next_at

    def wait(self, now: float) -> float:
        """Seconds until the next frame is due (0 if due now)."""
        return max(0.0, self.next_at - now)

    def sent(self, now: float, cost: float) -> None:
        self.next_at = now + max(self.interval, cost / self.budget)
