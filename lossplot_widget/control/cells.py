"""End-of-cell work (``post_run_cell``, registered once): widgets flush, Stop/Pause runs end."""

from __future__ import annotations

import sys
import weakref
from typing import Any, Protocol


class _AfterCell(Protocol):
    def _after_cell(self) -> None: ...


_watched: "weakref.WeakSet[Any]" = weakref.WeakSet()
_registered_on: Any = None


def _post_run_cell(*_args: Any) -> None:
    for widget in list(_watched):
        try:
            widget._after_cell()
        except Exception as exc:  # never break the user's cell over a plot
            print(f"lossplot_widget: end-of-cell work failed: {exc!r}", file=sys.stderr)


def watch(widget: _AfterCell) -> None:
    """Call ``widget._after_cell()`` after each cell of the running IPython shell, if there is one."""
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
    _watched.add(widget)
