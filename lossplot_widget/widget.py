"""LiveLossWidget: log scalars from a training loop and watch them live in Jupyter.

Data flows one way: ``log()`` -> :class:`~lossplot_widget.core.history.History` ->
:class:`~lossplot_widget.render.throttle.Throttle` -> :class:`~lossplot_widget.render.frames.FrameBuilder`
-> :class:`~lossplot_widget.view.plot.PlotView` (bqplot marks).
"""

from __future__ import annotations

import math
import threading
import time
import uuid
import warnings
from typing import Any, Iterable, Iterator, Mapping, TypeVar

import traitlets

from .control import cells as _ipython
from .core import export
from .render import static
from .core.values import check_name, coerce_epoch, coerce_step, coerce_value
from .control.run import POLL_INTERVAL, RunControl
from .render.frames import X_AXES, FrameBuilder, FrameOptions
from .core.grouping import GroupsArg, normalize_groups, panel_of
from .core.history import History, defer_interrupts
from .core.epochs import epoch_boundaries
from .core.progress import Progress
from .render.throttle import Throttle

T = TypeVar("T")


class LiveLossWidget(traitlets.HasTraits):
    """Live training curves for Jupyter, JupyterLab and Voilà.

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
        Let the Stop/Pause buttons reach a loop that blocks the kernel through ipykernel internals
        (default: on, or ``lossplot_widget.control.run.HOOKS_ENABLED``); see :mod:`lossplot_widget.control.run`.
    **traits
        ``smoothing``, ``log_y``, ``x_axis``, ``max_points``, ``refresh_interval``, ``window``.

    Examples
    --------
    >>> w = LiveLossWidget(smoothing=0.0)
    >>> for step in range(3):
    ...     w.log(loss=1.0 / (step + 1))
    >>> w.history["loss"].values.tolist()
    [1.0, 0.5, 0.3333333333333333]
    """

    smoothing = traitlets.Float(0.6, help="TensorBoard-style EMA weight in [0, 1); 0 = off").tag(sync=False)
    log_y = traitlets.Bool(False, help="logarithmic y axes (values <= 0 are drawn as gaps)")
    x_axis = traitlets.Enum(X_AXES, default_value="step", help="x axis: step, epoch or time")
    max_points = traitlets.Int(2000, help="at most this many points per line per frame")
    refresh_interval = traitlets.Float(0.25, help="minimum seconds between two frames")
    window = traitlets.Int(
        None, allow_none=True, help="follow the latest N steps (None: the whole run); a zoom takes precedence"
    )

    def __init__(
        self, *, groups: GroupsArg = None, height: str = "300px", control_hooks: bool | None = None,
        total: int | None = None, **traits: Any
    ) -> None:
        self.history = History()
        #: total steps, steps/s and ETA, sampled once per frame (see progress.py); set_total() changes it
        self.progress = Progress(total)
        self._control = RunControl(hooks=control_hooks)  # Stop/Pause; see control.py
        self._next_poll = math.inf  # the view sets it where clicks must be peeked at (ipykernel 6)
        self.height = height
        self._groups = normalize_groups(groups)
        self._followers: list[Any] = []  # follow(): log directories tailed by background threads
        self._notes: list[str] = []  # messages shown above the plot (e.g. a corrupt event record)
        self._builder = FrameBuilder(self.history)
        self._throttle = Throttle()
        self._view: Any = None
        self._drawn_version = -1
        self._render_lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._timer_lock = threading.Lock()
        self.frames_sent = 0
        self.draw_error: Exception | None = None
        self._warned = False
        self._display_id = f"lossplot-{uuid.uuid4().hex}"
        self._displayed = False
        self._static_version = -1
        super().__init__(**traits)
        self._throttle.interval = self.refresh_interval
        _ipython.watch(self)

    # ------------------------------------------------------------------ traits
    @traitlets.validate("smoothing")
    def _check_smoothing(self, proposal: Any) -> float:
        value = proposal["value"]
        if not 0.0 <= value < 1.0:
            raise traitlets.TraitError(f"smoothing must be in [0, 1), got {value!r}")
        return value

    @traitlets.validate("max_points")
    def _check_max_points(self, proposal: Any) -> int:
        if proposal["value"] < 16:
            raise traitlets.TraitError(f"max_points must be at least 16, got {proposal['value']!r}")
        return proposal["value"]

    @traitlets.observe("refresh_interval")
    def _interval_changed(self, change: Any) -> None:
        self._throttle.interval = change["new"]

    @traitlets.validate("window")
    def _check_window(self, proposal: Any) -> int | None:
        if proposal["value"] is not None and proposal["value"] < 1:
            raise traitlets.TraitError(f"window must be None or at least 1 step, got {proposal['value']!r}")
        return proposal["value"]

    @traitlets.observe("smoothing", "log_y", "x_axis", "max_points", "window")
    def _options_changed(self, change: Any) -> None:
        self.flush()

    # ----------------------------------------------------------------- logging
    def log(
        self,
        values: Mapping[str, Any] | None = None,
        /,
        *,
        step: int | None = None,
        epoch: float | None = None,
        **metrics: Any,
    ) -> None:
        """Record one value per metric at ``step`` (default: the next step).

        Values may be Python or numpy numbers or 0-d torch tensors (no GPU sync
        per call). A call that raises records nothing.

        >>> w = LiveLossWidget()
        >>> w.log(loss=0.9)
        >>> w.log({"loss": 0.7, "val_loss": 0.8}, step=10, epoch=1)
        """
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
        run = self._control.run
        if run is None or run.paused:  # a new run begins, or Pause was clicked
            self._control_point()

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
            epoch = h.epoch
            self.log(values, step=step, epoch=epoch, **metrics)
            h.epoch = epoch + 1
        self._control_point()  # a pause waits here, not while holding the history lock

    # ---------------------------------------------------------------- drawing
    @property
    def dirty(self) -> bool:
        """True while something logged is not drawn yet."""
        return self.history.version != self._drawn_version

    def _maybe_draw(self) -> None:
        now = time.monotonic()
        if now >= self._next_poll:  # ipykernel 6 only (else +inf): read pending Stop/Pause clicks
            self._next_poll = now + POLL_INTERVAL
            self._control.poll()
        if now >= self._throttle.next_at:  # Throttle.due, inlined: this runs on every log()
            self._draw(blocking=False)
        elif self._timer is None:
            self._schedule(self._throttle.wait(now))

    def _schedule(self, delay: float) -> None:
        with self._timer_lock:
            if self._timer is None:
                timer = threading.Timer(delay + 0.005, self._on_timer)
                timer.daemon = True
                self._timer = timer
                timer.start()

    def _on_timer(self) -> None:
        with self._timer_lock:
            self._timer = None
        if self.dirty:
            now = time.monotonic()
            if self._throttle.due(now):
                self._draw(blocking=False)
            if self.dirty:
                self._schedule(max(self._throttle.wait(time.monotonic()), 0.01))

    def _options(self) -> FrameOptions:
        return FrameOptions(
            smoothing=self.smoothing, log_y=self.log_y, x_axis=self.x_axis,
            max_points=self.max_points, groups=self._groups, window=self.window,
            x_ranges=self._view.zoom.ranges() if self._view is not None else {},
        )

    def _request_redraw(self) -> None:
        """Draw again (throttled) although nothing new was logged: the zoomed range changed."""
        self._drawn_version = -1
        self._maybe_draw()

    def _draw(self, blocking: bool) -> None:
        # a Ctrl-C that arrives mid-frame is raised right after it, never inside it
        with defer_interrupts():
            if not self._render_lock.acquire(blocking=blocking):
                return
            try:
                start = time.monotonic()
                version = self.history.version
                if self._view is not None:
                    options = self._options()
                    frame = self._builder.build(options)
                    self._view.apply(frame, options)
                    self._view.show_progress(self._progress_state())
                    self._view.show_epochs(epoch_boundaries(self.history, options.x_axis))
                    self.frames_sent += 1
                self._drawn_version = version
                end = time.monotonic()
                self._throttle.sent(end, end - start)
            except Exception as exc:  # drawing must never break the training loop
                self.draw_error = exc
                if not self._warned:
                    self._warned = True
                    warnings.warn(f"lossplot_widget could not draw a frame: {exc!r}", RuntimeWarning, stacklevel=2)
                self._throttle.sent(time.monotonic(), 1.0)
            finally:
                self._render_lock.release()

    def _progress_state(self) -> Any:
        p = self.progress
        if p.total is None:
            return None
        p.observe(p.done if p.done is not None else self.history.next_step, time.monotonic())
        return p.state()

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
        self._draw(blocking=True)

    def _flush_if_dirty(self) -> None:
        if self.dirty:
            self.flush()

    def _after_cell(self) -> None:
        """End of an IPython cell: draw the last values and refresh the static picture."""
        self._flush_if_dirty()
        self._update_static()

    # ------------------------------------------------------------- display
    @property
    def widget(self) -> Any:
        """The ipywidgets layout showing the curves (created on first use)."""
        if self._view is None:
            from .view.plot import PlotView

            self._view = PlotView(self)
            self._drawn_version = -1
            self.flush()
        return self._view.root

    def _bundle(self) -> dict[str, Any]:
        """The widget view plus a static SVG of the current curves (for nbconvert, saved notebooks)."""
        bundle = dict(self.widget._repr_mimebundle_())
        with self._render_lock:
            self._static_version = self.history.version
            bundle["image/svg+xml"] = static.frame_to_svg(self._builder.build(self._options()), self.log_y)
        bundle["text/plain"] = repr(self)
        return bundle

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self._bundle()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self._bundle(), raw=True, display_id=self._display_id)
        self._displayed = True

    def _update_static(self) -> None:
        if not self._displayed or self._view is None or self._static_version == self.history.version:
            return
        from IPython.display import update_display

        update_display(self._bundle(), raw=True, display_id=self._display_id)

    def __repr__(self) -> str:
        h = self.history
        parts = [f"{name}: {len(h._series[name])} points" for name in h.names]
        return f"LiveLossWidget({', '.join(parts) or 'empty'})"

    def close(self) -> None:
        """Close the view (history is kept; logging continues; displaying again shows everything).

        Following (:meth:`follow`) stops.
        """
        for follower in self._followers:
            follower.stop()
        self.flush()
        try:
            self._update_static()  # the saved output keeps a picture of the final curves
        except Exception:  # pragma: no cover - outside IPython there is nothing to update
            pass
        self._displayed = False
        view, self._view = self._view, None
        if view is not None:
            view.close()

    def __enter__(self) -> "LiveLossWidget":
        self._control.begin(fresh=True)  # a training run: Stop/Pause act until the block ends
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self.flush()
        finally:
            self._control.end()

    # ------------------------------------------------------------ Stop / Pause
    @property
    def should_stop(self) -> bool:
        """True once Stop was clicked during this run; check it in a loop: ``if w.should_stop: break``.

        Reading it also begins a run (so Stop works before the first ``log()``); a run ends with its
        cell. Pause blocks inside ``log()``/``steps()`` instead, so a loop needs no code for it.

        >>> w = LiveLossWidget()
        >>> w.should_stop
        False
        >>> w.request_stop(); w.should_stop
        True
        """
        ctl = self._control
        run = ctl.run
        if run is None:
            ctl.begin()
            return False
        if not run.stopped:
            return False
        run = ctl.current()  # a stop left from an earlier request (Voilà button) does not count
        if run.stopped:
            ctl.note_stop_seen(run)
            return True
        return False

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
        it = iter(iterable)
        while True:
            if self.should_stop:
                return
            self._control_point()
            if self.should_stop:
                return
            try:
                item = next(it)
            except StopIteration:
                return
            yield item

    def check_controls(self) -> bool:
        """Wait here while paused, then return whether Stop was clicked (framework callbacks call this).

        >>> w = LiveLossWidget()
        >>> w.check_controls()
        False
        """
        self._control_point()
        return self.should_stop

    def _control_point(self) -> None:
        """Begin a run if none is active; block here while the run is paused (Stop ends the wait)."""
        ctl = self._control
        run = ctl.run
        if run is None:
            ctl.begin()
            return
        if not run.paused:
            return
        owned = getattr(self.history.lock, "_is_owned", None)
        if owned is not None and owned():
            return  # inside log_epoch: it pauses after releasing the history lock
        run = ctl.current()
        if run.paused:
            ctl.wait_while_paused(run, on_pause=self.flush)

    # ------------------------------------------------------------ following
    def follow(
        self, logdir: Any, *, poll: float = 0.25, tags: Any = None, csv: Any = True, **options: Any
    ) -> Any:
        """Follow the runs under ``logdir`` live: TensorBoard event files and CSV logs.

        A background thread polls every ``poll`` seconds; each run and tag becomes a series
        ``"<run>/<tag>"`` drawn in the panel of its tag. ``tags``: ``None`` (every scalar but
        bookkeeping such as Lightning's ``epoch``), a regex, names/globs, or a predicate.
        ``csv``: follow ``*.csv`` logs too (``False``, or glob(s)). Other options
        (``rescan``, ``settle``, ``corrupt_after``): see :class:`~lossplot_widget.follow.follower.Follower`.
        Needs the ``tensorboard`` package (``pip install lossplot-widget[follow]``).

        >>> import tempfile
        >>> w = LiveLossWidget()
        >>> handle = w.follow(tempfile.mkdtemp(), poll=0.1)
        >>> handle.stop()
        """
        from .follow.follower import Follower

        follower = Follower(self, logdir, poll=poll, tags=tags, csv=csv, **options)
        self._followers.append(follower)
        return follower

    def _set_panel(self, name: str, key: str) -> None:
        """Draw ``name`` in the panel metric ``key`` gets (``"run/val_loss"`` beside ``"loss"``)."""
        if name not in self._groups:
            self._groups[name] = self._groups.get(key) or panel_of(key)

    def _add_note(self, text: str) -> None:
        """Show ``text`` above the plot (kept until the widget is recreated)."""
        if text not in self._notes:
            self._notes.append(text)
            self._drawn_version = -1
            self._maybe_draw()

    # ------------------------------------------------------------ data out
    def to_dict(self) -> dict[str, dict[str, list]]:
        """Every logged point: ``{metric: {"step", "epoch", "time", "value"}}``."""
        return self.history.to_dict()

    def to_csv(self, path: Any) -> None:
        """Write every point to ``path`` in long form (metric, step, epoch, time, value); exact round trip."""
        export.write_csv(self.history, path)

    def to_pandas(self) -> Any:
        """A long-form ``pandas.DataFrame`` (pandas is optional)."""
        return export.to_pandas(self.history)

    @classmethod
    def from_csv(cls, path: Any, **kwargs: Any) -> "LiveLossWidget":
        """Recreate a widget (same values, steps and epochs) from :meth:`to_csv` output."""
        w = cls(**kwargs)
        export.read_csv_into(w.history, path)
        return w
