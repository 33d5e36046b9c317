"""Validation and coercion of logged values, steps, epochs and metric names.

Everything here is cheap and allocation-free on the hot path: Python floats pass
through untouched, torch tensors are detached and JAX arrays kept as they are, but
neither is copied to the host (that happens once per frame, in :func:`to_float_array`,
called when the history commits: one batched transfer per device and dtype).
Neither torch nor jax is ever imported here: only a value of theirs brings them in.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = [
    "check_name", "coerce_epoch", "coerce_step", "coerce_value", "jax_array_type", "merge_metrics", "to_float_array",
    "torch_tensor_type",
]

_PREVIEW = 60


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _PREVIEW else text[: _PREVIEW - 3] + "..."


def check_name(name: Any) -> str:
    """Return ``name`` if it is a usable metric name, else raise ``TypeError``/``ValueError``."""
    if not isinstance(name, str):
        raise TypeError(f"metric names must be str, got {type(name).__name__}: {_preview(name)}")
    if not name:
        raise ValueError("metric names must be non-empty strings")
    return name


def torch_tensor_type() -> Any:
    """The ``torch.Tensor`` class if torch is already imported, else ``None`` (never imports torch)."""
    torch = sys.modules.get("torch")
    return getattr(torch, "Tensor", None) if torch is not None else None


def jax_array_type() -> Any:
    """The ``jax.Array`` class if jax is already imported, else ``None`` (never imports jax)."""
    jax = sys.modules.get("jax")
    return getattr(jax, "Array", None) if jax is not None else None


def _coerce_jax(name: str, value: Any) -> Any:
    """A one-element real JAX array, kept on its device (its host copy is made per frame, batched)."""
    kind = value.dtype.kind
    if kind not in "fiu" and str(value.dtype) != "bfloat16":  # bfloat16 is kind 'V' for numpy
        raise TypeError(f"metric {name!r}: expected a real number, got a JAX array of dtype {value.dtype}")
    if value.size != 1:
        raise ValueError(f"metric {name!r}: expected a scalar, got a JAX array of shape {tuple(value.shape)}")
    return value


def _coerce_array_like(name: str, value: Any) -> float:
    """Any other one-element array (``__array__``: TensorFlow, CuPy, ...): read once, now, then checked
    as a numpy array."""
    try:
        arr = np.asarray(value)
    except Exception as exc:
        raise TypeError(f"metric {name!r}: could not read {type(value).__name__} as an array: {exc}") from exc
    return coerce_value(name, arr)  # an ndarray always gives a float


#: [torch.Tensor, its float dtypes], filled on the first tensor seen (torch is never imported here)
_TENSOR: list[Any] = [None, frozenset()]


def coerce_value(name: str, value: Any) -> Any:
    """Return a ``float``, a detached 0-d torch tensor or a one-element JAX array for ``value``.

    Raises ``TypeError`` for non-numbers (str, None, bool, complex) and
    ``ValueError`` for arrays/tensors with more than one element.

    >>> coerce_value("loss", 1)
    1.0
    """
    cls = type(value)
    if cls is float:
        return value
    if cls is int:
        return float(value)
    # the common torch case first: a 0-d float loss
    if cls is _TENSOR[0] and cls is not None and value.dim() == 0 and value.dtype in _TENSOR[1]:
        return value.detach() if value.requires_grad else value
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"metric {name!r}: expected a real number, got bool {value!r}")
    if isinstance(value, (np.floating, np.integer)):
        return float(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "fiu":
            raise TypeError(
                f"metric {name!r}: expected a real number, got an array of dtype {value.dtype}"
            )
        if value.size != 1:
            raise ValueError(
                f"metric {name!r}: expected a scalar, got an array of shape {value.shape}"
            )
        return float(value.reshape(()))
    tensor_cls = torch_tensor_type()
    if tensor_cls is not None and isinstance(value, tensor_cls):
        if _TENSOR[0] is not tensor_cls:
            torch = sys.modules["torch"]
            _TENSOR[:] = [tensor_cls, frozenset({torch.float16, torch.bfloat16, torch.float32, torch.float64})]
        if value.numel() != 1:
            raise ValueError(
                f"metric {name!r}: expected a scalar, got a tensor of shape {tuple(value.shape)}"
            )
        dtype = value.dtype
        if dtype.is_complex or dtype == sys.modules["torch"].bool:
            raise TypeError(
                f"metric {name!r}: expected a real number, got a tensor of dtype {value.dtype}"
            )
        # detach: never keep the autograd graph alive; no host sync happens here.
        # (each tensor attribute costs ~0.1-0.3 us: skip the calls a plain 0-d loss does not need)
        if value.requires_grad:
            value = value.detach()
        return value if value.dim() == 0 else value.reshape(())
    jax_cls = jax_array_type()
    if jax_cls is not None and isinstance(value, jax_cls):
        return _coerce_jax(name, value)
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return float(value)
    if isinstance(value, numbers.Integral):
        return float(int(value))
    if hasattr(value, "__array__") and not isinstance(value, (str, bytes)):
        return _coerce_array_like(name, value)
    raise TypeError(
        f"metric {name!r}: expected a real number (int, float, numpy scalar or 0-d tensor), "
        f"got {type(value).__name__}: {_preview(value)}"
    )


def coerce_step(step: Any) -> int:
    """Return ``step`` as a Python int; raise ``TypeError`` for anything but an integer."""
    if isinstance(step, (bool, np.bool_)) or not isinstance(step, (int, np.integer)):
        raise TypeError(f"step must be an integer, got {type(step).__name__}: {_preview(step)}")
    step = int(step)
    if not -(2**63) <= step < 2**63:
        raise ValueError(f"step {step} does not fit in 64 bits")
    return step


def coerce_epoch(epoch: Any) -> float:
    """Return ``epoch`` as a finite float (fractional epochs are allowed)."""
    if isinstance(epoch, (bool, np.bool_)) or not isinstance(epoch, (numbers.Real, np.number)):
        raise TypeError(f"epoch must be a number, got {type(epoch).__name__}: {_preview(epoch)}")
    value = float(epoch)
    if not np.isfinite(value):
        raise ValueError(f"epoch must be finite, got {value!r}")
    return value


def to_float_array(values: list[Any]) -> np.ndarray:
    """Convert floats and deferred torch tensors / JAX arrays to float64, one host transfer per device."""
    tensor_cls = torch_tensor_type()
    jax_cls = jax_array_type()
    if tensor_cls is None and jax_cls is None:
        return np.array(values, dtype=np.float64)
    deferred = tuple(c for c in (tensor_cls, jax_cls) if c is not None)
    at = [i for i, v in enumerate(values) if isinstance(v, deferred)]
    if not at:
        return np.array(values, dtype=np.float64)
    plain = list(values)
    groups: dict[Any, list[int]] = {}  # one host transfer per group
    for i in at:
        v = plain[i]
        plain[i] = np.nan
        if tensor_cls is not None and isinstance(v, tensor_cls):
            groups.setdefault(("torch", v.device, v.dtype), []).append(i)
        else:
            groups.setdefault(("jax", v.dtype, v.shape, tuple(sorted(map(str, v.devices())))), []).append(i)
    out = np.array(plain, dtype=np.float64)
    for key, indices in groups.items():
        batch = [values[i] for i in indices]
        out[indices] = _torch_to_host(batch) if key[0] == "torch" else _jax_to_host(batch)
    return out


def _torch_to_host(tensors: list[Any]) -> np.ndarray:
    import torch  # already imported: a tensor exists

    # stack first, convert once: one .to() per point cost ~10x more than the stack itself
    return torch.stack(tensors).to(torch.float64).cpu().numpy()  # the one synchronizing transfer


def _jax_to_host(arrays: list[Any]) -> np.ndarray:
    import jax  # already imported: an array exists
    import jax.numpy as jnp

    # one stack on the device, then one device_get: a transfer per group, not per point
    return np.asarray(jax.device_get(jnp.stack(arrays)), dtype=np.float64).reshape(len(arrays))


def merge_metrics(values: Mapping[str, object] | None, metrics: Mapping[str, object]) -> Mapping[str, Any]:
    """The metrics of one ``log()`` call, validated: a mapping and keywords together, names checked,
    values coerced (:func:`coerce_value`). Floats under str names pass through as they are (no new dict).

    >>> merge_metrics({"loss": 1}, {"acc": 0.5})
    {'loss': 1.0, 'acc': 0.5}
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
    for name, v in values.items():  # the hot path: one type check per metric
        if type(v) is not float or type(name) is not str or not name:
            return {check_name(n): coerce_value(n, x) for n, x in values.items()}
    return values
