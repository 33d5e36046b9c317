"""What a slice is: the grid of coefficients, the weights it goes through, and the finished picture.

Three kinds, after Li et al. 2018 and Goodfellow et al. 2015:

``"1d"``
    The line ``w0 + a * (w - w0)`` from the initial weights ``w0`` (``a = 0``) through the current
    ones ``w`` (``a = 1``), extended by ``span / 2`` past both ends (both ends are grid points).
``"2d"``
    The plane ``w + a * d1 + b * d2`` around the current weights, ``d1, d2`` filter-normalized
    Gaussian directions (the same seed every time, rescaled to the current weights), ``a, b`` in
    ``[-span, span]``.
``"pca"``
    The plane through the current weights spanned by the first two principal directions of the
    trajectory so far; it covers the projected path with a margin (``span`` scales the margin).

:func:`plan` returns a :class:`Job` (the coefficients and weights, cheap to make between training
steps); the worker evaluates it and :meth:`Job.finish` turns the losses into a :class:`Slice`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .directions import random_direction
from .trajectory import Plane, Trajectory, pca_plane, project

if TYPE_CHECKING:
    import torch

__all__ = ["KINDS", "Job", "Slice", "flatten", "line_grid", "plan"]

KINDS = ("1d", "2d", "pca")
Tensors = Mapping[str, "torch.Tensor"]


def flatten(params: Tensors) -> torch.Tensor:
    import torch

    return torch.cat([p.reshape(-1) for p in params.values()])


def unflatten(vec: torch.Tensor, like: Tensors) -> dict[str, torch.Tensor]:
    out, start = {}, 0
    for name, p in like.items():
        out[name] = vec[start:start + p.numel()].reshape(p.shape).to(p.dtype)
        start += p.numel()
    return out


@dataclass
class Slice:
    """A finished slice: what the widget draws and :meth:`to_numpy` returns."""

    kind: str
    step: int
    x: np.ndarray  # coefficients along the first direction
    y: np.ndarray | None  # along the second (None for "1d")
    values: np.ndarray  # (len(y), len(x)) losses, or (len(x),) for "1d"
    center_loss: float  # the loss at the current weights (probe batch)
    current: tuple[float, ...]  # the current weights' coordinates
    start: tuple[float, ...]  # the initial weights' coordinates
    path: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))  # (N, 2) trajectory coordinates
    path_steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    val_values: np.ndarray | None = None  # "1d": the losses on the validation batch
    explained: tuple[float, float] | None = None  # "pca": share of the path's variance per direction
    seconds: float = 0.0  # time spent evaluating

    def to_numpy(self) -> dict[str, Any]:
        """Plain numpy arrays and numbers (``kind``, ``step``, ``x``, ``y``, ``values``, ``path``, ...)."""
        return dict(self.__dict__)


@dataclass
class Job:
    """Coefficients ``points`` (``(K, m)``) and the weights ``center + points @ directions``."""

    kind: str
    step: int
    points: np.ndarray
    center: dict[str, torch.Tensor]
    directions: list[dict[str, torch.Tensor]]
    buffers: dict[str, torch.Tensor]
    shape: tuple[int, ...]
    axes: tuple[np.ndarray, ...]
    current: tuple[float, ...]
    start: tuple[float, ...]
    path: np.ndarray
    path_steps: np.ndarray
    explained: tuple[float, float] | None = None
    val: bool = False

    def finish(self, values: np.ndarray, center_loss: float, seconds: float,
               val_values: np.ndarray | None = None) -> Slice:
        return Slice(
            kind=self.kind, step=self.step, x=self.axes[0], y=self.axes[1] if len(self.axes) > 1 else None,
            values=values.reshape(self.shape), center_loss=center_loss, current=self.current, start=self.start,
            path=self.path, path_steps=self.path_steps, val_values=val_values, explained=self.explained,
            seconds=seconds,
        )


def line_grid(resolution: int, span: float) -> np.ndarray:
    """About ``resolution`` evenly spaced points from ``-span/2`` to ``1 + span/2`` with 0 and 1 among them.

    >>> line_grid(21, 1.0)[[0, 5, 15, -1]].round(6).tolist()
    [-0.5, 0.0, 1.0, 1.5]
    >>> g = line_grid(51, 1.0); len(g), float(g[0]), float(g[-1])
    (49, -0.5, 1.5)
    """
    guess = max(1, round((resolution - 1) / (1 + span)))  # intervals between 0 and 1
    # the nearest count of intervals for which the ends fall on the grid too (else the nearest grid point)
    near = sorted(range(max(1, guess - 3), guess + 4), key=lambda m: abs(m - guess))
    inner = next((m for m in near if abs(span / 2 * m - round(span / 2 * m)) < 1e-9), guess)
    outer = round(span / 2 * inner)
    return np.arange(-outer, inner + outer + 1) / inner


def _grid(ax: np.ndarray, ay: np.ndarray) -> np.ndarray:
    gx, gy = np.meshgrid(ax, ay)  # rows follow y, columns x: the layout of a HeatMap's color
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def plan(
    kind: str, step: int, params: Tensors, buffers: Tensors, initial: Tensors, trajectory: Trajectory,
    resolution: int, span: float, seed: int = 0, include_1d: bool = False, previous: Plane | None = None,
) -> tuple[Job, Plane | None]:
    """The job of one slice at ``params`` (copies taken between steps); also the PCA plane used."""
    import torch

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    center = dict(params)
    flat_c = flatten(center).float()
    snaps, steps = trajectory.snapshots, np.asarray(trajectory.steps, dtype=np.int64)
    if kind == "1d":
        d = {k: params[k] - initial[k] for k in params}
        ax = line_grid(resolution, span)
        flat_d = flatten(d).float()
        norm2 = float(flat_d @ flat_d)
        flat_0 = flatten(initial).float()
        path = np.array([float((s.to(flat_d.device) - flat_0) @ flat_d) / norm2 if norm2 > 0 else 0.0
                         for s in snaps])[:, None] if snaps else np.zeros((0, 1))
        job = Job(kind, step, ax[:, None], dict(initial), [d], dict(buffers), (len(ax),), (ax,),
                  (1.0,), (0.0,), path, steps)
        return job, previous
    plane = None
    if kind == "2d":
        gen = torch.Generator().manual_seed(seed)
        dirs = [random_direction(params, gen, include_1d) for _ in range(2)]
        rows = torch.stack([flatten(d).float() for d in dirs])
        ax = ay = np.linspace(-span, span, resolution)
    else:
        if len(snaps) < 2:
            raise ValueError(f"the PCA plane needs at least 2 snapshots of the path, have {len(snaps)}")
        plane = pca_plane(snaps + [flat_c.cpu()], flat_c, previous)
        rows = plane.directions.to(flat_c.device)
        dirs = [unflatten(rows[i], params) for i in range(2)]
    path = project(snaps, flat_c, rows)
    start_xy = project([flatten(initial).float()], flat_c, rows)[0]
    if kind == "pca":
        pts = np.vstack([path, [[0.0, 0.0]], start_xy[None]])
        lo, hi = pts.min(0), pts.max(0)
        pad = np.maximum((hi - lo) * 0.25 * span, 1e-3)
        ax = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
        ay = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    job = Job(kind, step, _grid(ax, ay), center, dirs, dict(buffers), (resolution, resolution), (ax, ay),
              (0.0, 0.0), (float(start_xy[0]), float(start_xy[1])), path, steps,
              plane.explained if plane is not None else None)
    return job, plane
