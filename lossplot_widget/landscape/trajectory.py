"""The optimizer's path: parameter snapshots, their PCA plane (Li et al. 2018, section 7), projections.

Memory: a snapshot is one float32 copy of every parameter, on the CPU (``4 * n_params`` bytes; 0.4 MB
for the 101,770 parameters of the MNIST MLP). At most ``max_snapshots`` are kept: when the store is
full every other snapshot is dropped and the stride doubles, so the path always spans the whole run
at an even spacing of steps, in at most ``max_snapshots * 4 * n_params`` bytes.

>>> import torch
>>> t = Trajectory(every=1, max_snapshots=4)
>>> for step in range(10):
...     _ = t.add(step, torch.full((3,), float(step)))
>>> t.steps
[0, 4, 8]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

__all__ = ["Plane", "Trajectory", "pca_plane", "project"]


class Trajectory:
    """Snapshots of the flattened parameters every ``every`` steps, thinned to at most ``max_snapshots``."""

    def __init__(self, every: int = 10, max_snapshots: int = 200) -> None:
        if every < 1 or max_snapshots < 4:
            raise ValueError(f"need every >= 1 and max_snapshots >= 4, got {every}, {max_snapshots}")
        self.every = every
        self.max_snapshots = max_snapshots
        self.steps: list[int] = []
        self.snapshots: list[torch.Tensor] = []

    def due(self, step: int) -> bool:
        """Whether :meth:`add` at ``step`` would keep a snapshot."""
        return not self.steps or step - self.steps[-1] >= self.every

    def add(self, step: int, flat: torch.Tensor, copy: bool = True) -> bool:
        """Keep ``flat`` (a 1-D tensor) if a snapshot is due at ``step``; returns whether it was kept.

        ``copy=False``: ``flat`` is the caller's to give away (a CPU float32 one is then kept as it is).
        """
        import torch

        if not self.due(step):
            return False
        self.steps.append(step)
        self.snapshots.append(flat.detach().to("cpu", dtype=torch.float32, copy=copy))
        if len(self.steps) > self.max_snapshots:
            self.steps, self.snapshots = self.steps[::2], self.snapshots[::2]
            self.every *= 2
        return True

    def __len__(self) -> int:
        return len(self.steps)

    def nbytes(self) -> int:
        return sum(s.numel() * s.element_size() for s in self.snapshots)


@dataclass(frozen=True)
class Plane:
    """Two unit directions (rows of ``directions``) and the share of the path's variance along each."""

    directions: torch.Tensor  # (2, n_params)
    explained: tuple[float, float]


def pca_plane(snapshots: list[torch.Tensor], center: torch.Tensor, previous: Plane | None = None) -> Plane:
    """The first two principal directions of ``snapshot - center`` (``torch.pca_lowrank``, centred).

    Signs follow ``previous`` (a recomputed plane does not flip the picture); otherwise the first
    snapshot lies at negative coordinates (the path runs left to right, bottom to top).
    """
    import torch

    if len(snapshots) < 3:
        raise ValueError(f"a PCA plane needs at least 3 snapshots, got {len(snapshots)}")
    m = torch.stack([s.to(center.device, center.dtype) for s in snapshots]) - center
    centred = m - m.mean(0, keepdim=True)
    total = float((centred * centred).sum())
    q = min(6, len(snapshots) - 1)
    gen_state = torch.random.get_rng_state()
    try:  # pca_lowrank draws random numbers: leave the training's global random state as it was
        torch.manual_seed(0)
        _u, s, v = torch.pca_lowrank(m, q=q, center=True, niter=4)
    finally:
        torch.random.set_rng_state(gen_state)
    dirs = v[:, :2].T.contiguous()
    for i in range(2):
        ref = previous.directions[i].to(dirs.device) if previous is not None else -m[0]
        if float(dirs[i] @ ref) < 0:
            dirs[i] = -dirs[i]
    share = (s[:2] ** 2 / total).tolist() if total > 0 else [0.0, 0.0]
    return Plane(dirs, (float(share[0]), float(share[1])))


def project(snapshots: list[torch.Tensor], center: torch.Tensor, directions: torch.Tensor) -> np.ndarray:
    """Coordinates ``(N, k)`` of each ``snapshot - center`` in the plane of ``directions`` (``(k, n)``).

    Least squares (the Gram matrix of the directions), so it is exact for orthonormal PCA directions
    and still the closest point of the plane for two random, nearly orthogonal directions.
    """
    import torch

    if not snapshots:
        return np.zeros((0, len(directions)))
    m = torch.stack([s.to(center.device, center.dtype) for s in snapshots]) - center
    d = directions.to(center.device, center.dtype)
    gram = d @ d.T
    coords = torch.linalg.solve(gram, d @ m.T).T
    return coords.double().cpu().numpy()
