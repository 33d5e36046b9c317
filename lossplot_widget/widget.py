"""LiveLossWidget: log scalars from a training loop and watch them live in Jupyter.

An ipywidget (a ``VBox``) that composes in any layout. Data flows one way: ``log()`` ->
:class:`~lossplot_widget.core.history.History` -> :class:`~lossplot_widget.render.schedule.FrameLoop`
(throttle) -> :class:`~lossplot_widget.render.builder.FrameBuilder` -> a
:class:`~lossplot_widget.render.frame.Frame` -> :class:`~lossplot_widget.view.plot.PlotView` (bqplot marks)
or :func:`~lossplot_widget.render.static.frame_to_svg`. Stop/Pause live in
:mod:`lossplot_widget.control`, following logs in :mod:`lossplot_widget.follow`.
"""

from __future__ import annotations

import operator
import os
import time
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import traitlets

from .control import cells
from .control.scope import LoopControl
from .control.stop_pause import StopPauseMixin
from .core.export import ExportMixin
from .core.grouping import GroupsArg, assign_panels, normalize_groups
from .core.history import History
from .core.keywords import check_keywords, keyword_names
from .core.progress import Progress
from .core.ranking import Objective
from .core.runset import Run, RunSet, RunsView
from .core.tracing import not_traced
from .follow.follow_mixin import FollowMixin
from .follow.follower import Follower
from .follow.optuna_study import StudyFollower
from .follow.sink import HistorySink
from .follow.storefollow import StoreFollower
from .render import static
from .render.budget import FrameBudget
from .render.builder import FrameBuilder
from .render.frame import Chooser, Frame, FrameOptions, Section, SeriesKey
from .render.options import DRAWING_OPTIONS, DrawingTraits
from .render.schedule import DRAWN, NO_VIEW, PARTIAL, FrameLoop
from .render.sections import plan
from .store.db import RunStore
from .store.location import DEFAULT
from .store.sync import PAST_RUNS, StoreSync, open_sync, write_loop
from .view.downloads import Downloads
from .view.output import StaticOutput, in_a_layout, in_notebook_cell
from .view.plot import PlotView

__all__ = ["LiveLossWidget"]

