"""Validation and coercion of logged values, steps, epochs and metric names.

Everything here is cheap on the hot path: Python floats pass through untouched. A torch tensor
or JAX array is fixed at ``log()`` time without a host sync (read at once on the CPU, else a
device copy: see :mod:`.readback`), so what the loop does to it afterwards never changes what
was logged; device copies reach the host once per frame, in one batched transfer per device.
Neither torch nor jax is ever imported here: only a value of theirs brings them in.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np

from .readback import Unreadable, jax_array_type, keep_jax, keep_tensor, torch_tensor_type

__all__ = [
    "check_name", "coerce_epoch", "coerce_step", "coerce_value", "jax_array_type", "merge_checked", "merge_metrics",
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


def _coerce_jax(name: str, value: Any) -> Any:
    """A one-element real JAX array, checked (:func:`merge_metrics` copies it on its device)."""
    if isinstance(value, sys.modules["jax"].core.Tracer):
        raise TypeError(
            f"metric {name!r}: log() was called inside a JAX transformation (jit, grad, vmap, scan) with a traced "
            "value; return the value from the jitted function and log it outside, or use jax.debug.callback"
        )
    kind = value.dtype.kind
    if kind not in "fiu" and str(value.dtype) != "bfloat16":  # bfloat16 is kind 'V' for numpy
        raise TypeError(f"metric {name!r}: expected a real number, got a JAX array of dtype {value.dtype}")
    if value.size != 1:
        raise ValueError(f"metric {name!r}: expected a scalar, got a JAX array of shape {tuple(value.shape)}")
    return value


def _coerce_array_like(name: str, value: Any) -> Any:
    """Any other one-element array (``__array__``: TensorFlow, ...): read once, now, then checked
    as a numpy array; one whose ``__array__`` fails is kept as :class:`~.readback.Unreadable` (NaN)."""
    try:
        arr = np.asarray(value)
    except Exception as exc:
        return Unreadable(exc)
    return coerce_value(name, arr)  # an ndarray always gives a float


#: [torch.Tensor, its float dtypes], filled on the first tensor seen (torch is never imported here)
_TENSOR: list[Any] = [None, frozenset()]


def _coerce_ndarray(name: str, value: np.ndarray) -> float:
    if value.dtype.kind not in "fiu":
        raise TypeError(f"metric {name!r}: expected a real number, got an array of dtype {value.dtype}")
    if value.size != 1:
        raise ValueError(f"metric {name!r}: expected a scalar, got an array of shape {value.shape}")
    return float(value.reshape(()))


def _coerce_tensor(name: str, value: Any, tensor_cls: type) -> Any:
    if _TENSOR[0] is not tensor_cls:
        torch = sys.modules["torch"]
        _TENSOR[:] = [tensor_cls, frozenset({torch.float16, torch.bfloat16, torch.float32, torch.float64})]
    if value.numel() != 1:
        raise ValueError(f"metric {name!r}: expected a scalar, got a tensor of shape {tuple(value.shape)}")
    dtype = value.dtype
    if dtype.is_complex or dtype == sys.modules["torch"].bool:
        raise TypeError(f"metric {name!r}: expected a real number, got a tensor of dtype {value.dtype}")
    return keep_tensor(value)  # read now on the CPU, else a detached device copy: no host sync


def coerce_value(name: str, value: Any) -> Any:
    """Return a ``float``, a 0-d torch tensor (a detached device copy) or a one-element JAX array for ``value``
    (an :class:`~.readback.Unreadable`, kept as NaN, for a value that cannot be read).

    A torch tensor is fixed now (:func:`~.readback.keep_tensor`); a JAX array is checked here and
    copied by :func:`merge_metrics`, once per call.

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
        return keep_tensor(value)
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"metric {name!r}: expected a real number, got bool {value!r}")
    if isinstance(value, (np.floating, np.integer)):
        return float(value)
    if isinstance(value, np.ndarray):
        return _coerce_ndarray(name, value)
    tensor_cls = torch_tensor_type()
    if tensor_cls is not None and isinstance(value, tensor_cls):
        return _coerce_tensor(name, value, tensor_cls)
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


def merge_metrics(values: Mapping[str, object] | None, metrics: Mapping[str, object]) -> Mapping[str, Any]:
    """The metrics of one ``log()`` call, validated: a mapping and keywords together, names checked,
    values coerced (:func:`coerce_value`). Floats under str names pass through as they are (no new dict).

    >>> merge_metrics({"loss": 1}, {"acc": 0.5})
    {'loss': 1.0, 'acc': 0.5}
    """
    return merge_checked(values, metrics)[0]


def merge_checked(
    values: Mapping[str, object] | None, metrics: Mapping[str, object]
) -> tuple[Mapping[str, Any], bool]:
    """:func:`merge_metrics`, and whether every value is a plain ``float`` (no device value to read back later).

    >>> merge_checked(None, {"loss": 0.5}), merge_checked(None, {"loss": 1})
    (({'loss': 0.5}, True), ({'loss': 1.0}, True))
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
            return _coerce_all(values)
    return values, True


def _coerce_all(values: Mapping[str, object]) -> tuple[dict[str, Any], bool]:
    """The values coerced, and whether all of them are now floats (a CPU tensor is read at once: a float)."""
    clean: dict[str, Any] = {}
    plain = True
    for n, x in values.items():  # a loss tensor among floats comes here: floats stay cheap
        if type(n) is not str or not n:
            check_name(n)
        if type(x) is not float:
            x = coerce_value(n, x)
            if type(x) is not float:
                plain = False
        clean[n] = x
    if not plain:
        jax_cls = jax_array_type()
        if jax_cls is not None:
            held = [n for n, v in clean.items() if isinstance(v, jax_cls)]
            if held:  # one device copy for all of them: a later donation or delete cannot reach what was logged
                clean.update(zip(held, keep_jax([clean[n] for n in held])))
    return clean, plain
