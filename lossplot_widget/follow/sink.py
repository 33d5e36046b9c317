"""A :class:`~lossplot_widget.follow.follower.FollowSink` that stores followed points in a history.

Each followed series (``"<run>/<tag>"``) is drawn in the panel its tag alone would get
(``"a/val_loss"`` beside ``"b/loss"``), unless ``groups=`` placed it; its times are the writer's
wall-clock times, put on the history's clock.

>>> from lossplot_widget.core.history import History
>>> h, groups = History(), {}
>>> sink = HistorySink(h, groups, note=print, request_frame=lambda: None)
>>> sink.ingest({"run1/val_loss": ("val_loss", [(0, 0.0, h.start_clock(), 0.5)])})
1
>>> h["run1/val_loss"].values.tolist(), groups
([0.5], {'run1/val_loss': 'loss'})
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping

from ..core.grouping import panel_of
from ..core.history import History
from .logruns import Batch

__all__ = ["HistorySink"]


class HistorySink:
    """Followed points into ``history``; panel placement into ``groups`` (``{series: panel title}``)."""

    def __init__(
        self, history: History, groups: MutableMapping[str, str], note: Callable[[str], None],
        request_frame: Callable[[], None],
    ) -> None:
        self.history = history
        self.groups = groups
        self.note = note
        self.request_frame = request_frame

    def ingest(self, batch: Batch) -> int:
        """Load every series of ``batch``; return the number of points."""
        n = 0
        groups = self.groups
        with self.history.lock:
            for name, (tag, points) in batch.items():
                if name not in groups:
                    groups[name] = groups.get(tag) or panel_of(tag)
                steps, epochs, walls, values = zip(*points)
                self.history.load(name, steps, epochs, walls, values, wall_clock=True)
                n += len(points)
        return n
