"""The loss at points of a slice through weight space, without touching the training model.

:class:`LossSurface` keeps an evaluation copy of the model (``copy.deepcopy`` once, in eval mode, so
dropout is off and BatchNorm uses running statistics) and evaluates it with
``torch.func.functional_call`` on parameters it builds itself, ``center + sum_j c_j * d_j``, under
``torch.no_grad()``. The training model, its parameters, buffers, mode and its optimizer are never
read while they change or written at all: the caller hands in copies taken between steps.

Points are evaluated in chunks. ``method="vmap"`` batches a chunk with ``torch.func.vmap`` (one
parameter copy per point of the chunk, so a chunk holds ``memory`` bytes of parameters at most);
``"loop"`` runs one forward pass per point; ``"auto"`` (the default) times both on the first chunks
and keeps the faster (on this project's 2-core CPU the loop wins for an MLP; on a GPU vmap should).

>>> import torch
>>> net = torch.nn.Linear(2, 1)
>>> surface = LossSurface(net, torch.nn.functional.mse_loss, (torch.ones(4, 2), torch.zeros(4, 1)))
>>> center = {k: v.detach().clone() for k, v in net.named_parameters()}
>>> zero = {k: torch.zeros_like(v) for k, v in center.items()}
>>> values = surface.values(torch.tensor([[0.0], [1.0]]), center, [zero], surface.buffers_of(net))
>>> bool(abs(values[0] - values[1]) < 1e-7)
True
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

__all__ = ["LossSurface"]

Tensors = Mapping[str, "torch.Tensor"]


def _to(value: Any, device: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return type(value)(_to(v, device) for v in value)
    return value.to(device) if hasattr(value, "to") else value


class LossSurface:
    """Evaluate ``loss_fn(model(x), y)`` at weights ``center + points @ directions``.

    Parameters
    ----------
    model : torch.nn.Module
        Copied once (``copy.deepcopy``) and put in eval mode; the original is not touched again here.
    loss_fn : callable
        ``loss_fn(output, target) -> 0-d tensor`` (a mean over the batch, e.g. ``nn.CrossEntropyLoss()``).
    batch : (inputs, target)
        The probe batch (a few hundred samples show the shape); ``inputs`` a tensor or a tuple of them.
    val_batch : (inputs, target), optional
        A second batch (the 1-D view draws its loss too).
    memory : int
        Bytes of parameter copies one vmap chunk may hold.
    method : {"auto", "vmap", "loop"}
    """

    def __init__(
        self, model: torch.nn.Module, loss_fn: Callable[..., torch.Tensor], batch: Sequence[Any],
        val_batch: Sequence[Any] | None = None, memory: int = 64 * 2**20, method: str = "auto",
    ) -> None:
        import torch

        if method not in ("auto", "vmap", "loop"):
            raise ValueError(f"method must be 'auto', 'vmap' or 'loop', got {method!r}")
        for name, b in (("batch", batch), ("val_batch", val_batch)):
            if b is not None and (not isinstance(b, (tuple, list)) or len(b) != 2):
                raise TypeError(f"{name} must be a pair (inputs, target), got {type(b).__name__}")
        first = next(model.parameters(), None)
        if first is None:
            raise ValueError("the model has no parameters")
        self.device = first.device
        self.model = copy.deepcopy(model).eval()
        self.model.requires_grad_(False)
        self.loss_fn = loss_fn
        self.batches = {"train": _to(tuple(batch), self.device)}
        if val_batch is not None:
            self.batches["val"] = _to(tuple(val_batch), self.device)
        self.n_params = sum(p.numel() for p in self.model.parameters())
        self.chunk = int(max(1, min(512, memory // max(1, 4 * self.n_params))))
        self.method = method
        #: seconds one chunk should take (the pause a training step sees when chunks run between steps)
        self.target_seconds = 0.02
        self._per_point: dict[str, float] = {}  # measured seconds per point, by method
        self._torch = torch

    @staticmethod
    def params_of(model: torch.nn.Module) -> dict[str, torch.Tensor]:
        """A detached copy of the model's parameters (take it between steps)."""
        return {k: v.detach().clone() for k, v in model.named_parameters()}

    @staticmethod
    def buffers_of(model: torch.nn.Module) -> dict[str, torch.Tensor]:
        """A copy of the model's buffers (BatchNorm running statistics): held fixed along a slice."""
        return {k: v.detach().clone() for k, v in model.named_buffers()}

    def _loss(self, params: Tensors, buffers: Tensors, which: str) -> torch.Tensor:
        from torch.func import functional_call

        inputs, target = self.batches[which]
        args = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
        return self.loss_fn(functional_call(self.model, {**params, **buffers}, args), target)

    def loss(self, params: Tensors, buffers: Tensors, which: str = "train") -> float:
        """The loss at ``params`` (the centre of a slice)."""
        with self._torch.no_grad():
            return float(self._loss(params, buffers, which))

    def _point(self, c: torch.Tensor, center: Tensors, directions: Sequence[Tensors]) -> dict[str, torch.Tensor]:
        return {k: v + sum(c[j] * d[k] for j, d in enumerate(directions)) for k, v in center.items()}

    def _chunk(self, method: str, cs: torch.Tensor, center: Tensors, dirs: Sequence[Tensors],
               buffers: Tensors, which: str) -> torch.Tensor:
        torch = self._torch
        if method == "vmap":
            from torch.func import vmap

            return vmap(lambda c: self._loss(self._point(c, center, dirs), buffers, which))(cs)
        return torch.stack([self._loss(self._point(c, center, dirs), buffers, which) for c in cs])

    def chunks(
        self, points: torch.Tensor | np.ndarray, center: Tensors, directions: Sequence[Tensors],
        buffers: Tensors, which: str = "train",
    ) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(start, losses)`` chunk by chunk for the ``(K, len(directions))`` coefficients ``points``.

        A chunk is sized to take about ``target_seconds`` (measured on the chunks before; at most
        ``chunk`` points, the memory bound). Gradients are off inside each chunk only: between chunks
        the caller's thread is as it was (it may be the training loop).
        """
        torch = self._torch
        dtype = next(iter(center.values())).dtype
        pts = torch.as_tensor(points, dtype=dtype).to(self.device)
        if pts.ndim != 2 or pts.shape[1] != len(directions):
            raise ValueError(f"points must be (K, {len(directions)}), got {tuple(pts.shape)}")
        start = 0
        while start < len(pts):
            if self.method == "auto" and len(pts) - start >= 2:
                method, size = ("vmap", 4) if "vmap" not in self._per_point else ("loop", 4)
            else:
                method = "loop" if self.method == "auto" else self.method
                per = self._per_point.get(method)
                size = 4 if per is None else int(self.target_seconds / max(per, 1e-9))
            size = max(1, min(size, self.chunk, len(pts) - start))
            part = pts[start:start + size]
            t0 = time.perf_counter()
            with torch.no_grad():
                out = self._chunk(method, part, center, directions, buffers, which).double().cpu().numpy()
            self._per_point[method] = (time.perf_counter() - t0) / len(part)
            if self.method == "auto" and len(self._per_point) == 2:
                self.method = min(self._per_point, key=self._per_point.__getitem__)
            yield start, out
            start += len(part)

    def values(self, points: torch.Tensor | np.ndarray, center: Tensors, directions: Sequence[Tensors],
               buffers: Tensors, which: str = "train") -> np.ndarray:
        """All the losses at once (float64, one per row of ``points``)."""
        out = np.empty(len(points))
        for start, part in self.chunks(points, center, directions, buffers, which):
            out[start:start + len(part)] = part
        return out
