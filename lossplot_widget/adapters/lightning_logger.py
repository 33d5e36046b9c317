"""The Lightning logger's logic, shared by ``lossplot_widget.lightning`` (``lightning.pytorch``) and
``lossplot_widget.pytorch_lightning`` (the ``pytorch_lightning`` namespace). Imports neither.

Lightning hands every logger the same dict: ``log_metrics(metrics, step)`` with the names as
``self.log`` forked them and an ``epoch`` entry it adds, ``log_hyperparams(params)`` once per fit
(``save_hyperparameters``), ``log_graph(model)`` at fit start, ``save()`` after *every*
``log_metrics`` and ``finalize(status)`` at the end (``"success"`` or ``"failed"``).

Forked names. ``self.log("acc", on_step=True, on_epoch=True)`` reaches loggers as ``acc_step``
(per step) and ``acc_epoch`` (per epoch), never as ``acc``. The widget shows ``acc_step`` as ``acc``
(as :class:`~lossplot_widget.lightning.LiveLossCallback` does) and keeps ``acc_epoch``. A logger sees
one fork at a time, so ``X_step`` is taken for a fork when Lightning says so:

- the trainer (bound by ``log_graph(model)``: ``model.trainer``, or by the callback) reports ``X`` in its
  public ``callback_metrics`` (Lightning adds a forked metric there under its plain name as well), or
- without a trainer, ``X_epoch`` has already reached this logger (from the first epoch's end on).

``X_step`` keeps its name when ``X`` itself is logged (in the same call or before): a metric that merely
ends in ``_step`` (``self.log("n_step", ...)`` without ``on_epoch``) is never renamed. A name's reading is
fixed once it is made, for the rest of the fit.
"""

from __future__ import annotations

import sys
import weakref
from argparse import Namespace
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ..core.keywords import strict_keywords
from ..core.run import FAILED, FINISHED, RUNNING, Run, check_config
from ..widget import LiveLossWidget
from .common import scalars, shown_widget

__all__ = ["LOGGER_METHODS", "LOGGER_NAME", "LiveLossLoggerBase", "hyperparams_config", "rank_zero_logger"]

#: ``logger.name``: the experiment name Lightning builds checkpoint folders from (``<name>/<version>``)
LOGGER_NAME = "lossplot"
#: the Logger methods Lightning calls: run on global rank zero only, as Lightning's own loggers are
LOGGER_METHODS = ("log_metrics", "log_hyperparams", "log_graph", "save", "finalize")
_STEP, _EPOCH = "_step", "_epoch"
L = TypeVar("L", bound="LiveLossLoggerBase")
_SKIP = object()  # a hyperparameter value the run's config cannot keep


