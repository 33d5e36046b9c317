"""One training run: a :class:`~lossplot_widget.core.history.History` with a name, a config and a status.

Runs are made and held by a :class:`~lossplot_widget.core.runset.RunSet` (their *owner*, seen here through
the narrow :class:`RunOwner` protocol): see :mod:`lossplot_widget.core.runset`.

Statuses: ``running``, ``finished``, ``stopped`` (the Stop button ended it), ``failed`` (an exception;
:attr:`Run.error` names it), ``interrupted`` (``KeyboardInterrupt``) and ``followed`` (read from a log
directory written elsewhere: whether its writer still runs is not known) and ``crashed`` (read from a run store:
its process died while the run was ``running``) and ``pruned`` (a sweep engine ended the trial early:
an Optuna pruner, a Ray Tune scheduler).
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Protocol

import numpy as np

from .history import History
from .series import Stats
from .tracing import not_traced
from .values import coerce_epoch, coerce_step, merge_checked, torch_tensor_type

__all__ = [
    "CRASHED", "FAILED", "FINISHED", "FOLLOWED", "INTERRUPTED", "PRUNED", "RUNNING", "STATUSES", "STOPPED", "Run",
    "RunOwner",
    "check_config",
]

RUNNING, FINISHED, STOPPED, FAILED, INTERRUPTED, FOLLOWED, CRASHED, PRUNED = (
    "running", "finished", "stopped", "failed", "interrupted", "followed", "crashed", "pruned",
)
STATUSES = (RUNNING, FINISHED, STOPPED, FAILED, INTERRUPTED, FOLLOWED, CRASHED, PRUNED)


class RunOwner(Protocol):
    """What a run needs from the set that holds it."""

    def after_log(self) -> None: ...  # a log() call ended: draw when a frame is due, pause
    def changed(self) -> None: ...  # the run's status changed
    def reopening(self, run: Run) -> None: ...  # ``run`` is about to take points again (load what is stored)
    def stop_requested(self) -> bool: ...  # Stop was clicked (an ending run is then ``stopped``)
    def ended(self, run: Run) -> None: ...
    def push(self, run: Run) -> None: ...  # ``with run:`` began on this thread
    def pop(self, run: Run) -> None: ...


class Run:
    """One training run: its history, config, status and start/end wall-clock times.

    Made by :meth:`RunSet.start` (``LiveLossWidget.run(...)``); a context manager whose exit sets the
    status (``finished``, ``stopped`` after a Stop click, ``failed`` or ``interrupted``).
    """

    def __init__(
        self, name: str, config: Mapping[str, Any] | None, *, index: int, named: bool, owner: RunOwner,
    ) -> None:
        #: the run's name (unique in its :class:`RunSet`)
        self.name = name
        #: hyper-parameters and other facts about the run (shown in the run table, exported)
        self.config: dict[str, Any] = check_config(config)
        #: every point of this run
        self.history = History()
        #: the run's colour (its position in the order runs began)
        self.index = index
        #: False for a name made up by the widget (``run-1``, ...)
        self.named = named
        self.status = RUNNING
        #: ``"ValueError: ..."`` for a failed run
        self.error: str | None = None
        self.started = time.time()
        self.ended: float | None = None
        #: the thread that started (or last continued) the run
        self.thread = threading.current_thread()
        #: per metric, statistics read from a run store while the points are not loaded (the run table shows them)
        self.saved_stats: dict[str, Stats] | None = None
        #: where the run is read from (``"follow"``: a followed log directory, ``"store"``: a followed run store,
        #: ``"past"``: listed from the widget's run store and not continued); ``None`` for a run logged here (only
        #: those are written to the widget's run store)
        self.source: str | None = None
        #: the value a sweep engine judges the run by (an Optuna trial's value, a Ray Tune trial's last value of
        #: its metric); ``None``: judged by its points (see :class:`~lossplot_widget.core.ranking.Objective`)
        self.score: float | None = None
        #: True when a sweep engine judges the run: then a ``score`` of ``None`` means no result yet (a running
        #: Optuna trial), and its points do not stand in for it
        self.scored = False
        self._owner = owner

    # ------------------------------------------------------------------ logging
    @not_traced
    def log(
        self, values: Mapping[str, object] | None = None, /, *, step: int | None = None, epoch: float | None = None,
        **metrics: object,
    ) -> None:
        """Record one value per metric in this run (see ``LiveLossWidget.log``)."""
        self.record(values, metrics, step, epoch)
        self._owner.after_log()

    @not_traced
    def log_epoch(self, values: Mapping[str, object] | None = None, /, **metrics: object) -> None:
        """Record end-of-epoch metrics at this run's current step, then start its next epoch."""
        self.record_epoch(values, metrics)
        self._owner.after_log()

    def record(
        self, values: Mapping[str, object] | None, metrics: dict[str, object], step: int | None, epoch: float | None
    ) -> int:
        """Validate and append one call's values (no drawing); return the step used."""
        clean, plain = merge_checked(values, metrics)
        if step is not None:
            step = coerce_step(step)
        if epoch is not None:
            epoch = coerce_epoch(epoch)
        if self.source is not None or (self.status != RUNNING and self.status != FOLLOWED):
            self._reopen_if_needed()
        return self.history.append(clean, step, epoch, plain)

    def _reopen_if_needed(self) -> None:
        # an ended run, or a run listed from a store (even one still running elsewhere): continued here
        if self.source == "past" or (self.status != RUNNING and self.status != FOLLOWED):
            self.reopen()

    def record_epoch(self, values: Mapping[str, object] | None, metrics: dict[str, object]) -> None:
        h = self.history
        with h.lock:
            self.record(values, metrics, h.last_step if h.last_step is not None else 0, h.epoch)
            h.advance_epoch()

    # ------------------------------------------------------------------ lifecycle
    def reopen(self) -> None:
        """Mark the run running again (logging into an ended run, or continuing it by name)."""
        self._owner.reopening(self)
        self.status, self.error, self.ended = RUNNING, None, None
        self.thread = threading.current_thread()
        self._owner.changed()

    def finish(self, status: str | None = None, error: str | None = None) -> None:
        """End the run: ``status`` defaults to ``stopped`` when Stop was clicked, else ``finished``.

        >>> from lossplot_widget.core.runset import RunSet
        >>> r = RunSet().start("a"); r.finish(); r.status
        'finished'
        """
        if status is None:
            status = STOPPED if self._owner.stop_requested() else FINISHED
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        self.status, self.error, self.ended = status, error, time.time()
        self._owner.ended(self)

    def fail(self, exc: BaseException) -> None:
        """End the run because of ``exc`` (``interrupted`` for ``KeyboardInterrupt``, else ``failed``)."""
        if isinstance(exc, KeyboardInterrupt):
            self.finish(INTERRUPTED, "KeyboardInterrupt")
        else:
            self.finish(FAILED, f"{type(exc).__name__}: {exc}"[:200])

    def __enter__(self) -> Run:
        self._owner.push(self)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._owner.pop(self)
        if self.status != RUNNING:
            return  # finished inside the block (e.g. ``finish("stopped")``): keep that status
        if exc is None:
            self.finish()
        else:
            self.fail(exc)

    def __repr__(self) -> str:
        points = sum(self.history.counts().values())
        return f"Run({self.name!r}, status={self.status!r}, points={points}, config={self.config!r})"


