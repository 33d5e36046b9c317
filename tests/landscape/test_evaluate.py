"""LossSurface: the training model and optimizer are bit-identical after evaluations; vmap and the
loop agree; the centre of a slice is the model's loss in eval mode; BatchNorm uses running statistics."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from _frameworks import require

torch = require("torch")
from _models import bn_net, data, mlp, train
from torch import nn

from lossplot_widget.landscape import LandscapeWidget
from lossplot_widget.landscape.directions import random_direction
from lossplot_widget.landscape.evaluate import LossSurface


def _state(net, opt):
    return copy.deepcopy(net.state_dict()), copy.deepcopy(opt.state_dict()), net.training, torch.random.get_rng_state()


def _same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize("kind", ["2d", "1d", "pca"])
@pytest.mark.parametrize("make", [mlp, bn_net])
def test_training_model_and_optimizer_bit_identical(kind, make):
    net = make()
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    scape = LandscapeWidget(net, nn.CrossEntropyLoss(), batch=data(), kind=kind, resolution=7, snapshot_every=2)
    train(net, opt, 12, scape)  # slices computed in the background while it trains
    scape.wait(30)
    torch.manual_seed(99)
    before = _state(net, opt)
    grads = [p.grad.clone() for p in net.parameters()]
    s = scape.compute()  # and one in this thread
    after = _state(net, opt)
    assert _same(before[0], after[0])  # parameters and BatchNorm buffers
    assert _same(before[1], after[1])  # Adam's moments and step counts
    assert before[2] == after[2] is True  # still in train mode
    assert torch.equal(before[3], after[3])  # the global random state
    assert all(torch.equal(g, p.grad) for g, p in zip(grads, net.parameters()))
    assert np.isfinite(s.values).all() and scape.worker.slices >= 2
    scape.close()


def test_centre_is_the_models_eval_loss_and_bn_uses_running_stats():
    net = bn_net()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    train(net, opt, 20)
    x, y = data()
    surface = LossSurface(net, nn.CrossEntropyLoss(), (x, y))
    params, buffers = surface.params_of(net), surface.buffers_of(net)
    net.eval()
    with torch.no_grad():
        expected = nn.CrossEntropyLoss()(net(x), y).item()
        batch_stats = nn.CrossEntropyLoss()(net.train()(x), y).item()
    assert surface.loss(params, buffers) == pytest.approx(expected, rel=1e-6)
    assert abs(expected - batch_stats) > 1e-4  # eval mode (running statistics) is what differs here


def test_vmap_and_loop_agree_and_every_point_is_evaluated():
    net = mlp()
    x, y = data()
    params = LossSurface.params_of(net)
    gen = torch.Generator().manual_seed(0)
    dirs = [random_direction(params, gen) for _ in range(2)]
    pts = np.stack(np.meshgrid(np.linspace(-1, 1, 9), np.linspace(-1, 1, 9)), -1).reshape(-1, 2)
    out = {}
    for method in ("vmap", "loop", "auto"):
        surface = LossSurface(net, nn.CrossEntropyLoss(), (x, y), method=method, memory=20 * 4 * 163)  # 20-point chunks (163 parameters)
        starts = [start for start, _ in surface.chunks(pts, params, dirs, {})]
        assert starts == sorted(set(starts)) and starts[0] == 0
        out[method] = surface.values(pts, params, dirs, {})
        assert surface.method in ("vmap", "loop")
    assert np.allclose(out["vmap"], out["loop"], rtol=1e-5) and np.allclose(out["auto"], out["loop"], rtol=1e-5)
    # by hand, one point
    p = {k: v + 0.5 * dirs[0][k] - 1.0 * dirs[1][k] for k, v in params.items()}
    eval_net = copy.deepcopy(net).eval()
    eval_net.load_state_dict(p)
    with torch.no_grad():
        hand = nn.CrossEntropyLoss()(eval_net(x), y).item()
    k = int(np.flatnonzero(np.isclose(pts[:, 0], 0.5) & np.isclose(pts[:, 1], -1.0))[0])
    assert out["loop"][k] == pytest.approx(hand, rel=1e-5)


def test_bad_input_is_refused_clearly():
    net = mlp()
    with pytest.raises(TypeError, match="pair"):
        LossSurface(net, nn.CrossEntropyLoss(), data()[0])
    with pytest.raises(ValueError, match="method"):
        LossSurface(net, nn.CrossEntropyLoss(), data(), method="fast")
    with pytest.raises(ValueError, match="no parameters"):
        LossSurface(nn.ReLU(), nn.CrossEntropyLoss(), data())
    surface = LossSurface(net, nn.CrossEntropyLoss(), data())
    params = surface.params_of(net)
    with pytest.raises(ValueError, match=r"points must be \(K, 1\)"):
        surface.values(np.zeros((3, 2)), params, [params], {})
