"""Directions through weight space: filter-normalized Gaussian directions (Li et al. 2018).

A direction is a dict of tensors shaped like the model's parameters. Li et al. ("Visualizing the Loss
Landscape of Neural Nets", NeurIPS 2018, section 4) draw it from a standard Gaussian and rescale each
*filter* to the norm of the same filter of the weights, ``d[i] <- d[i] / ||d[i]|| * ||w[i]||``, so that a
step of 1 along it is as large as the weights themselves, layer by layer and filter by filter (which
makes slices of networks with different weight scales comparable). A filter is a slice along the first
axis: an output channel of a convolution (``out, in, kh, kw``), a row of a linear layer (``out, in``).
One-dimensional parameters (biases, BatchNorm and LayerNorm weights) get a zero direction, as in the
paper; ``include_1d=True`` gives them a Gaussian direction scaled to the norm of the whole vector
instead (the paper's reference code copies the weights themselves there).

>>> import torch
>>> w = {"fc.weight": torch.tensor([[3.0, 4.0], [0.0, 1.0]]), "fc.bias": torch.tensor([1.0, 2.0])}
>>> d = filter_normalize({"fc.weight": torch.tensor([[1.0, 0.0], [0.0, 2.0]]), "fc.bias": torch.ones(2)}, w)
>>> d["fc.weight"].tolist(), d["fc.bias"].tolist()
([[5.0, 0.0], [0.0, 1.0]], [0.0, 0.0])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

__all__ = ["Direction", "filter_normalize", "random_direction"]

Direction = dict[str, "torch.Tensor"]


def filter_normalize(
    direction: Mapping[str, torch.Tensor], weights: Mapping[str, torch.Tensor], include_1d: bool = False
) -> Direction:
    """Rescale ``direction`` filter by filter to the norms of ``weights``' filters (a new dict).

    Parameters
    ----------
    direction, weights : mapping of name -> tensor
        The same names and shapes.
    include_1d : bool
        Keep one-dimensional parameters (biases, normalization layers), scaled to the norm of the
        weight vector, instead of zeroing them.

    Returns
    -------
    dict of name -> tensor
        A filter of the direction that is all zeros stays zero (there is nothing to rescale).
    """
    import torch

    out: Direction = {}
    for name, w in weights.items():
        d = direction[name]
        if d.shape != w.shape:
            raise ValueError(f"direction {name!r} has shape {tuple(d.shape)}, the weights {tuple(w.shape)}")
        if w.dim() <= 1:
            if not include_1d:
                out[name] = torch.zeros_like(w)
                continue
            norm_d, norm_w = d.norm(), w.norm()
            out[name] = d * (norm_w / norm_d) if norm_d > 0 else torch.zeros_like(w)
            continue
        flat_d, flat_w = d.reshape(len(d), -1), w.reshape(len(w), -1)
        norm_d = flat_d.norm(dim=1, keepdim=True)
        scale = torch.where(norm_d > 0, flat_w.norm(dim=1, keepdim=True) / norm_d.clamp_min(1e-30), 0.0)
        out[name] = (flat_d * scale).reshape(d.shape)
    return out


def random_direction(
    weights: Mapping[str, torch.Tensor], generator: torch.Generator, include_1d: bool = False
) -> Direction:
    """A Gaussian direction, filter-normalized to ``weights`` (drawn on the CPU from ``generator``, so
    the same seed gives the same direction on any device and the global random state is untouched).

    >>> import torch
    >>> w = {"w": torch.randn(4, 3)}
    >>> d = random_direction(w, torch.Generator().manual_seed(0))
    >>> torch.allclose(d["w"].norm(dim=1), w["w"].norm(dim=1))
    True
    """
    import torch

    raw = {
        name: torch.randn(w.shape, generator=generator, dtype=torch.float32).to(device=w.device, dtype=w.dtype)
        for name, w in weights.items()
    }
    return filter_normalize(raw, weights, include_1d)
