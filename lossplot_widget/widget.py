"""LiveLossWidget: log scalars from a training loop and watch them live in Jupyter.

An ipywidget (a ``VBox``) that composes in any layout. Data flows one way: ``log()`` ->
:class:`~lossplot_widget.core.history.History` -> :class:`~lossplot_widget.render.schedule.FrameLoop`
(throttle) -> :class:`~lossplot_widget.render.frames.FrameBuilder` ->
:class:`~lossplot_widget.view.plot.PlotView` (bqplot marks). Stop/Pause live in
:mod:`lossplot_widget.control`, following logs in :mod:`lossplot_widget.follow`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import traitlets

from .control import cells
from .control.facade import StopPauseMixin
from .control.run import RunControl
from .core.epochs import epoch_boundaries
from .core.export import ExportMixin
from .core.grouping import GroupsArg, normalize_groups
from .core.history import History
from .core.progress import Progress
from .core.values import coerce_epoch, coerce_step, merge_metrics
from .follow.follower import Follower
from .follow.logruns import TagsArg
from .follow.sink import HistorySink
from .render import static
from .render.frames import X_AXES, FrameBuilder, FrameOptions
from .render.schedule import FrameLoop
from .view.output import StaticOutput
from .view.plot import PlotView
from .view.zoom import XRange

__all__ = ["LiveLossWidget"]

PathLike = str | os.PathLike[str]


class LiveLossWidget(StopPauseMixin, ExportMixin, widgets.VBox):
    """Live training curves for Jupyter, JupyterLab and Voilà; an ipywidget (``VBox``).

    Parameters
    ----------
    groups : dict or list of lists, optional
        Which metrics share a panel, e.g. ``{"losses": ["loss", "val_loss", "aux"]}``.
        Metrics not named are grouped automatically (``loss`` with ``val_loss``, ...).
    height : str
        CSS height of each panel.
    total : int, optional
        Steps the run will take: shows progress, steps/s and an ETA (also :meth:`set_total`).
    control_hooks : bool, optional
        Let Stop/Pause reach a loop that blocks the kernel through ipykernel internals
        (default: on; see :mod:`lossplot_widget.control.delivery`).
    **kwargs
        Traits (``smoothing``, ``log_y``, ``x_axis``, ``max_points``, ``refresh_interval``,
        ``window``) and ``VBox`` arguments (``layout``, ...).

    Examples
    --------
    >>> w = LiveLossWidget(smoothing=0.0)
    >>> for step in range(3):
    ...     w.log(loss=1.0 / (step + 1))
    >>> w.history["loss"].values.tolist()
    [1.0, 0.5, 0.3333333333333333]
    >>> import ipywidgets as widgets
    >>> box = widgets.VBox([widgets.HTML("<b>run 1</b>"), w])   # composes like any widget
    """

    smoothing = traitlets.Float(0.6, min=0.0, help="TensorBoard-style EMA weight in [0, 1); 0 = off")
    log_y = traitlets.Bool(False, help="logarithmic y axes (values <= 0 are drawn as gaps)")
    x_axis = traitlets.Enum(X_AXES, default_value="step", help="x axis: step, epoch or time")
    max_points = traitlets.Int(2000, min=16, help="at most this many points per line per frame")
    refresh_interval = traitlets.Float(0.25, min=0.0, help="minimum seconds between two frames")
    window = traitlets.Int(
        None, allow_none=True, min=1, help="follow the latest N steps (None: the whole run); a zoom takes precedence"
    )

    def __init__(
        self, *, groups: GroupsArg = None, height: str = "300px", control_hooks: bool | None = None,
        total: int | None = None, **kwargs: object,
    ) -> None:
        self.history = History()
        #: total steps, steps/s and ETA, sampled once per frame (see core/progress.py)
        self.progress = Progress(total)
        self.height = height
        #: the Stop/Pause state of the active run (see :mod:`lossplot_widget.control`)
        self.run_control = RunControl(hooks=control_hooks)
        self._groups = normalize_groups(groups)
        self._followers: list[Follower] = []
        self._notes: list[str] = []  # shown above the plot (e.g. a corrupt event record)
        self._x_ranges: dict[str, XRange] = {}  # zoomed panels, reported by the view
        self._builder = FrameBuilder(self.history)
        self._frames = FrameLoop(self._paint, lambda: self.history.version)
        self._view: PlotView | None = None
        self._links: list[traitlets.link] = []
        self._output = StaticOutput(lambda: super(LiveLossWidget, self)._repr_mimebundle_() or {}, self._svg)
        self._follow_sink = HistorySink(self.history, self._groups, self._add_note, self._maybe_draw)
        super().__init__(**kwargs)
        self._frames.throttle.interval = self.refresh_interval
        self.add_class("lossplot-widget")
        self._open_view()
        cells.watch(self._after_cell)

    # ------------------------------------------------------------------ traits
    @traitlets.validate("smoothing")
    def _check_smoothing(self, proposal: Mapping[str, Any]) -> float:
        if not proposal["value"] < 1.0:
            raise traitlets.TraitError(f"smoothing must be in [0, 1), got {proposal['value']!r}")
        return float(proposal["value"])

    @traitlets.observe("refresh_interval")
    def _interval_changed(self, change: Mapping[str, Any]) -> None:
        self._frames.throttle.interval = change["new"]

    @traitlets.observe("smoothing", "log_y", "x_axis", "max_points", "window")
    def _options_changed(self, change: Mapping[str, Any]) -> None:
        if change["name"] == "x_axis" and self._x_ranges and self._view is not None:
            self._view.zoom.reset()  # a range in steps means nothing on a time axis
        self.flush()

    # ----------------------------------------------------------------- logging
    def log(
        self, values: Mapping[str, object] | None = None, /, *, step: int | None = None, epoch: float | None = None,
        **metrics: object,
    ) -> None:
        """Record one value per metric at ``step`` (default: the next step).

        Values may be Python or numpy numbers or 0-d torch tensors (no GPU sync
        per call). A call that raises records nothing.

        >>> w = LiveLossWidget()
        >>> w.log(loss=0.9)
        >>> w.log({"loss": 0.7, "val_loss": 0.8}, step=10, epoch=1)
        """
        self._record(values, metrics, step, epoch)
        run = self.run_control.run
        if run is None or run.paused:  # a new run begins, or Pause was clicked
            self.run_control.checkpoint(self.flush)

    def log_epoch(self, values: Mapping[str, object] | None = None, /, **metrics: object) -> None:
        """Record end-of-epoch metrics (e.g. validation) at the current step, then start the next epoch.

        >>> w = LiveLossWidget()
        >>> w.log(loss=0.9); w.log(loss=0.8)
        >>> w.log_epoch(val_loss=0.85)
        >>> w.history["val_loss"].steps.tolist(), w.history.epoch
        ([1], 1.0)
        """
        h = self.history
        with h.lock:
            step = h.last_step if h.last_step is not None else 0
            self._record(values, metrics, step, h.epoch)
            h.advance_epoch()
        self.run_control.checkpoint(self.flush)  # a pause waits here, not while holding the history lock

    def _record(
        self, values: Mapping[str, object] | None, metrics: dict[str, object], step: int | None, epoch: float | None
    ) -> None:
        clean = merge_metrics(values, metrics)
        if step is not None:
            step = coerce_step(step)
        if epoch is not None:
            epoch = coerce_epoch(epoch)
        self.history.append(clean, step, epoch)
        self._maybe_draw()

    # ---------------------------------------------------------------- drawing
    @property
    def dirty(self) -> bool:
        """True while something logged is not drawn yet."""
        return self._frames.dirty

    @property
    def frames_sent(self) -> int:
        """Frames drawn on the view so far."""
        return self._frames.frames

    @property
    def draw_error(self) -> Exception | None:
        """Why the last frame failed (``None`` once a frame succeeds again)."""
        return self._frames.error

    def _maybe_draw(self) -> None:
        now = time.monotonic()
        ctl = self.run_control
        if now >= ctl.next_poll:  # the "peek" mechanism only (else +inf): read pending Stop/Pause clicks
            ctl.poll(now)
        self._frames.poke(now)

    def _redraw(self) -> None:
        """Draw again (throttled) although nothing new was logged."""
        self._frames.invalidate()
        self._maybe_draw()

    def _options(self) -> FrameOptions:
        return FrameOptions(
            smoothing=self.smoothing, log_y=self.log_y, x_axis=self.x_axis, max_points=self.max_points,
            groups=self._groups, window=self.window, x_ranges=dict(self._x_ranges),
        )

    def _paint(self) -> bool:
        view = self._view
        if view is None:
            return False
        options = self._options()
        view.apply(self._builder.build(options), options, self._notes)
        view.show_progress(self.progress.sample(self.history.next_step, time.monotonic()))
        view.show_epochs(epoch_boundaries(self.history, options.x_axis))
        return True

    def _on_zoom(self, ranges: dict[str, XRange], now: bool) -> None:
        self._x_ranges = ranges
        self._frames.invalidate()
        self.flush() if now else self._maybe_draw()

    def set_total(self, total: int | None) -> None:
        """Show progress, steps/s and an ETA towards ``total`` steps (``None`` hides them).

        Progress counts logged steps (one more than the largest step) unless an adapter
        sets ``w.progress.done``.

        >>> w = LiveLossWidget()
        >>> w.set_total(1000); w.progress.total
        1000
        """
        self.progress.set_total(total)
        self.flush()

    def flush(self) -> None:
        """Draw everything logged so far now (also runs after each cell, on ``close()`` and ``with``)."""
        self._frames.flush()

    def _after_cell(self) -> None:
        """End of an IPython cell: draw the last values and refresh the static picture."""
        if self._frames.dirty:
            self.flush()
        self._output.refresh(self.history.version)

    # ------------------------------------------------------------- display
    def _open_view(self) -> None:
        view = self._view = PlotView(
            smoothing=self.smoothing, log_y=self.log_y, x_axis=self.x_axis, height=self.height,
            control=self.run_control, current_step=lambda: self.history.last_step, on_zoom=self._on_zoom,
        )
        self._links = [
            traitlets.link((view.smoothing, "value"), (self, "smoothing")),
            traitlets.link((view.log_y, "value"), (self, "log_y")),
            traitlets.link((view.x_axis, "value"), (self, "x_axis")),
        ]
        self._x_ranges = {}
        self.children = view.children
        self._frames.invalidate()
        self.flush()

    def _ensure_shown(self) -> None:
        """About to be shown: reopened after :meth:`close` (a new view, then a new comm), drawn up to date."""
        if self.comm is None:
            self._model_id = None  # a fresh comm id: the browser closed the old model
            self.layout = widgets.Layout()
            self._open_view()  # children set while closed: the new comm's first state carries them
            self.open()
        if self._frames.dirty:
            self.flush()

    @property
    def widget(self) -> LiveLossWidget:
        """The widget itself, drawn up to date (kept for code written when it was not an ipywidget)."""
        self._ensure_shown()
        return self

    def _svg(self) -> tuple[str, int]:
        with self.history.lock:
            version = self.history.version
            frame = self._builder.build(self._options())
        return static.frame_to_svg(frame, self.log_y), version

    def _repr_mimebundle_(self, **kwargs: object) -> dict[str, Any]:
        self._ensure_shown()
        bundle = self._output.bundle()
        bundle["text/plain"] = repr(self)
        return bundle

    def _ipython_display_(self) -> None:
        self._ensure_shown()
        self._output.display()

    def __repr__(self) -> str:
        parts = [f"{name}: {n} points" for name, n in self.history.counts().items()]
        return f"LiveLossWidget({', '.join(parts) or 'empty'})"

    def close(self) -> None:
        """Close the widget and every widget it made; following stops. The history is kept and
        logging goes on; displaying the widget again shows everything."""
        for follower in self._followers:
            follower.stop()
        self.flush()
        try:
            self._output.refresh(self.history.version)  # the saved output keeps a picture of the final curves
        except Exception:  # pragma: no cover - outside IPython there is nothing to update
            pass
        self._output.displayed = False
        self._frames.cancel()
        for link in self._links:
            link.unlink()
        self._links = []
        view, self._view = self._view, None
        if view is not None:
            view.close()
        layout = self.layout
        super().close()
        self.__dict__.pop("_repr_mimebundle_", None)  # ipywidgets' close() hides the method; ours reopens
        layout.close()

    # ------------------------------------------------------------ following
    def follow(
        self, logdir: PathLike, *, poll: float = 0.25, tags: TagsArg = None, csv: bool | str | Sequence[str] = True,
        rescan: float = 1.0, settle: float = 2.0, corrupt_after: float = 2.0, wake: bool = True,
    ) -> Follower:
        """Follow the runs under ``logdir`` live: TensorBoard event files and CSV logs.

        A background thread polls every ``poll`` seconds; each run and tag becomes a series
        ``"<run>/<tag>"`` drawn in the panel of its tag. ``tags``: ``None`` (every scalar but
        bookkeeping such as Lightning's ``epoch``), a regex, names/globs, or a predicate.
        ``csv``: follow ``*.csv`` logs too (``False``, or glob(s)). ``rescan``, ``settle``,
        ``corrupt_after``, ``wake``: see :class:`~lossplot_widget.follow.Follower`.
        Needs the ``tensorboard`` package (``pip install lossplot-widget[follow]``).

        >>> import tempfile
        >>> handle = LiveLossWidget().follow(tempfile.mkdtemp(), poll=0.1)
        >>> handle.stop()
        """
        follower = Follower(
            self._follow_sink, logdir, poll=poll, tags=tags, csv=csv, rescan=rescan, settle=settle,
            corrupt_after=corrupt_after, wake=wake,
        )
        self._followers.append(follower)
        return follower

    def _add_note(self, text: str) -> None:
        """Show ``text`` above the plot (kept for the widget's lifetime)."""
        if text not in self._notes:
            self._notes.append(text)
            self._redraw()
