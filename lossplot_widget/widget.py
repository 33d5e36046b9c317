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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import ipywidgets as widgets
import traitlets

from .control import cells
from .control.run import RunControl
from .core import export
from .core.epochs import epoch_boundaries
from .core.export import PathOrFile
from .core.grouping import GroupsArg, normalize_groups, panel_of
from .core.history import History
from .core.progress import Progress, ProgressState
from .core.values import check_name, coerce_epoch, coerce_step, coerce_value
from .follow.follower import Follower
from .follow.logruns import Batch, TagsArg
from .render import static
from .render.frames import X_AXES, FrameBuilder, FrameOptions
from .render.schedule import FrameLoop
from .view.output import StaticOutput
from .view.plot import PlotView
from .view.zoom import XRange

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LiveLossWidget"]

T = TypeVar("T")
PathLike = str | os.PathLike[str]


class LiveLossWidget(widgets.VBox):
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
        total: int | None = None, **kwargs: Any,
    ) -> None:
        self.history = History()
        #: total steps, steps/s and ETA, sampled once per frame (see core/progress.py)
        self.progress = Progress(total)
        self.height = height
        self._control = RunControl(hooks=control_hooks)
        self._groups = normalize_groups(groups)
        self._followers: list[Follower] = []
        self._notes: list[str] = []  # shown above the plot (e.g. a corrupt event record)
        self._x_ranges: dict[str, XRange] = {}  # zoomed panels, reported by the view
        self._builder = FrameBuilder(self.history)
        self._frames = FrameLoop(self._paint, lambda: self.history.version)
        self._view: PlotView | None = None
        self._links: list[traitlets.link] = []
        self._output = StaticOutput(lambda: super(LiveLossWidget, self)._repr_mimebundle_() or {}, self._svg)
        self._follow_sink = _FollowSink(self)
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
        self, values: Mapping[str, Any] | None = None, /, *, step: int | None = None, epoch: float | None = None,
        **metrics: Any,
    ) -> None:
        """Record one value per metric at ``step`` (default: the next step).

        Values may be Python or numpy numbers or 0-d torch tensors (no GPU sync
        per call). A call that raises records nothing.

        >>> w = LiveLossWidget()
        >>> w.log(loss=0.9)
        >>> w.log({"loss": 0.7, "val_loss": 0.8}, step=10, epoch=1)
        """
        self._record(values, metrics, step, epoch)
        run = self._control.run
        if run is None or run.paused:  # a new run begins, or Pause was clicked
            self._control.checkpoint(self.flush)

    def log_epoch(self, values: Mapping[str, Any] | None = None, /, **metrics: Any) -> None:
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
        self._control.checkpoint(self.flush)  # a pause waits here, not while holding the history lock

    def _record(
        self, values: Mapping[str, Any] | None, metrics: dict[str, Any], step: int | None, epoch: float | None
    ) -> None:
        if values is not None:
            if not isinstance(values, Mapping):
                raise TypeError(f"log() takes a mapping of metric -> value, got {type(values).__name__}")
            if metrics:
                clash = set(values) & set(metrics)
                if clash:
                    raise ValueError(f"metric(s) given twice: {sorted(map(str, clash))}")
                values = {**values, **metrics}
        else:
            values = metrics
        if not values:
            raise ValueError("log() needs at least one metric, e.g. w.log(loss=0.5)")
        clean = values  # the hot path: floats under str names pass through as they are (no new dict)
        for name, v in values.items():
            if type(v) is not float or type(name) is not str or not name:
                clean = {check_name(n): coerce_value(n, x) for n, x in values.items()}
                break
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
        ctl = self._control
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
        view.show_progress(self._progress_state())
        view.show_epochs(epoch_boundaries(self.history, options.x_axis))
        return True

    def _progress_state(self) -> ProgressState | None:
        p = self.progress
        if p.total is None:
            return None
        p.observe(p.done if p.done is not None else self.history.next_step, time.monotonic())
        return p.state()

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
            control=self._control, current_step=lambda: self.history.last_step, on_zoom=self._on_zoom,
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

    def _reopen(self) -> None:
        """Displayed again after :meth:`close`: a new view over the whole history, then a new comm."""
        if self.comm is None:
            self._model_id = None  # a fresh comm id: the browser closed the old model
            self.layout = widgets.Layout()
            self._open_view()  # children set while closed: the new comm's first state carries them
            self.open()

    @property
    def widget(self) -> LiveLossWidget:
        """The widget itself, drawn up to date (kept for code written when it was not an ipywidget)."""
        self._reopen()
        if self._frames.dirty:
            self.flush()
        return self

    def _svg(self) -> tuple[str, int]:
        with self.history.lock:
            version = self.history.version
            frame = self._builder.build(self._options())
        return static.frame_to_svg(frame, self.log_y), version

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        self._reopen()
        bundle = self._output.bundle()
        bundle["text/plain"] = repr(self)
        return bundle

    def _ipython_display_(self) -> None:
        self._reopen()
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

    def __enter__(self) -> LiveLossWidget:
        self._control.begin(fresh=True)  # a training run: Stop/Pause act until the block ends
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.flush()
        finally:
            self._control.end()

    # ------------------------------------------------------------ Stop / Pause
    @property
    def should_stop(self) -> bool:
        """True once Stop was clicked during this run: ``if w.should_stop: break``.

        Reading it also begins a run (so Stop works before the first ``log()``); a run ends with
        its cell. Pause blocks inside ``log()``/``steps()`` instead, so a loop needs no code for it.

        >>> w = LiveLossWidget()
        >>> w.should_stop
        False
        >>> w.request_stop(); w.should_stop
        True
        """
        return self._control.should_stop()

    @property
    def paused(self) -> bool:
        """True while the active run is paused."""
        run = self._control.run
        return run is not None and run.paused

    def request_stop(self) -> None:
        """Ask the active run to stop, as the Stop button does (ignored when no run is active)."""
        self._control.request_stop()

    def pause(self) -> None:
        """Pause the active run, as the Pause button does: the next ``log()`` blocks until resumed."""
        self._control.set_paused(True)

    def resume(self) -> None:
        """Resume a paused run (from another thread, or the Pause button)."""
        self._control.set_paused(False)

    def steps(self, iterable: Iterable[T]) -> Iterator[T]:
        """Iterate ``iterable`` until Stop is clicked; a Pause waits here between items.

        The item being processed when Stop is clicked finishes; the next one is not fetched. The run
        stays stopped until the cell ends, so an outer epoch loop over ``w.steps(...)`` ends too.

        >>> w = LiveLossWidget()
        >>> for i in w.steps(range(100)):
        ...     w.log(loss=1.0 / (i + 1))
        ...     if i == 4:
        ...         w.request_stop()
        >>> len(w.history["loss"].values)
        5
        """
        return self._control.steps(iterable, on_pause=self.flush)

    def check_controls(self) -> bool:
        """Wait here while paused, then return whether Stop was clicked (framework callbacks call this).

        >>> LiveLossWidget().check_controls()
        False
        """
        self._control.checkpoint(self.flush)
        return self.should_stop

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

    def _ingest(self, batch: Batch) -> int:
        n = 0
        h = self.history
        with h.lock:
            for name, (tag, points) in batch.items():
                if name not in self._groups:  # "run/val_loss" in the panel "val_loss" alone would get
                    self._groups[name] = self._groups.get(tag) or panel_of(tag)
                steps, epochs, walls, values = zip(*points)
                h.load(name, steps, epochs, walls, values, wall_clock=True)
                n += len(points)
        return n

    # ------------------------------------------------------------ data out
    def to_dict(self) -> dict[str, dict[str, list[Any]]]:
        """Every logged point: ``{metric: {"step", "epoch", "time", "value"}}``."""
        return self.history.to_dict()

    def to_csv(self, path: PathOrFile) -> None:
        """Write every point to ``path`` in long form (metric, step, epoch, time, value); exact round trip."""
        export.write_csv(self.history, path)

    def to_pandas(self) -> pd.DataFrame:
        """A long-form ``pandas.DataFrame`` (pandas is optional)."""
        return export.to_pandas(self.history)

    @classmethod
    def from_csv(cls, path: PathOrFile, **kwargs: Any) -> LiveLossWidget:
        """Recreate a widget (same values, steps and epochs) from :meth:`to_csv` output."""
        w = cls(**kwargs)
        export.read_csv_into(w.history, path)
        w.flush()
        return w


class _FollowSink:
    """What :meth:`LiveLossWidget.follow`'s follower delivers to (a :class:`~.follow.FollowSink`)."""

    def __init__(self, widget: LiveLossWidget) -> None:
        self.ingest: Callable[[Batch], int] = widget._ingest
        self.note: Callable[[str], None] = widget._add_note
        self.request_frame: Callable[[], None] = widget._maybe_draw
