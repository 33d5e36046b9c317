"""Keras 3 callback: live curves during ``model.fit`` (any backend).

Importing this module imports Keras; ``import lossplot_widget`` alone never does.

>>> from lossplot_widget.keras import LiveLossCallback
>>> cb = LiveLossCallback()          # model.fit(..., callbacks=[cb]) creates and shows a widget
>>> cb.per_batch, cb.instantaneous
(True, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras

from .adapters.common import loggable, show
from .core.keywords import strict_keywords
from .core.runset import Run
from .core.tracing import not_traced
from .widget import LiveLossWidget

__all__ = ["LiveLossCallback"]


def _mean_metrics(metrics: Any, out: dict[str, Any]) -> dict[str, Any]:
    """``{name: keras.metrics.Mean}`` for every running-mean metric, looking inside containers."""
    for m in metrics:
        if isinstance(m, keras.metrics.Mean):
            out.setdefault(m.name, m)
        inner = getattr(m, "metrics", None)  # CompileMetrics holds the compiled metrics
        if isinstance(inner, (list, tuple)) and inner:
            _mean_metrics(inner, out)
    return out


class LiveLossCallback(keras.callbacks.Callback):
    """Plot the metrics of ``model.fit`` live: per batch, and validation per epoch.

    Parameters
    ----------
    widget : LiveLossWidget, optional
        Where to log. If omitted, a widget is created at train start and displayed
        (when running under IPython); it is then available as ``callback.widget``.
    run : str, optional
        The name of the run each ``fit`` logs into; default: a fresh ``run-N`` per ``fit`` (runs of one
        widget are overlaid, coloured by run). Passing the name of an existing run continues it: a
        second ``fit()`` then goes on after its last step. ``callback.current_run`` is the
        :class:`~lossplot_widget.core.run.Run` of the current (or last) fit.
    per_batch : bool
        Log training metrics after every batch (the default); ``False`` logs only the
        end-of-epoch values Keras reports (those of ``History``).
    instantaneous : bool
        Keras' batch logs are *running means over the epoch so far* (what its progress
        bar shows), which restart at every epoch and so draw a cliff there. By default
        (``True``) the value of each batch itself is logged instead, as a PyTorch loop
        logs it, recovered from consecutive running means and the metric's sample count
        ``n``: ``(n_b * mean_b - n_a * mean_a) / (n_b - n_a)``. This is exact in real
        arithmetic (float32 rounding of Keras' means remains) for ``keras.metrics.Mean``
        metrics: the loss and compiled metrics such as ``accuracy`` or ``mae``, on every
        backend (see Notes). Other metrics (AUC, precision, ...) are not running means and
        are logged as reported. ``False`` logs Keras' running means as they are.

    Notes
    -----
    The global step of a batch is ``epoch * steps + batch`` (``steps`` from Keras' params;
    when unknown, batches are counted). With ``steps_per_execution=k`` Keras calls the
    callback every ``k`` batches with the index of the last batch of the execution; the
    point sits at that batch, and an instantaneous value is the mean over those ``k`` batches.
    End-of-epoch values that are not logged per batch (``val_*``, a learning rate, ...)
    are logged at the epoch's last step, so ``val_loss`` overlays ``loss`` there; on the
    epoch axis the end of epoch *e* is at *e + 1*. The widget is flushed at each epoch end
    and at train end. The run ends with ``fit`` (``stopped`` after a Stop click).
    """

    @strict_keywords
    def __init__(
        self, widget: LiveLossWidget | None = None, *, run: str | None = None, per_batch: bool = True,
        instantaneous: bool = True,
    ) -> None:
        super().__init__()
        self.widget = widget
        #: the name of the run each ``fit`` logs into (``None``: a fresh ``run-N`` per fit)
        self.run_name = run
        #: the :class:`~lossplot_widget.core.run.Run` of the current (or last) fit
        self.current_run: Run | None = None
        self.per_batch = per_batch
        self.instantaneous = instantaneous
        self._steps: int | None = None
        self._offset = 0  # global steps before epoch 0 of this fit (a widget reused by a second fit)
        self._epoch_offset = 0
        self._first_epoch: int | None = None
        self._epoch = 0
        self._base = 0  # global step of this epoch's first batch
        self._next_base = 0  # when steps are unknown: counted
        self._last_step: int | None = None
        self._batch_keys: set[str] = set()
        self._means: dict[str, Any] | None = None
        self._prev: dict[str, tuple[float, float]] = {}
        self._count_at: dict[int, int] | None = None  # JAX: id(count variable) -> index in the trainer state

    # ------------------------------------------------------------ Keras hooks
    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        created = self.widget is None
        w = self.widget = self.widget if self.widget is not None else LiveLossWidget()
        self.current_run = w.run(self.run_name)
        steps = (self.params or {}).get("steps")
        epochs = (self.params or {}).get("epochs")
        self._steps = int(steps) if steps else None
        self._first_epoch = None
        self._means = None
        self._count_at = None
        if self._steps and epochs:
            w.set_total(int(epochs) * self._steps)
        if created:
            show(w)

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        h = self._run.history
        if self._first_epoch is None:  # the first epoch of this fit(): continue after what is there
            self._first_epoch = epoch
            self._offset = max(0, h.next_step - epoch * (self._steps or 0))
            self._next_base = h.next_step
            logged_epochs = h.epoch + 1 if h.last_step is not None else 0
            self._epoch_offset = max(0, int(logged_epochs) - epoch)
        self._epoch = epoch
        self._base = self._offset + epoch * self._steps if self._steps else self._next_base
        self._last_step = None
        self._prev = {}

    @not_traced
    def on_train_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        if self._w.check_controls():  # the widget's Stop button (a Pause waits in here)
            self.model.stop_training = True
        steps = self._steps
        if steps:
            # a last execution of k > 1 batches may overrun the epoch; Keras still reports its end index
            batch = min(batch, steps - 1)
        step = self._base + batch
        self._last_step = step
        if not steps:
            self._next_base = step + 1
        w = self._w
        if steps:
            w.progress.done = self._epoch * steps + batch + 1
        if not self.per_batch or not logs:
            return
        values = self._instant(logs, batch) if self.instantaneous else {k: loggable(v) for k, v in logs.items()}
        if values:
            self._batch_keys.update(values)
            self._run.log(values, step=step, epoch=self._epoch + self._epoch_offset)

    @not_traced
    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        w = self._w
        step = self._last_step
        if step is None:
            step = self._base
        values = {
            k: loggable(v) for k, v in (logs or {}).items() if not (self.per_batch and k in self._batch_keys)
        }
        if values:
            self._run.log(values, step=step, epoch=epoch + self._epoch_offset)
        w.flush()

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        if self.current_run is not None and self.current_run.status == "running":
            # ``stopped`` after a Stop click; an exception in fit() fails it at the cell's end
            self.current_run.finish()
        self._w.flush()

    # --------------------------------------------------------------- helpers
    @property
    def _run(self) -> Run:
        if self.current_run is None:  # hooks called without on_train_begin
            self.current_run = self._w.run(self.run_name)
        return self.current_run

    @property
    def _w(self) -> LiveLossWidget:
        if self.widget is None:  # hooks called without on_train_begin (e.g. a custom loop)
            self.widget = LiveLossWidget()
        return self.widget

    def _count(self, metric: Any, batch: int) -> float:
        """Samples (or sample weights) ``metric`` has seen this epoch; ``batch + 1`` (batches) if unreadable."""
        if keras.backend.backend() != "jax":
            return float(metric.count)
        # the JAX trainer keeps metric variables out of the model during fit (reading them raises);
        # the state it hands to callbacks holds their current values, in ``metrics_variables`` order.
        # ``self._model``, not ``self.model``: on JAX that property syncs every variable into the model
        model = self._model
        state = getattr(model, "_jax_state", None)
        values = state.get("metrics_variables") if isinstance(state, Mapping) else None
        if self._count_at is None:
            self._count_at = {id(v): i for i, v in enumerate(model.metrics_variables)}
        at = self._count_at.get(id(getattr(metric, "count", None)))
        if values is None or at is None or at >= len(values):
            return float(batch + 1)  # equal weight per batch (a Keras without that state)
        return float(values[at])

    def _instant(self, logs: Mapping[str, Any], batch: int) -> dict[str, Any]:
        """Per-batch values from running means: ``(n_b m_b - n_a m_a) / (n_b - n_a)``."""
        if self._means is None:
            model = getattr(self, "_model", None)  # hooks driven by hand have no model: values as reported
            self._means = _mean_metrics(model.metrics, {}) if model is not None else {}
        out: dict[str, Any] = {}
        for name, value in logs.items():
            metric = self._means.get(name)
            if metric is None:
                out[name] = loggable(value)  # not a running mean: as reported
                continue
            mean = float(value)
            count = self._count(metric, batch)  # samples (or sample weights) seen this epoch
            prev_count, prev_mean = self._prev.get(name, (0.0, 0.0))
            self._prev[name] = (count, mean)
            if count > prev_count:
                out[name] = (count * mean - prev_count * prev_mean) / (count - prev_count)
        return out