def check_config(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """``config`` as the run keeps it: keys checked, values as they are now (a one-element tensor or array
    becomes a number; lists, dicts and other arrays are copied), so that a later change in place (a
    scheduler stepping a tensor ``lr``) does not rewrite what the run table and the exports show.

    >>> lrs = [0.1]; cfg = check_config({"lrs": lrs}); lrs.append(0.2); cfg
    {'lrs': [0.1]}
    """
    if config is None:
        return {}
    if not isinstance(config, Mapping):
        raise TypeError(f"config must be a dict, got {type(config).__name__}")
    for key in config:
        if not isinstance(key, str) or not key:
            raise TypeError(f"config keys must be non-empty strings, got {key!r}")
    return {key: _as_now(value) for key, value in config.items()}


def _as_now(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    tensor = torch_tensor_type()
    try:
        if tensor is not None and isinstance(value, tensor):
            value = value.detach().cpu().numpy()  # once, when the run is made
        elif not isinstance(value, (np.ndarray, np.generic)) and hasattr(value, "__array__"):
            value = np.asarray(value)  # JAX, TensorFlow, ...
        if isinstance(value, (np.ndarray, np.generic)):
            return value.item() if value.size == 1 else value.copy()  # one element: a plain number
        if isinstance(value, (list, dict, set, tuple)):
            return copy.deepcopy(value)
    except Exception:  # unreadable or uncopyable: kept as given
        pass
    return value
