"""``LandscapeWidget``: a slice of the loss function through weight space, recomputed while training runs.

See :mod:`lossplot_widget.landscape.slices` for the three kinds, ``evaluate`` for how the training
model is left untouched, ``worker`` for the time budget and ``trajectory`` for the path's memory.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import traitlets

from ..control import cells
from ..core.keywords import check_keywords, keyword_names
from ..view.output import StaticOutput
from .evaluate import LossSurface
from .slices import KINDS, Job, Slice, flatten, plan
from .svg import slice_to_svg
from .trajectory import Plane, Trajectory
from .view import LandscapeView
from .worker import SliceWorker

if TYPE_CHECKING:
    import torch

__all__ = ["LandscapeWidget"]

_EMPTY_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="460" height="40"><text x="8" y="24" '
              'font-family="sans-serif" font-size="12">loss landscape: no slice computed yet</text></svg>')


class LandscapeWidget(widgets.VBox):
    """The loss landscape around the current weights of a PyTorch model, live while it trains.

    Parameters
    ----------
    model : torch.nn.Module
        The model being trained. It is copied once for evaluation; training is never disturbed
        (its weights, buffers, mode and optimizer state stay bit-identical; the global random state too).
    loss_fn : callable
        ``loss_fn(model(inputs), target)``, e.g. ``nn.CrossEntropyLoss()``.
    batch : (inputs, target)
        The probe batch every point is evaluated on: a few hundred samples show the shape.
    val_batch : (inputs, target), optional
        The ``"1d"`` view also draws the loss on this batch.
    kind : {"2d", "1d", "pca"}
        See :mod:`lossplot_widget.landscape.slices`.
    resolution : int, optional
        Points per axis (default 21 for a plane, 51 for the line).
    span : float
        Half-width of the ``"2d"`` plane in filter-normalized units; the ``"1d"`` line runs from
        ``-span/2`` to ``1 + span/2``; it scales the ``"pca"`` plane's margin around the path.
    every : int
        Steps between recomputations (a slice asked for while one computes waits; the newest wins).
    snapshot_every, max_snapshots : int
        The trajectory: a float32 CPU copy of the parameters every ``snapshot_every`` steps, at most
        ``max_snapshots`` of them (then thinned to every other one).
    budget : float
        Share of wall time evaluation may take (default 5%, plus a 0.5 s burst for the first slice).
    log_color : bool
        Colour (and contour) by log10 of the loss.
    seed : int
        Seed of the random ``"2d"`` directions (drawn from their own generator).
    include_1d : bool
        Give biases and normalization parameters a direction too (zero by default, as in the paper).
    method : {"auto", "vmap", "loop"}
        How grid points are batched (see :class:`~lossplot_widget.landscape.evaluate.LossSurface`).
    mode : {"steps", "thread"}
        Where slices are evaluated: in ``track()``, a ~20 ms chunk at a time when the budget allows
        (the default), or on a background thread (see :mod:`lossplot_widget.landscape.worker`).

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    >>> x, y = torch.randn(64, 3), torch.randn(64, 1)
    >>> scape = LandscapeWidget(net, torch.nn.functional.mse_loss, batch=(x, y), resolution=5)
    >>> s = scape.compute()          # blocking; track(step) in a loop recomputes in the background
    >>> s.values.shape, round(s.center_loss, 6) == round(torch.nn.functional.mse_loss(net(x), y).item(), 6)
    ((5, 5), True)
    >>> scape.close()
    """

    kind = traitlets.Enum(KINDS, default_value="2d", help="the slice: '2d', '1d' or 'pca'")
    resolution = traitlets.Int(21, min=3, max=201, help="points per axis")
    span = traitlets.Float(1.0, help="extent of the slice (see the class docstring)")
    every = traitlets.Int(100, min=1, help="steps between recomputations")
    budget = traitlets.Float(0.05, min=0.001, max=1.0, help="share of wall time evaluation may take")
    log_color = traitlets.Bool(False, help="colour by log10 of the loss")

    def __init__(
        self, model: torch.nn.Module, loss_fn: Callable[..., torch.Tensor], batch: Sequence[Any], *,
        val_batch: Sequence[Any] | None = None, kind: str = "2d", resolution: int | None = None,
        span: float = 1.0, every: int = 100, snapshot_every: int = 10, max_snapshots: int = 200,
        budget: float = 0.05, log_color: bool = False, seed: int = 0, include_1d: bool = False,
        method: str = "auto", memory: int = 64 * 2**20, mode: str = "steps",
        height: str = "380px", width: str = "460px",
        **kwargs: Any,
    ) -> None:
        check_keywords(type(self).__name__, kwargs, [*self.class_trait_names(), *keyword_names(type(self).__init__)])
        self._model = model
        self.surface = LossSurface(model, loss_fn, batch, val_batch, memory, method)
        self._initial = LossSurface.params_of(model)
        #: the snapshots of the path (the initial weights first, at step 0)
        self.trajectory = Trajectory(snapshot_every, max_snapshots)
        self.trajectory.add(0, flatten(self._initial))
        self._seed, self._include_1d, self._size = seed, include_1d, (height, width)
        self._step = 0
        self._planned_at: int | None = None
        self._plane: Plane | None = None
        self._warned_step = False
        self._last_note = 0.0
        #: the newest finished slice (``None`` until one is ready)
        self.latest: Slice | None = None
        self._version = 0
        self._view: LandscapeView | None = None
        self.worker = SliceWorker(self.surface, self._done, self._progress, budget, on_error=self._failed, mode=mode)
        if resolution is None:
            resolution = 51 if kind == "1d" else 21
        if not span > 0:
            raise ValueError(f"span must be > 0, got {span!r}")
        super().__init__(kind=kind, resolution=resolution, span=span, every=every, budget=budget,
                         log_color=log_color, **kwargs)
        self.add_class("lossplot-landscape")
        self.layout.flex = "0 0 auto"  # in an HBox beside a loss curve it keeps its width
        self._view = LandscapeView(self.kind, self.log_color, height, width)
        self.children = self._view.children
        self._output = StaticOutput(lambda: super(LandscapeWidget, self)._repr_mimebundle_() or {}, self._svg)
        cells.watch(self._after_cell)

    # ------------------------------------------------------------- traits
    @traitlets.validate("span")
    def _check_span(self, proposal: Mapping[str, Any]) -> float:
        if not proposal["value"] > 0:
            raise traitlets.TraitError(f"span must be > 0, got {proposal['value']!r}")
        return float(proposal["value"])

    @traitlets.observe("kind")
    def _kind_changed(self, change: Mapping[str, Any]) -> None:
        old = getattr(self, "_view", None)
        if old is None:
            return
        self.worker.wait()
        old.close()
        self._view = LandscapeView(self.kind, self.log_color, *self._size)
        self.children = self._view.children
        self._planned_at, self._plane, self.latest = None, None, None

    @traitlets.observe("resolution", "span")
    def _grid_changed(self, change: Mapping[str, Any]) -> None:
        self._planned_at = None  # the next track() recomputes

    @traitlets.observe("budget")
    def _budget_changed(self, change: Mapping[str, Any]) -> None:
        self.worker.throttle.budget = self.budget

    @traitlets.observe("log_color")
    def _log_color_changed(self, change: Mapping[str, Any]) -> None:
        view = getattr(self, "_view", None)
        if view is not None:
            view.log_color = self.log_color
            if self.latest is not None:
                view.show(self.latest)

    # ------------------------------------------------------------- training side
    def _flat_params(self) -> torch.Tensor:
        import torch

        return torch.cat([p.detach().reshape(-1) for p in self._model.parameters()])

    def track(self, step: int | None = None) -> None:
        """Call once per training step (after ``optimizer.step()``): records the path, every ``every``
        steps asks for a new slice around the current weights, and evaluates a chunk of it if the
        budget allows (``mode="steps"``)."""
        if step is None:
            step = self._step + 1
        elif step <= self._step and self._step > 0:
            if not self._warned_step:
                warnings.warn(f"LandscapeWidget.track: step {step} is not after step {self._step}; counting "
                              "on from there (pass a global step, not a step within the epoch)", stacklevel=2)
                self._warned_step = True
            step = self._step + 1
        self._step = int(step)
        t0 = time.perf_counter()
        worked = False
        if self.trajectory.due(self._step):
            self.trajectory.add(self._step, self._flat_params(), copy=False)  # torch.cat made a new tensor
            worked = True
        due = self._planned_at is None or self._step - self._planned_at >= self.every
        if due and not self.worker.busy:
            job = self._plan(self._step, quiet=True)
            worked = True
            if job is not None:
                self.worker.submit(job)
        if worked:  # snapshots and planning (a PCA of the path) count against the budget too
            self.worker.charge(time.perf_counter() - t0)
        self.worker.poll()

    def _plan(self, step: int, quiet: bool = False) -> Job | None:
        if self.kind == "pca" and len(self.trajectory) < 2:
            if not quiet:
                raise ValueError("the PCA plane needs the path: call track() for some steps first")
            if self._view is not None:
                self._view.progress(f"PCA plane: waiting for the path ({len(self.trajectory)} snapshot so far)")
            return None
        params = LossSurface.params_of(self._model)
        buffers = LossSurface.buffers_of(self._model)
        job, self._plane = plan(self.kind, step, params, buffers, self._initial, self.trajectory, self.resolution,
                                self.span, self._seed, self._include_1d, self._plane)
        self._planned_at = step
        return job

    def compute(self, step: int | None = None) -> Slice:
        """Compute a slice at the current weights now, in this thread, ignoring the budget; draw it and return it."""
        job = self._plan(self._step if step is None else int(step))
        assert job is not None
        result = self.worker.run_now(job)
        self._done(result)
        self._output.refresh(self._version)
        return result

    def wait(self, timeout: float | None = None) -> bool:
        """Finish the slice under way (False if ``timeout`` passed first): ``mode="steps"`` computes the
        rest here, unthrottled; ``"thread"`` waits for the thread."""
        return self.worker.wait(timeout)

    def to_numpy(self) -> dict[str, Any]:
        """The newest slice as numpy arrays: ``x``, ``y``, ``values``, ``path``, ``start``, ``current``, ..."""
        if self.latest is None:
            raise RuntimeError("no slice yet: call compute(), or track() from the training loop")
        return self.latest.to_numpy()

    # ------------------------------------------------------------- worker callbacks (its thread)
    def _done(self, s: Slice) -> None:
        self.latest = s
        self._version += 1
        if self._view is not None and s.kind == self.kind:
            self._view.show(s)
            points = s.values.size + (s.val_values.size if s.val_values is not None else 0)
            self._view.progress(f"slice at step {s.step}: {points} points in {s.seconds:.2f} s "
                                f"({self.surface.method}); {len(self.trajectory)} path snapshots")

    def _progress(self, job: Job, fraction: float) -> None:
        now = time.monotonic()
        if now - self._last_note >= 0.3 and fraction < 1 and self._view is not None:
            self._last_note = now
            self._view.progress(f"computing the slice at step {job.step}: {fraction:.0%}…")

    def _failed(self, exc: BaseException) -> None:
        if self._view is not None:
            self._view.progress(f"⚠ the slice failed: {type(exc).__name__}: {exc}")

    # ------------------------------------------------------------- display
    def _svg(self) -> tuple[str, int]:
        s = self.latest
        return (slice_to_svg(s, self.log_color) if s is not None else _EMPTY_SVG), self._version

    def _after_cell(self) -> None:
        self._output.picture_for_layout(self)
        self._output.refresh(self._version)

    def _repr_mimebundle_(self, **kwargs: object) -> dict[str, Any]:
        bundle = self._output.bundle()
        bundle["text/plain"] = repr(self)
        return bundle

    def _ipython_display_(self) -> None:
        self._output.display()

    def __repr__(self) -> str:
        last = f", slice at step {self.latest.step}" if self.latest is not None else ""
        return (f"LandscapeWidget(kind={self.kind!r}, {self.surface.n_params:,} parameters, "
                f"{len(self.trajectory)} snapshots{last})")

    def close(self) -> None:
        """Stop the background thread and close every widget made here."""
        if "worker" not in self.__dict__:  # __init__ raised (e.g. an unknown option): nothing was made
            return
        self.worker.close()
        view, self._view = getattr(self, "_view", None), None
        if view is not None:
            view.close()
        layout = self.layout
        super().close()
        layout.close()
