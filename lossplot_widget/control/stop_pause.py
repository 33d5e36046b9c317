"""Stop and Pause as methods of the widget: a mixin over a :class:`~lossplot_widget.control.scope.LoopControl`.

A class that mixes :class:`StopPauseMixin` in provides ``loop_control`` (its run state) and
``flush()`` (draw the latest values: a pause shows them before it waits).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from .scope import LoopControl

__all__ = ["StopPauseMixin"]

T = TypeVar("T")


class StopPauseMixin:
    """``should_stop``, ``steps()``, ``check_controls()``, ``pause()``/``resume()`` and ``with w:`` runs."""

    loop_control: LoopControl

    def flush(self) -> None:  # pragma: no cover - provided by the widget
        raise NotImplementedError

    @property
    def should_stop(self) -> bool:
        """True once Stop was clicked during this run: ``if w.should_stop: break``.

        Reading it also begins a run (so Stop works before the first ``log()``); a run ends with
        its cell. Pause blocks inside ``log()``/``steps()`` instead, so a loop needs no code for it.

        >>> from lossplot_widget import LiveLossWidget
        >>> w = LiveLossWidget()
        >>> w.should_stop
        False
        >>> w.request_stop(); w.should_stop
        True
        """
        return self.loop_control.should_stop()

    @property
    def paused(self) -> bool:
        """True while the active run is paused."""
        scope = self.loop_control.scope
        return scope is not None and scope.paused

    def request_stop(self) -> None:
        """Ask the active run to stop, as the Stop button does (ignored when no run is active)."""
        self.loop_control.request_stop()

    def pause(self) -> None:
        """Pause the active run, as the Pause button does: the next ``log()`` blocks until resumed."""
        self.loop_control.set_paused(True)

    def resume(self) -> None:
        """Resume a paused run (from another thread, or the Pause button)."""
        self.loop_control.set_paused(False)

    def steps(self, iterable: Iterable[T]) -> Iterator[T]:
        """Iterate ``iterable`` until Stop is clicked; a Pause waits here between items.

        The item being processed when Stop is clicked finishes; the next one is not fetched. The run
        stays stopped until the cell ends, so an outer epoch loop over ``w.steps(...)`` ends too.

        >>> from lossplot_widget import LiveLossWidget
        >>> w = LiveLossWidget()
        >>> for i in w.steps(range(100)):
        ...     w.log(loss=1.0 / (i + 1))
        ...     if i == 4:
        ...         w.request_stop()
        >>> len(w.history["loss"].values)
        5
        """
        return self.loop_control.steps(iterable, on_pause=self.flush)

    def check_controls(self) -> bool:
        """Wait here while paused, then return whether Stop was clicked (framework callbacks call this).

        >>> from lossplot_widget import LiveLossWidget
        >>> LiveLossWidget().check_controls()
        False
        """
        self.loop_control.checkpoint(self.flush)
        return self.should_stop

    def __enter__(self: T) -> T:
        self.loop_control.begin(fresh=True)  # type: ignore[attr-defined]  # a run until the block ends
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.flush()
        finally:
            self.loop_control.end()
