"""Keep ``torch.compile`` out of the package: calls from traced code run eagerly.

A ``w.log(loss=loss)`` inside a ``@torch.compile``'d step would otherwise make Dynamo trace into the
widget (its history, its frames, its locks): graph breaks, recompilations, inductor errors, and frames
failing on ops it cannot trace. :func:`not_traced` wraps the package's entry points so that, while
Dynamo is tracing, the call goes through ``torch.compiler.disable``: one silent graph break, then the
plain Python function runs as it does outside ``torch.compile``. torch is never imported here.

>>> @not_traced
... def add(a, b):
...     return a + b
>>> add(1, 2)
3
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["not_traced"]

F = TypeVar("F", bound=Callable[..., Any])


def not_traced(fn: F) -> F:
    """``fn``, run eagerly (never traced) when called from code ``torch.compile`` is tracing.

    Outside tracing the cost is one dictionary lookup (torch not imported) or the read of the flag
    ``torch.compiler.is_compiling()`` returns (``_is_compiling_flag``, a module attribute Dynamo holds True
    while it traces), so every ``log()`` skips two calls into torch's code, cold after a training step;
    a torch without that flag gets the call.
    """
    disabled: list[Callable[..., Any]] = []

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        torch = sys.modules.get("torch")
        # (None while torch is half imported: a widget collected during ``import torch`` flushes from __del__)
        compiler = None if torch is None else getattr(torch, "compiler", None)
        # torch.compiler.is_compiling(), read from the flag it returns where torch has one (see the docstring)
        if compiler is not None and (
            getattr(compiler, "_is_compiling_flag", None) or (
                not hasattr(compiler, "_is_compiling_flag") and compiler.is_compiling())
        ):
            if not disabled:
                disabled.append(compiler.disable(fn, recursive=True))
            return disabled[0](*args, **kwargs)
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
