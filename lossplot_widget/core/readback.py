"""Values fixed at ``log()`` time, read back to the host once per frame.

What a call logs is what the history keeps, whatever the training loop does to that tensor or
array afterwards (``loss /= accum_steps``, an LR scheduler stepping a tensor, an optimizer
updating a 0-d ``Parameter``, a jitted step donating its train state), and still with no host
sync per step:

- a **CPU torch tensor** is read at once (``item()``: a memory read, no device to wait for);
- a **device torch tensor** (CUDA, MPS, XLA, ...) is cloned on its device (``detach().clone()``,
  queued on the current stream like the step itself) and read in one stacked transfer per frame;
- a **JAX array** is copied on its device by one jitted copy per ``log()`` call (asynchronous
  dispatch: the copy survives the original being donated or deleted), read per frame the same way.

A value that cannot be read (a deleted array, a failing ``__array__``, a device error) becomes NaN
at its step, with one :class:`UnreadableValueWarning` naming the metric and step; the rest of the
batch and every later frame are unaffected.

Neither torch nor jax is ever imported here: only a value of theirs brings them in.

>>> arr, failed = to_float_array([0.5, Unreadable(RuntimeError("gone"))])
>>> arr.tolist()[0], failed
(0.5, {1: 'RuntimeError: gone'})
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "READ_AT_ONCE", "Unreadable", "UnreadableValueWarning", "jax_array_type", "keep_jax", "keep_tensor",
    "to_float_array", "torch_tensor_type", "warn_unreadable",
]

#: torch device types read at ``log()`` time (reading them is a memory read, not a device sync)
READ_AT_ONCE = frozenset({"cpu"})


def torch_tensor_type() -> Any:
    """The ``torch.Tensor`` class if torch is already imported, else ``None`` (never imports torch)."""
    return getattr(sys.modules.get("torch"), "Tensor", None)


def jax_array_type() -> Any:
    """The ``jax.Array`` class if jax is already imported, else ``None`` (never imports jax)."""
    return getattr(sys.modules.get("jax"), "Array", None)


class UnreadableValueWarning(RuntimeWarning):
    """A logged value could not be read (deleted, invalidated, a failing ``__array__``): kept as NaN."""


class Unreadable:
    """A logged value that could not be read; it converts to NaN and is reported at commit.

    >>> float(Unreadable(ValueError("bad")))
    nan
    """

    __slots__ = ("reason",)

    def __init__(self, error: BaseException) -> None:
        self.reason = f"{type(error).__name__}: {error}"[:200]

    def __float__(self) -> float:
        return float("nan")

    def __repr__(self) -> str:
        return f"Unreadable({self.reason!r})"


def keep_tensor(tensor: Any) -> Any:
    """The value of a one-element torch ``tensor`` as it is now: a float for a CPU tensor, else a 0-d
    detached clone on its device (no sync), or :class:`Unreadable`."""
    try:
        if tensor.is_cpu and "cpu" in READ_AT_ONCE:
            return tensor.item()
        if tensor.requires_grad:
            tensor = tensor.detach()
        return (tensor if tensor.dim() == 0 else tensor.reshape(())).clone()
    except Exception as exc:  # a meta tensor, a device error, ...
        return Unreadable(exc)


@functools.cache
def _jax_copy() -> Any:
    """The jitted copy, made on the first JAX value (jax is never imported here before that)."""
    import jax  # already imported: an array exists
    import jax.numpy as jnp

    # one dispatch for all arrays of a call (~4 us, against ~19 us for jnp.copy per array);
    # 0-d out, so that a frame stacks them in one transfer per device and dtype
    return jax.jit(lambda *arrays: tuple(jnp.copy(a.reshape(())) for a in arrays))


def keep_jax(arrays: Sequence[Any]) -> list[Any]:
    """Device copies of one-element JAX ``arrays`` (asynchronous), :class:`Unreadable` for any that
    cannot be copied (deleted, donated). One dispatch when they share a device."""
    copy = _jax_copy()
    try:
        return list(copy(*arrays))
    except Exception:  # a deleted array among them, or arrays on different devices: one at a time
        out: list[Any] = []
        for a in arrays:
            try:
                out.append(copy(a)[0])
            except Exception as exc:
                out.append(Unreadable(exc))
        return out


def to_float_array(values: list[Any]) -> tuple[np.ndarray, dict[int, str]]:
    """Floats and kept tensors / JAX arrays as float64 (one host transfer per device and dtype), and
    ``{index: reason}`` for each value that could not be read (NaN in the array)."""
    tensor_cls = torch_tensor_type()
    jax_cls = jax_array_type()
    deferred = tuple(c for c in (tensor_cls, jax_cls) if c is not None)
    at = [i for i, v in enumerate(values) if isinstance(v, deferred)] if deferred else []
    plain = list(values) if at else values
    groups: dict[Any, list[int]] = {}  # one host transfer per group
    for i in at:
        v = plain[i]
        plain[i] = np.nan
        if tensor_cls is not None and isinstance(v, tensor_cls):
            groups.setdefault(("torch", v.device, v.dtype), []).append(i)
        else:
            groups.setdefault(("jax", v.dtype, v.shape, _jax_devices(v)), []).append(i)
    out = np.array(plain, dtype=np.float64)  # an Unreadable converts to NaN
    failed: dict[int, str] = {}
    if np.isnan(out).any():
        failed = {i: v.reason for i, v in enumerate(values) if type(v) is Unreadable}
    for key, indices in groups.items():
        read = _torch_to_host if key[0] == "torch" else _jax_to_host
        try:
            out[indices] = read([values[i] for i in indices])
        except Exception:  # one bad value must not cost the others: read one at a time
            for i in indices:
                try:
                    out[i] = read([values[i]])[0]
                except Exception as exc:
                    failed[i] = Unreadable(exc).reason
    return out, failed


def warn_unreadable(name: str, steps: np.ndarray, failed: dict[int, str]) -> None:
    """One warning for the values of metric ``name`` a commit could not read (``steps`` of its points)."""
    at = sorted(failed)
    where = [int(steps[i]) for i in at]
    shown = ", ".join(map(str, where[:5])) + (f" and {len(where) - 5} more" if len(where) > 5 else "")
    warnings.warn(
        f"lossplot_widget: metric {name!r} at step{'s' if len(where) > 1 else ''} {shown} could not be read "
        f"({failed[at[0]]}); recorded as NaN",
        UnreadableValueWarning,
        stacklevel=3,
    )


def _jax_devices(array: Any) -> tuple[str, ...]:
    try:
        return tuple(sorted(map(str, array.devices())))
    except Exception:  # a deleted array: grouped alone, reported when read
        return ("?",)


def _torch_to_host(tensors: list[Any]) -> np.ndarray:
    import torch  # already imported: a tensor exists

    # stack first, convert once: one .to() per point cost ~10x more than the stack itself
    return torch.stack(tensors).to(torch.float64).cpu().numpy()  # the one synchronizing transfer


def _jax_to_host(arrays: list[Any]) -> np.ndarray:
    import jax  # already imported: an array exists

    # a jitted stack of a fixed width (8 or 64, the last chunk padded): compiled twice per dtype and device,
    # never per count (jnp.stack of a list dispatched op by op, ~5 us a point, and compiled per length);
    # device_get starts every chunk's copy, then waits once
    n = len(arrays)
    width = 8 if n <= 8 else 64
    stack = _jax_stack()
    chunks = []
    for i in range(0, n, width):
        chunk = arrays[i : i + width]
        chunks.append(stack(*chunk, *[chunk[-1]] * (width - len(chunk))))
    return np.concatenate(jax.device_get(chunks)).astype(np.float64)[:n]


@functools.cache
def _jax_stack() -> Any:
    import jax
    import jax.numpy as jnp

    return jax.jit(lambda *arrays: jnp.stack([a.reshape(()) for a in arrays]))
