"""Filter-normalized directions: a hand-computed case, conv filters, 1-D parameters, and the
``loss-landscapes`` package's filter normalization on the same model and the same random tensors."""

from __future__ import annotations

import numpy as np
import pytest
from _frameworks import require

torch = require("torch")
from torch import nn

from lossplot_widget.landscape.directions import filter_normalize, random_direction


def _cnn() -> nn.Module:
    torch.manual_seed(3)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 5))


def test_hand_computed_rows_and_zeroed_bias():
    w = {"w": torch.tensor([[3.0, 4.0], [6.0, 8.0], [0.0, 2.0]]), "b": torch.tensor([1.0, -1.0, 2.0])}
    d = {"w": torch.tensor([[1.0, 1.0], [0.0, -2.0], [4.0, 3.0]]), "b": torch.tensor([5.0, 5.0, 5.0])}
    out = filter_normalize(d, w)
    # row norms of w: 5, 10, 2; of d: sqrt 2, 2, 5
    expected = [[5 / np.sqrt(2), 5 / np.sqrt(2)], [0.0, -10.0], [1.6, 1.2]]
    assert np.allclose(out["w"].numpy(), expected)
    assert out["b"].tolist() == [0.0, 0.0, 0.0]
    assert torch.equal(d["w"], torch.tensor([[1.0, 1.0], [0.0, -2.0], [4.0, 3.0]]))  # the input is not modified
    with_bias = filter_normalize(d, w, include_1d=True)["b"]
    assert with_bias.norm().item() == pytest.approx(w["b"].norm().item())
    assert torch.allclose(with_bias / with_bias.norm(), d["b"] / d["b"].norm())


def test_conv_filters_are_output_channels():
    net = _cnn()
    weights = {k: v.detach() for k, v in net.named_parameters()}
    d = random_direction(weights, torch.Generator().manual_seed(0))
    conv = d["0.weight"]
    assert conv.shape == (4, 1, 3, 3)
    assert torch.allclose(conv.flatten(1).norm(dim=1), weights["0.weight"].flatten(1).norm(dim=1))
    # BatchNorm weight and bias and every bias: zero direction
    for name in ("0.bias", "1.weight", "1.bias", "4.bias"):
        assert torch.count_nonzero(d[name]) == 0, name
    # a filter's direction is a Gaussian draw rescaled, not the weights themselves
    assert not torch.allclose(conv, weights["0.weight"])


def test_same_seed_same_direction_and_global_random_state_untouched():
    weights = {k: v.detach() for k, v in _cnn().named_parameters()}
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    a = random_direction(weights, torch.Generator().manual_seed(7))
    b = random_direction(weights, torch.Generator().manual_seed(7))
    c = random_direction(weights, torch.Generator().manual_seed(8))
    assert torch.equal(torch.random.get_rng_state(), before)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["4.weight"], c["4.weight"])


def test_zero_filter_stays_zero_and_shapes_must_match():
    w = {"w": torch.ones(2, 3)}
    out = filter_normalize({"w": torch.tensor([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])}, w)
    assert out["w"][0].tolist() == [0.0, 0.0, 0.0] and out["w"][1, 0].item() == pytest.approx(np.sqrt(3))
    with pytest.raises(ValueError, match="shape"):
        filter_normalize({"w": torch.ones(3, 2)}, w)


def test_agrees_with_loss_landscapes_filter_normalization():
    """The same model, the same random tensors: ``loss_landscapes``' ``filter_normalize_`` (v3.0.6) gives the
    same multi-dimensional parameters. (For 1-D parameters it rescales each element to ``|w_i|``; the paper
    zeroes them, as we do by default; on a zero BatchNorm bias it divides by zero, so the model here has none.)"""
    ll = require("loss_landscapes.model_interface.model_parameters")
    torch.manual_seed(3)
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 5))
    weights = {k: v.detach().clone() for k, v in net.named_parameters()}
    gen = torch.Generator().manual_seed(0)
    raw = {k: torch.randn(v.shape, generator=gen) for k, v in weights.items()}
    theirs = ll.ModelParameters([raw[k].clone() for k in weights])
    theirs.filter_normalize_(ll.ModelParameters([v.clone() for v in weights.values()]))
    ours = filter_normalize(raw, weights)
    compared = 0
    for (name, w), their in zip(weights.items(), theirs.parameters):
        if w.dim() > 1:
            assert torch.allclose(ours[name], their, rtol=1e-5, atol=1e-7), name
            compared += 1
    assert compared == 2  # the conv and the linear weight
