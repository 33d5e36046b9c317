"""Small helpers shared by the framework adapters (no framework imports here)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.values import jax_array_type, torch_tensor_type
from ..widget import LiveLossWidget

__all__ = ["loggable", "scalars", "show", "shown_widget"]


def show(widget: Any) -> None:
    """Display ``widget`` when running under IPython (a notebook or a console); else do nothing."""
    if "IPython" not in sys.modules:
        return
    from IPython import get_ipython

    if get_ipython() is None:
        return
    from IPython.display import display

    display(widget)


def shown_widget(widget: LiveLossWidget | None) -> LiveLossWidget:
    """``widget``, or a new ``LiveLossWidget`` displayed now (an adapter given no widget makes its own)."""
    if widget is None:
        widget = LiveLossWidget()
        show(widget)
    return widget


def loggable(value: Any) -> Any:
    """``value`` as ``log()`` accepts it: numbers, torch tensors and JAX arrays pass through untouched
    (``log()`` fixes their value without a sync per step); other array types (TensorFlow, ...) are read
    once with ``numpy.asarray``."""
    if isinstance(value, (int, float, np.generic, np.ndarray)):
        return value
    for cls in (torch_tensor_type(), jax_array_type()):
        if cls is not None and isinstance(value, cls):
            return value
    return np.asarray(value)


def _one_element(value: Any) -> bool:
    numel = getattr(value, "numel", None)
    if callable(numel):  # torch
        return numel() == 1
    size = getattr(value, "size", None)
    if isinstance(size, (int, np.integer)):  # numpy, JAX: no host copy
        return int(size) == 1
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