class LiveLossWidget(StopPauseMixin, ExportMixin, FollowMixin, DrawingTraits, widgets.VBox):
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
    store : str, path-like or None
        The SQLite file every run is written to as it trains (see "Runs on disk" in the docs): default the
        ``LOSSPLOT_STORE`` environment variable, else ``runs.sqlite`` in the per-user data directory;
        ``None`` keeps runs in memory only. The project's 20 latest runs written by other processes (before a
        kernel restart, yesterday, by a script) are listed in the run table as ``"<name> (<start>)"``, unticked:
        tick one to draw it; logging into it (``w.run("lr=0.1 (12-06 14:02)")``) continues it.
    project : str, optional
        Which stored runs are listed (default: this notebook's path, else the script's or the current directory).
    **kwargs
        Traits (``smoothing``, ``log_y``, ``ignore_outliers``, ``x_axis``, ``max_points``,
        ``refresh_interval``, ``window``) and ``VBox`` arguments (``layout``, ...).

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

    def __init__(
        self, *, groups: GroupsArg = None, height: str = "300px", control_hooks: bool | None = None,
        total: int | None = None, store: str | os.PathLike[str] | None = DEFAULT, project: str | None = None,
        **kwargs: object,
    ) -> None:
        check_keywords(type(self).__name__, kwargs, [*self.class_trait_names(), *keyword_names(type(self).__init__)])
        #: total steps, steps/s and ETA, sampled once per frame (see core/progress.py)
        self.progress = Progress(total)
        self.height = height
        self._frames = FrameLoop(self._paint, lambda: self._runs.version)
        #: the Stop/Pause state of the active run (see :mod:`lossplot_widget.control`); handlers hold the draw lock
        self.loop_control = LoopControl(hooks=control_hooks, lock=self._frames.lock)
        # a run ending while Stop is requested ends ``stopped``: the runs ask the controls themselves
        self._runs = RunSet(after_log=self._after_log, changed=self._redraw,
                            stop_requested=self.loop_control.stop_requested)
        self._groups = normalize_groups(groups)
        self._followers: list[Follower | StoreFollower | StudyFollower] = []
        self._notes: list[str] = []  # shown above the plot (e.g. a corrupt event record)
        self._hidden: frozenset[str] = frozenset()  # runs unchecked in the run table (replaced, never mutated)
        self._builder = FrameBuilder(self._runs)
        self._budget: FrameBudget[SeriesKey] = FrameBudget()
        self._view: PlotView | None = None
        self._links: list[traitlets.link] = []
        self._shown = False  # displayed by the user (or by the first log()): never shown again by log()
        self._output = StaticOutput(lambda: super(LiveLossWidget, self)._repr_mimebundle_() or {}, self._svg)
        self._follow_sink = HistorySink(self._runs, self._add_note, self._maybe_draw, owns=self._shows_row)
        self._store_sink = self._follow_sink  # it takes a followed run store's runs too
        self._study_sink = self._follow_sink  # and an Optuna study's trials
        self._store: StoreSync | None = None
        self._writes: FrameLoop | None = None
        self._store = open_sync(store, self._runs, project=project, note=self._add_note)
        self._writes = None if self._store is None else write_loop(self._store)
        if self._store is not None:
            sync = self._store
            self._runs.restore = lambda run: sync.load(run, continuing=True)
            self._hidden = frozenset(r.name for r in sync.list_past(PAST_RUNS))
        super().__init__(**kwargs)
        self._limits_changed({})
        self.add_class("lossplot-widget")
        # in an HBox: share the row (a 0% basis) instead of claiming the panels' full row width; in a
        # VBox or an output area a 0% basis of an auto height means "content", so nothing changes there
        if self.layout.flex is None:
            self.layout.flex = "1 1 0%"
        if self.layout.min_width is None:
            self.layout.min_width = "320px"
        self._open_view()
        self.loop_control.add_listener(self._control_event)
        cells.watch(self._after_cell)

    # ------------------------------------------------------------------ traits
    @traitlets.observe("refresh_interval", "frame_bytes", "bytes_per_second")
    def _limits_changed(self, change: Mapping[str, Any]) -> None:
        self._frames.throttle.interval = self.refresh_interval
        self._budget.frame_bytes, self._budget.bytes_per_second = self.frame_bytes, self.bytes_per_second

    @traitlets.observe(*DRAWING_OPTIONS)
    def _options_changed(self, change: Mapping[str, Any]) -> None:
        if change["name"] == "x_axis" and self._view is not None and self._view.zoom.ranges():
            self._view.zoom.reset()  # a range in steps means nothing on a time axis
        # while a loop trains on another thread, a frame within the budget (dragging must not slow the loop)
        self._redraw() if self.loop_control.training_elsewhere() else self.flush()

    # ----------------------------------------------------------------- logging
    @not_traced
    def log(
        self, values: Mapping[str, object] | None = None, /, *, step: int | None = None, epoch: float | None = None,
        **metrics: object,
    ) -> None:
        """Record one value per metric at ``step`` (default: the next step of the active run).

        Values may be numbers, 0-d tensors or JAX arrays, kept as they are at this call (no GPU
        sync per call). A call that raises records nothing. The values go to the active run
        (see :meth:`run`): the innermost ``with w.run(...)`` of this thread, else the run last
        started, else an implicit one.

        >>> w = LiveLossWidget()
        >>> w.log(loss=0.9)
        >>> w.log({"loss": 0.7, "val_loss": 0.8}, step=10, epoch=1)
        """
        self._runs.active().record(values, metrics, step, epoch)
        self._after_log()

    @not_traced
    def log_epoch(self, values: Mapping[str, object] | None = None, /, **metrics: object) -> None:
        """Record end-of-epoch metrics (e.g. validation) at the current step, then start the next epoch.

        >>> w = LiveLossWidget()
        >>> w.log(loss=0.9); w.log(loss=0.8)
        >>> w.log_epoch(val_loss=0.85)
        >>> w.history["val_loss"].steps.tolist(), w.history.epoch
        ([1], 1.0)
        """
        self._runs.active().record_epoch(values, metrics)
        self._after_log()  # a pause waits here, not while holding the history lock

    def _after_log(self) -> None:
        """After every ``log()`` (also :meth:`Run.log`): draw when a frame is due; a pause waits here."""
        if not self._shown:
            self._show_on_first_use()
        # _maybe_draw, inlined: this runs after every log() call, mostly with nothing to do
        now = time.monotonic()
        ctl = self.loop_control
        if now >= ctl.next_poll:  # the "peek" mechanism only (else +inf): read pending Stop/Pause clicks
            ctl.poll(now)
        frames = self._frames
        if now >= frames.throttle.next_at or not frames.armed:
            frames.poke(now)
        writes = self._writes  # the run store's batches (None: no store)
        if writes is not None and (now >= writes.throttle.next_at or not writes.armed):
            writes.poke(now)
        scope = ctl.scope
        if scope is None or scope.paused:  # a new control scope begins, or Pause was clicked
            self.loop_control.checkpoint(self.flush)

    # -------------------------------------------------------------------- runs
    @property
    def history(self) -> History:
        """The history of the active run (the one ``log()`` writes to), else of the latest run."""
        run = self._runs.shown()
        assert run is not None
        return run.history

    def run(self, name: str | None = None, config: Mapping[str, Any] | None = None) -> Run:
        """Start run ``name`` (default ``run-N``) in this widget: same panels, a new colour.

        Use it as a context manager (its exit sets the status: ``finished``, ``stopped`` after a
        Stop click, ``failed``, ``interrupted``) or as a plain call (``r.finish()`` ends it).
        A run whose name exists continues (its steps go on). Stop during a sweep stops the whole
        cell: the runs after it end at once, marked ``stopped``.

        >>> w = LiveLossWidget()
        >>> for lr in (0.1, 0.01):
        ...     with w.run(f"lr={lr}", config={"lr": lr}) as r:
        ...         w.log(loss=1.0); w.log(loss=lr)
        >>> [(r.name, r.status, r.history["loss"].values.tolist()) for r in w.runs.values()]
        [('lr=0.1', 'finished', [1.0, 0.1]), ('lr=0.01', 'finished', [1.0, 0.01])]
        """
        self.loop_control.begin()  # Stop and Pause reach this run before its first log()
        return self._runs.start(name, config)

    @property
    def runs(self) -> RunsView:
        """Every run, in the order they began: a read-only mapping ``name -> Run`` (``.history``,
        ``.config``, ``.status``, ``.started``, ``.ended``); change runs with :meth:`run`, :meth:`clear`,
        :meth:`remove_run` and :meth:`set_run_visible`.

        >>> w = LiveLossWidget(); _ = w.run("a"); list(w.runs), w.runs["a"].status
        (['a'], 'running')
        """
        return RunsView(self._runs)

    def remove_run(self, name: str) -> None:
        """Forget run ``name`` and its points in this widget (a run store keeps it: see :meth:`delete_run`);
        its lines leave the plot.

        >>> w = LiveLossWidget(store=None); w.run("a").log(loss=1.0); w.remove_run("a"); list(w.runs)
        []
        """
        self._check_run(name)
        if self._writes is not None:
            self._writes.flush()  # the store keeps it whole
        self._runs.remove(name)
        self._hidden = self._hidden - {name}
        self._redraw()

    def rank_by(self, metric: str, mode: str | None = None) -> None:
        """Judge the runs by ``metric`` (``mode``: ``"min"``, ``"max"``; default: by its name, accuracy-like names
        ``max``): the run table lists the best runs first (a "best so far" line above it) and, once runs outnumber
        the colours, the best ones keep distinct colours while the rest are drawn muted. Sweep adapters
        (``follow(study)``, the Ray Tune callback) call it with their objective; a run's
        :attr:`~lossplot_widget.core.run.Run.score`, when set, counts instead of its best value. Without a named
        objective runs are not ranked: colours cycle and the table keeps the order runs began.

        >>> from lossplot_widget import LiveLossWidget
        >>> w = LiveLossWidget(store=None); w.rank_by("val_acc"); w.objective
        Objective(metric='val_acc', maximize=True)
        """
        self._runs.objective = Objective.of(metric, mode)
        self._runs.changed()

    @property
    def objective(self) -> Objective | None:
        """What the runs are judged by (see :meth:`rank_by`); ``None``: not named."""
        return self._runs.objective

    def add_note(self, text: str) -> None:
        """Show ``text`` above the plot (once; kept for the widget's lifetime), e.g. an adapter's warning."""
        self._add_note(str(text))

    def delete_run(self, name: str) -> None:
        """Delete run ``name``: from this widget and from its run store (every point, for good).

        >>> import os, tempfile
        >>> w = LiveLossWidget(store=os.path.join(tempfile.mkdtemp(), "runs.sqlite"))
        >>> w.run("a").log(loss=1.0); w.flush(); w.delete_run("a"); list(w.runs), w.store.names()
        ([], set())
        """
        self._check_run(name)
        run = self._runs[name]
        if self._store is not None:
            self._store.delete(run)
        self.remove_run(name)

    @property
    def store(self) -> RunStore | None:
        """The run store this widget writes to (``None``: runs are kept in memory only); ``w.store.path`` is its
        file, ``w.store.runs()`` lists every stored run."""
        return None if self._store is None else self._store.store

    def clear(self) -> None:
        """Forget every run and its points in this widget (a run store keeps them); a new view."""
        if self._writes is not None:
            self._writes.flush()
        self._runs.clear()
        self._hidden = frozenset()
        self._builder = FrameBuilder(self._runs)
        if self._view is not None:
            self._close_view()
            self._open_view()

    def set_run_visible(self, name: str, visible: bool = True) -> None:
        """Show or hide run ``name``'s lines (the run table's box); a hidden run costs no payload.

        A past run listed from the run store has its points read when first shown.
        """
        self._check_run(name)
        if self._store is not None and visible:
            self._store.load(self._runs[name])
        if visible == (name not in self._hidden):
            return
        self._hidden = self._hidden - {name} if visible else self._hidden | {name}
        self._redraw()

    def add_reference(self, metric: str, value: float, label: str | None = None) -> None:
        """Draw a labelled horizontal line at ``value`` on the panel of ``metric`` (a metric or a panel title),
        e.g. the chance level of a classifier's loss or a target accuracy.

        The line spans the panel whatever the zoom, the y axis always holds it, and the static picture draws it
        too; on a log y axis a value <= 0 is left out, with a note. The lines are the ``references`` trait
        (``{metric: {label: value}}``): ``w.references = {}`` removes them all.

        >>> import math
        >>> w = LiveLossWidget(); w.add_reference("loss", math.log(10), "chance: ln 10")
        >>> w.references
        {'loss': {'chance: ln 10': 2.302585092994046}}
        """
        lines = {k: dict(v) for k, v in self.references.items()}
        lines.setdefault(metric, {})[f"{value:.4g}" if label is None else label] = value
        self.references = lines

    @property
    def sections(self) -> tuple[Section, ...]:
        """The sections of panels: metrics named ``prefix/rest`` grouped by prefix (``grad_2.0_norm/layers.0.weight``
        is in section ``grad_2.0_norm``), each with its size, whether it is open, its page and whether it is
        overlaid. A section of more than 8 panels starts folded; see :meth:`open_section`.

        >>> w = LiveLossWidget()
        >>> w.log(loss=1.0, **{f"grad/w{i}": 0.1 for i in range(20)})
        >>> [(s.name, s.panels, s.open) for s in w.sections]
        [('grad', 20, False)]
        """
        names = dict.fromkeys(n for run in self._runs.snapshot() for n in run.history.names)
        return plan(assign_panels(list(names), self._groups), self._options()).sections

    def open_section(
        self, name: str, open: bool = True, *, overlay: bool | None = None, page: int | None = None
    ) -> None:
        """Open section ``name`` (``open=False`` folds it), as a click on its header does; ``overlay=True`` draws
        all its series in one panel, ``page`` (0-based) picks the page of 12 panels it shows.

        >>> w = LiveLossWidget()
        >>> w.log(loss=1.0, **{f"grad/w{i}": 0.1 for i in range(20)})
        >>> w.open_section("grad", page=1)
        >>> [(s.open, s.page, s.titles[0]) for s in w.sections]
        [(True, 1, 'grad/w12')]
        """
        if self._view is None:
            raise RuntimeError("the widget is closed: display it again first")
        self._view.set_section(name, open, overlay=overlay, page=page)

    def _shows_row(self, path: str, run_id: int) -> bool:
        """A row of this widget's run store that it writes or listed (following that store skips it)."""
        return self._store is not None and self._store.shows(path, run_id)

    def _check_run(self, name: str) -> None:
        if name not in self._runs:
            raise KeyError(f"no run named {name!r}; runs: {list(self._runs)}")

    def _current_step(self) -> int | None:
        run = self._runs.controlled()
        return None if run is None else run.history.last_step

    def _current_run(self) -> str | None:
        """The run the control label's step belongs to, where several are shown (a sweep's trial)."""
        run = self._runs.controlled()
        return None if run is None or len(self._runs) < 2 else run.name

    def _control_event(self, event: str) -> None:
        """A control scope ended (its cell, its ``with w:`` block, its thread): so does the implicit run."""
        if event == "end":
            last = self.loop_control.last_scope
            self._runs.scope_ended(cells.last_error(), stopped=last is not None and last.stopped)
            self._refresh_downloads()  # e.g. a training thread of a Voilà app finished

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
        ctl = self.loop_control
        if now >= ctl.next_poll:  # the "peek" mechanism only (else +inf): read pending Stop/Pause clicks
            ctl.poll(now)
        self._frames.poke(now)
        if self._writes is not None:  # a run ended or changed: its row is written within the write interval
            self._writes.poke(now)

    def _redraw(self) -> None:
        """Draw again (throttled) although nothing new was logged."""
        self._frames.invalidate()
        self._maybe_draw()

    def _options(self) -> FrameOptions:
        """The drawing traits, plus what the person did to the view (zoom, folded panels) and hidden runs."""
        view = self._view
        if view is None:
            return self.frame_options(groups=self._groups, hidden=self._hidden)
        return self.frame_options(groups=self._groups, hidden=self._hidden, x_ranges=view.zoom.ranges(),
                                  collapsed=view.collapsed, sections=dict(view.sections), pages=dict(view.pages),
                                  overlays=view.overlays)

    def _paint(self, final: bool) -> int:
        """One frame; unless ``final``, the byte budget picks the changed series it refreshes."""
        view = self._view
        if view is None:
            return NO_VIEW
        now = time.monotonic()
        frame = self._build(None if final else lambda c: self._budget.choose(c, now))
        self._budget.spent(view.apply(frame), now)
        return PARTIAL if frame.deferred else DRAWN

    def _build(self, choose: Chooser | None = None) -> Frame:
        """The frame for the current options, with progress and notes (the view and the SVG draw it)."""
        active = self._runs.shown(create=False)
        progress = self.progress.sample(0 if active is None else active.history.next_step, time.monotonic())
        return self._builder.build(self._options(), choose, progress=progress, notes=tuple(self._notes))

    def _view_changed(self, now: bool) -> None:
        """The zoom or the folded panels changed in the view: draw (at once for a fold or a reset)."""
        self._frames.invalidate()
        if now:
            self.flush()
        else:
            self._maybe_draw()

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

    @not_traced
    def flush(self) -> None:
        """Draw everything logged so far now, and write it to the run store (also runs after each cell, on
        ``close()`` and ``with``)."""
        self._frames.flush()
        if self._writes is not None:
            self._writes.flush()

    def _after_cell(self) -> None:
        """End of an IPython cell: a run of the main thread left running by an exception fails; draw the
        last values and refresh the static picture."""
        error = cells.last_error()
        if error is not None:
            self._runs.cell_failed(error)
        if self._frames.dirty or (self._writes is not None and self._writes.dirty):
            self.flush()
        self._output.picture_for_layout(self)
        self._output.refresh(self._runs.version)
        self._refresh_downloads()

    def _refresh_downloads(self) -> None:
        view = self._view
        if view is not None and view.downloads is not None:
            view.downloads.refresh(self._runs.version)

    # ------------------------------------------------------------- display
    def _open_view(self) -> None:
        view = self._view = PlotView(
            self.frame_options(), height=self.height, control=self.loop_control, current_step=self._current_step,
            current_run=self._current_run, on_change=self._view_changed, on_run_visible=self.set_run_visible,
            downloads=Downloads(self._runs, lambda: self._svg()[0]),
            store=None if self._store is None else self._store.store.path,
        )
        inverse = (operator.not_, operator.not_)
        self._links = [  # toolbar controls <-> traits
            traitlets.link((control, "value"), (self, name), transform=inverse if inverted else None)
            for name, (control, inverted) in view.option_controls.items()
        ]
        self.children = view.children
        self._frames.invalidate()
        self.flush()
        self._refresh_downloads()

    def _show_on_first_use(self) -> None:
        """The display rule: a widget never displayed shows itself at its first ``log()`` (or
        ``follow()``) in a notebook cell; not when it was displayed, is part of a layout, or runs
        outside a notebook (scripts, tests). Tried once, at the first use."""
        self._shown = True
        if in_notebook_cell() and not in_a_layout(self):
            from IPython.display import display

            display(self)

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
        version = self._runs.version  # the picture shows no progress bar: progress is not sampled for it
        return static.frame_to_svg(self._builder.build(self._options(), notes=tuple(self._notes))), version

    def _repr_mimebundle_(self, **kwargs: object) -> dict[str, Any]:
        self._shown = True
        self._ensure_shown()
        bundle = self._output.bundle()
        bundle["text/plain"] = repr(self)
        return bundle

    def _ipython_display_(self) -> None:
        self._shown = True
        self._ensure_shown()
        self._output.display()

    def __repr__(self) -> str:
        where = "" if self._store is None else f", store={self._store.store.path!r}"
        return f"LiveLossWidget({self._runs.describe()}{where})"

    def close(self) -> None:
        """Close the widget and every widget it made; following stops. The history is kept and
        logging goes on; displaying the widget again shows everything."""
        if "_frames" not in self.__dict__:  # __init__ raised (e.g. an unknown option): nothing was made
            return
        for follower in self._followers:
            follower.stop()
        self.flush()
        try:
            self._output.refresh(self._runs.version)  # the saved output keeps a picture of the final curves
        except Exception:  # pragma: no cover - outside IPython there is nothing to update
            pass
        self._output.displayed = False
        self._frames.cancel()
        self._close_view()
        layout = self.layout
        super().close()
        self.__dict__.pop("_repr_mimebundle_", None)  # ipywidgets' close() hides the method; ours reopens
        layout.close()

    def _close_view(self) -> None:
        for link in self._links:
            link.unlink()
        self._links = []
        view, self._view = self._view, None
        if view is not None:
            view.close()

    # ------------------------------------------------------------ notes
    def _add_note(self, text: str) -> None:
        """Show ``text`` above the plot (kept for the widget's lifetime)."""
        if text not in self._notes:
            self._notes.append(text)
            self._redraw()
