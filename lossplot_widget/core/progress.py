"""Progress, steps per second and ETA from (time, steps done) samples taken once per frame.

Pure Python: no widgets, no clock of its own (callers pass ``now``), so it is testable.

>>> p = Progress(total=100)
>>> p.observe(done=10, now=0.0); p.observe(done=30, now=2.0)
>>> s = p.state()
>>> s.fraction, s.rate, s.eta
(0.3, 10.0, 7.0)
>>> format_progress(s)
'30 / 100 steps · 30% · 10 steps/s · ETA 7 s'
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

#: steps/s is measured over the samples of (about) this many seconds
RATE_WINDOW_S = 10.0


@dataclass(frozen=True)
class ProgressState:
    """What the progress bar shows: ``done`` of ``total`` steps, the rate and the estimate to finish."""

    done: int
    total: int
    fraction: float  # done / total, clipped to [0, 1]
    rate: float  # steps per second over the recent window (NaN until two samples differ in time)
    eta: float  # seconds left at ``rate`` (NaN when unknown, 0 when finished)
    elapsed: float  # seconds between the first and the last sample of this run


class Progress:
    """Total work, and how fast it is being done.

    ``done`` is sampled by the widget once per frame (not per step), so this costs
    nothing on the training hot path.

    Parameters
    ----------
    total : int, optional
        Steps the whole run will take; ``None`` hides the progress bar.
    """

    def __init__(self, total: int | None = None) -> None:
        self.total: int | None = None
        self.set_total(total)
        #: set by adapters that know the true step count; ``None``: the widget counts logged steps
        self.done: int | None = None
        self._samples: deque[tuple[float, int]] = deque(maxlen=256)
        self._start: float | None = None  # time of the first sample of this run

    def set_total(self, total: int | float | None) -> None:
        """Set the total number of steps (``None``, 0 or infinity: unknown, progress hidden)."""
        if total is None or (isinstance(total, float) and not math.isfinite(total)):
            self.total = None
            return
        if isinstance(total, bool) or not float(total).is_integer() or total < 0:
            raise ValueError(f"total must be a non-negative whole number of steps, got {total!r}")
        self.total = int(total) or None

    def observe(self, done: int, now: float) -> None:
        """Record that ``done`` steps were finished at time ``now`` (seconds, any monotonic clock)."""
        samples = self._samples
        if samples and done < samples[-1][1]:
            samples.clear()  # restarted (e.g. a new fit on the same widget): rates start over
        if samples and samples[-1][1] == done:
            return  # nothing new: keep the time the step was seen, not the time of a later redraw
        if not samples:
            self._start = now
        samples.append((now, done))
        while len(samples) > 2 and now - samples[1][0] >= RATE_WINDOW_S:
            samples.popleft()

    def sample(self, logged: int, now: float) -> ProgressState | None:
        """Once per frame: observe ``done`` (or ``logged``, the steps logged, when no adapter set it); the state.

        >>> p = Progress(total=10); p.sample(logged=4, now=0.0).done
        4
        """
        if self.total is None:
            return None
        self.observe(self.done if self.done is not None else logged, now)
        return self.state()

    def state(self) -> ProgressState | None:
        """The latest state, or ``None`` when the total is unknown or nothing was observed."""
        if self.total is None or not self._samples:
            return None
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        span = t1 - t0
        rate = (d1 - d0) / span if span > 0 and d1 > d0 else math.nan
        left = max(self.total - d1, 0)
        if left == 0:
            eta = 0.0
        else:
            eta = left / rate if rate > 0 else math.nan
        fraction = min(max(d1 / self.total, 0.0), 1.0)
        elapsed = t1 - (t0 if self._start is None else self._start)
        return ProgressState(d1, self.total, fraction, rate, eta, elapsed)


def format_duration(seconds: float) -> str:
    """``'7 s'``, ``'2:05'``, ``'1:02:05'``; ``'–'`` when unknown.

    >>> format_duration(7.2), format_duration(125), format_duration(3725)
    ('7 s', '2:05', '1:02:05')
    """
    if not math.isfinite(seconds):
        return "–"
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def format_rate(rate: float) -> str:
    """Steps per second with 3 significant digits, ``'–'`` when unknown."""
    return f"{rate:.3g} steps/s" if math.isfinite(rate) else "– steps/s"


def format_progress(state: ProgressState) -> str:
    """One line of text: done / total, percent, steps/s and the ETA (or the time it took)."""
    head = f"{state.done} / {state.total} steps · {state.fraction:.0%} · {format_rate(state.rate)}"
    if state.done >= state.total:
        return f"{head} · done in {format_duration(state.elapsed)}"
    return f"{head} · ETA {format_duration(state.eta)}"