class LiveLossLoggerBase:
    """What ``LiveLossLogger`` does (see ``lossplot_widget.lightning``); also the mark
    :class:`~lossplot_widget.adapters.lightning_hooks.LiveLossMixin` finds in ``trainer.loggers``."""

    @strict_keywords
    def __init__(self, widget: LiveLossWidget | None = None, *, run: str | None = None) -> None:
        super().__init__()
        self.widget = widget
        #: the name of the run this logger writes (``None``: a fresh ``run-N``)
        self.run_name = run
        #: the :class:`~lossplot_widget.core.run.Run` this logger writes (``None`` before its first values)
        self.current_run: Run | None = None
        self._trainer: Callable[[], Any] | None = None  # a weak reference: the fit's trainer
        self._forks: dict[str, bool] = {}  # X_step -> whether it is Lightning's fork of X (decided once)
        self._seen: set[str] = set()  # every name Lightning wrote to this logger (during the fit)
        self._epoch_names: set[str] = set()  # the names ending in _epoch written so far

    # --------------------------------------------------------------- identity
    @property
    def name(self) -> str:
        """``"lossplot"`` (Lightning's checkpoints of a fit whose first logger is this go to ``lossplot/<version>``)."""
        return LOGGER_NAME

    @property
    def version(self) -> str:
        """The name of the run: ``current_run``'s, else ``run=``, else the ``run-N`` it will get."""
        if self.current_run is not None:
            return self.current_run.name
        if self.run_name is not None:
            return self.run_name
        taken = set(self.widget.runs) if self.widget is not None else set()
        k = len(taken) + 1
        while f"run-{k}" in taken:
            k += 1
        return f"run-{k}"

    # ------------------------------------------------------------------- run
    def ensure_run(self, config: Mapping[str, Any] | None = None) -> Run:
        """The run this logger writes, started now if it has not been (its widget made and displayed if
        missing); an ended run continues (one run per logger, as a ``CSVLogger`` writes one version)."""
        run = self.current_run
        if run is None or run.status != RUNNING:
            self.widget = shown_widget(self.widget)
            self.current_run = run = self.widget.run(self.run_name if run is None else run.name, config)
        elif config:
            run.config.update(check_config(config))
        return run

    def bind_trainer(self, trainer: Any) -> None:
        """Read forked metric names from ``trainer`` (its public ``callback_metrics``) during this fit."""
        try:
            self._trainer = weakref.ref(trainer)
        except TypeError:  # pragma: no cover - a trainer that cannot be weakly referenced
            self._trainer = None
        self._forks.clear()
        self._seen.clear()

    # ---------------------------------------------------------- Logger API
    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        """Log ``metrics`` at ``step`` (Lightning's step); Lightning's ``epoch`` entry is the points' epoch."""
        values = dict(metrics)  # Lightning passes the same dict to every logger: never change it
        epoch = values.pop("epoch", None)
        values = scalars(values)
        self._epoch_names.update(name for name in values if name.endswith(_EPOCH))
        shown = {self._shown_name(name, values): value for name, value in values.items()}
        self._seen.update(values)
        if shown:
            self.ensure_run().log(shown, step=step, epoch=None if epoch is None else int(float(epoch)))
        trainer = self._trainer() if self._trainer is not None else None
        if trainer is not None and self.widget is not None and self.widget.should_stop:
            trainer.should_stop = True  # Stop without the callback: acts at the next logged step

    def log_hyperparams(self, params: Any, *args: Any, **kwargs: Any) -> None:
        """Put ``params`` (a dict or ``Namespace``) into the run's config (see :func:`hyperparams_config`)."""
        self.ensure_run(hyperparams_config(params))

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        """Lightning calls this with the LightningModule at fit start: its trainer tells forked names apart."""
        try:
            trainer = model.trainer
        except Exception:  # a module not attached to a trainer
            return
        if trainer is not None:
            self.bind_trainer(trainer)

    def save(self) -> None:
        """Nothing to write: Lightning calls this after every ``log_metrics``, and the widget draws when a
        frame is due (its own throttle); :meth:`finalize` draws the last values."""

    def finalize(self, status: str) -> None:
        """End the run (if still running): ``"success"`` -> ``finished`` (``stopped`` after a Stop click),
        ``"failed"`` -> ``failed`` (``interrupted`` for Ctrl-C), anything else -> ``finished``."""
        run = self.current_run
        if run is not None and run.status == RUNNING:
            if status == "success":
                run.finish()
            elif status == "failed":
                error = sys.exc_info()[1]  # Lightning finalizes from inside its ``except`` block
                if error is not None:
                    run.fail(error)
                else:
                    run.finish(FAILED)
            else:
                run.finish(FINISHED)
        if self.widget is not None:
            self.widget.flush()
        self._trainer = None

    # -------------------------------------------------------------- names
    def _shown_name(self, name: str, values: Mapping[str, Any]) -> str:
        """``X`` for Lightning's per-step fork ``X_step`` of ``X``, else ``name`` (see the module's notes)."""
        base = name[: -len(_STEP)]
        if not name.endswith(_STEP) or not base or base in values:
            return name
        fork = self._forks.get(name)
        if fork is None:
            if base in self._seen:
                fork = False  # X itself reached this logger: X_step is a name of its own
            elif base + _EPOCH in self._epoch_names:
                fork = True
            else:
                reported = self._reported_metrics()
                if reported is None:
                    return name  # no trainer and no epoch value yet: undecided
                fork = base in reported
            self._forks[name] = fork
        return base if fork else name

    def _reported_metrics(self) -> Mapping[str, Any] | None:
        trainer = self._trainer() if self._trainer is not None else None
        if trainer is None:
            return None
        try:
            reported = trainer.callback_metrics
        except Exception:  # pragma: no cover - a trainer without the public callback_metrics
            return None
        return reported if isinstance(reported, Mapping) else None


def rank_zero_logger(rank_zero_only: Callable[[Any], Any]) -> Callable[[type[L]], type[L]]:
    """A class decorator: the :data:`LOGGER_METHODS` of a concrete ``LiveLossLogger`` wrapped in its Lightning
    namespace's ``rank_zero_only`` (``lightning.pytorch`` and ``pytorch_lightning`` each have their own)."""

    def decorate(cls: type[L]) -> type[L]:
        for name in LOGGER_METHODS:
            setattr(cls, name, rank_zero_only(getattr(LiveLossLoggerBase, name)))
        return cls

    return decorate


def hyperparams_config(params: Any) -> dict[str, Any]:
    """``params`` as a run's config: a ``Namespace`` or dict, nested dicts flattened one level with ``/``;
    values kept when JSON can hold them (one-element tensors and arrays become numbers), others left out.

    >>> from argparse import Namespace
    >>> hyperparams_config(Namespace(lr=0.1, opt={"name": "sgd", "betas": (0.9, 0.99)}, fn=print))
    {'lr': 0.1, 'opt/name': 'sgd', 'opt/betas': [0.9, 0.99]}
    """
    if isinstance(params, Namespace):
        params = vars(params)
    if not isinstance(params, Mapping):
        return {}
    out: dict[str, Any] = {}
    for key, value in params.items():
        items = value.items() if isinstance(value, Mapping) else [(None, value)]
        for sub, item in items:
            name = str(key) if sub is None else f"{key}/{sub}"
            kept = _keepable(item)
            if name and kept is not _SKIP:
                out[name] = kept
    return out


def _keepable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        items = [_keepable(v) for v in value]
        return _SKIP if any(v is _SKIP for v in items) else items
    if isinstance(value, Mapping):
        kept = {str(k): _keepable(v) for k, v in value.items()}
        return _SKIP if any(v is _SKIP for v in kept.values()) else kept
    number = scalars({"value": value}).get("value")
    item = getattr(number, "item", None)
    if callable(item):
        number = item()  # a one-element tensor or array: its number
    return number if isinstance(number, (bool, int, float)) else _SKIP
