"""Small helpers shared by the framework adapters (no framework imports here)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.values import torch_tensor_type

__all__ = ["loggable", "scalars", "show"]


def show(widget: Any) -> None:
    """Display ``widget`` when running under IPython (a notebook or a console); else do nothing."""
    if "IPython" not in sys.modules:
        return
    from IPython import get_ipython

    if get_ipython() is None:
        return
    from IPython.display import display

    display(widget)


def loggable(value: Any) -> Any:
    """``value`` as ``log()`` accepts it: numbers and torch tensors pass through untouched (no sync);
    other array types (JAX, TensorFlow) are read once with ``numpy.asarray``."""
    if isinstance(value, (int, float, np.generic, np.ndarray)):
        return value
    tensor_cls = torch_tensor_type()
    if tensor_cls is not None and isinstance(value, tensor_cls):
        return value
    return np.asarray(value)


def _one_element(value: Any) -> bool:
    numel = getattr(value, "numel", None)
    if callable(numel):  # torch
        return numel() == 1
    try:
        return int(np.size(value)) == 1
    except Exception:
        return False


def scalars(values: Mapping[str, Any]) -> dict[str, Any]:
    """The numeric one-element entries of ``values``, made loggable (others are left out)."""
    out = {}
    for name, value in values.items():
        if not isinstance(name, str) or value is None or isinstance(value, (str, bytes, bool, np.bool_)):
            continue
        if _one_element(value):
            out[name] = loggable(value)
    return out
