"""The path: thinning keeps the memory bound and the whole run; PCA recovers a known plane; projections."""

from __future__ import annotations

import numpy as np
import pytest
from _frameworks import require

torch = require("torch")

from lossplot_widget.landscape.trajectory import Trajectory, pca_plane, project


def test_thinning_bounds_count_and_memory_and_spans_the_run():
    t = Trajectory(every=1, max_snapshots=50)
    for step in range(1000):
        t.add(step, torch.full((100,), float(step), dtype=torch.float64))
    assert len(t) <= 50 and t.steps[0] == 0 and t.steps[-1] >= 1000 - t.every
    assert np.all(np.diff(t.steps) == t.every)  # evenly spaced after thinning
    assert t.nbytes() == len(t) * 100 * 4  # float32 copies
    assert all(s.dtype == torch.float32 and s.device.type == "cpu" for s in t.snapshots)
    with pytest.raises(ValueError):
        Trajectory(every=0)


def test_snapshot_is_a_copy():
    t = Trajectory(every=1)
    v = torch.zeros(3)
    t.add(0, v)
    v += 1
    assert t.snapshots[0].tolist() == [0.0, 0.0, 0.0]


def test_pca_finds_the_plane_of_a_planar_path_and_keeps_signs():
    g = torch.Generator().manual_seed(0)
    n = 400
    e1, e2 = torch.zeros(n), torch.zeros(n)
    e1[3], e2[10] = 1.0, 1.0
    ts = torch.linspace(0, 1, 30)
    path = [5 * (1 - t) * e1 + torch.sin(3 * t) * e2 + 1e-4 * torch.randn(n, generator=g) for t in ts]
    center = path[-1]
    torch.manual_seed(5)
    rng = torch.random.get_rng_state()
    plane = pca_plane(path, center)
    assert torch.equal(torch.random.get_rng_state(), rng)  # pca_lowrank's random draws left no trace
    d = plane.directions
    assert abs(float(d[0] @ e1)) > 0.99 and abs(float(d[1] @ e2)) > 0.95
    assert plane.explained[0] > plane.explained[1] > 0 and sum(plane.explained) > 0.999
    coords = project(path, center, d)
    assert coords[0, 0] < 0 and np.allclose(coords[-1], 0.0, atol=1e-5)  # starts left, ends at the centre
    # projections are exact for points in the plane
    assert np.allclose(coords[0], ((path[0] - center) @ d.T).numpy(), atol=1e-5)
    assert abs(coords[0, 0]) == pytest.approx(5.0, rel=2e-3)
    again = pca_plane([-p for p in path][::-1] + [center], center, previous=plane)  # a different matrix
    assert float(again.directions[0] @ d[0]) > 0 and float(again.directions[1] @ d[1]) > 0
    with pytest.raises(ValueError, match="3 snapshots"):
        pca_plane(path[:2], center)


def test_project_least_squares_on_non_orthogonal_directions():
    d = torch.tensor([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    point = torch.tensor([3.0, 2.0, 7.0])  # 1 * d0 + 2 * d1 + off-plane part
    assert np.allclose(project([point], torch.zeros(3), d), [[1.0, 2.0]])
