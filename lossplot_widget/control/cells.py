"""End-of-cell work: IPython's ``post_run_cell`` event, registered once for every widget.

Widgets draw their last values and refresh their static picture after each cell; Stop/Pause
runs begun on the main thread end with their cell. Callbacks are held weakly (a widget that
is gone is forgotten) and their exceptions are printed, never raised into the user's cell.

>>> calls = []
>>> class Owner:
...     def after(self) -> None: calls.append(1)
>>> o = Owner(); watch(o.after)       # outside IPython: nothing to register, nothing happens
>>> calls
[]
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Callable
from typing import Any

__all__ = ["last_error", "watch"]

_callbacks: list[weakref.WeakMethod[Callable[[], None]]] = []
_registered_on: Any = None
_last_error: list[BaseException | None] = [None]


def last_error() -> BaseException | None:
    """The exception that ended the cell whose end-of-cell callbacks are running (``None``: it ran through)."""
    return _last_error[0]


def _post_run_cell(*args: Any) -> None:
    result = args[0] if args else None
    _last_error[0] = getattr(result, "error_in_exec", None)
    alive = []
    for ref in list(_callbacks):
        callback = ref()
        if callback is None:
            continue
        alive.append(ref)
        try:
            callback()
        except Exception as exc:  # never break the user's cell over a plot
            print(f"lossplot_widget: end-of-cell work failed: {exc!r}", file=sys.stderr)
    _callbacks[:] = alive
    _last_error[0] = None


def watch(callback: Callable[[], None]) -> None:
    """Call the bound method ``callback`` after each cell of the running IPython shell, if there is one."""
    global _registered_on
    if "IPython" not in sys.modules:
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return
    if _registered_on is not shell:
        shell.events.register("post_run_cell", _post_run_cell)
        _registered_on = shell
    _callbacks.append(weakref.WeakMethod(callback))
